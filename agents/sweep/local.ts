/**
 * The local executor (`sweep run DIR --executor local --workers N`): a pool of `marginlab sweep run-task`
 * child processes on this machine, `workers` at a time, each task once its dependencies are done. It is
 * an engine like any other: every task runs in its own process through run-task, with its lease, so a
 * local run, a Slurm run and a hand-run task never write the same task twice.
 *
 * Ctrl-C (the abort signal) sends every running task one SIGTERM: each stops at its next checkpoint, and
 * a rerun continues where it stopped. A task that fails keeps its run.log and error.json; tasks that need
 * it are not started; the rest of the sweep goes on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isDone, loadPlan, type PlanTask } from './plan.ts';

/** run-task's exit codes (scripts/exit-codes.ts). */
const EXIT_OK = 0;
const EXIT_PERMANENT = 1;
const EXIT_TEMPFAIL = 75;

export interface LocalRunOptions {
  /** Tasks at once (default: the machine's cores). */
  workers?: number;
  signal?: AbortSignal;
  /** Progress lines (default: stderr, prefixed `[sweep]`). */
  log?: (line: string) => void;
  /** Only these task ids (and nothing that is not already done among their dependencies). */
  only?: string[];
  /** Passed to each run-task (e.g. `--lease-stale-s`). */
  taskArgs?: string[];
}

export interface LocalRunSummary {
  /** Tasks of the plan (or of `only`). */
  total: number;
  /** Done before this run. */
  skipped: number;
  /** Finished by this run. */
  done: number;
  failed: { id: string; label: string; message: string; permanent: boolean }[];
  /** Not started: a dependency failed, or is held by another worker. */
  blocked: { id: string; label: string; reason: string }[];
  /** Held by another live worker (another executor, a Slurm job). */
  held: { id: string; label: string }[];
  interrupted: boolean;
}

/** Runs every unfinished task of the plan in `dir` (see the top of this file). */
export async function runLocal(dir: string, opts: LocalRunOptions = {}): Promise<LocalRunSummary> {
  const log = opts.log ?? ((l: string) => void process.stderr.write(`[sweep] ${l}\n`));
  const plan = loadPlan(dir);
  const only = opts.only ? new Set(opts.only) : null;
  const tasks = plan.tasks.filter((t) => !only || only.has(t.id));
  const byId = new Map(plan.tasks.map((t) => [t.id, t]));
  const summary: LocalRunSummary = { total: tasks.length, skipped: 0, done: 0, failed: [], blocked: [], held: [], interrupted: false };
  const state = new Map<string, 'pending' | 'running' | 'done' | 'failed' | 'held'>();
  for (const t of tasks) {
    const done = isDone(dir, t);
    state.set(t.id, done ? 'done' : 'pending');
    if (done) summary.skipped++;
  }
  const depState = (id: string) => state.get(id) ?? (isDone(dir, byId.get(id)!) ? 'done' : 'missing');
  const workers = Math.max(1, opts.workers ?? availableParallelism());
  const bin = fileURLToPath(new URL('../../bin/marginlab.js', import.meta.url));
  const children = new Map<ChildProcess, PlanTask>();
  const onAbort = () => {
    summary.interrupted = true;
    for (const c of children.keys()) c.kill('SIGTERM');
  };
  opts.signal?.addEventListener('abort', onAbort);
  const pending = () => tasks.filter((t) => state.get(t.id) === 'pending');
  if (pending().length) log(`${pending().length} of ${tasks.length} task(s) to run, ${workers} at a time (${summary.skipped} already done)`);

  const runOne = (t: PlanTask) =>
    new Promise<void>((resolveRun) => {
      state.set(t.id, 'running');
      // Own process group: a terminal Ctrl-C reaches only this process, which passes one SIGTERM on.
      const child = spawn(process.execPath, [bin, 'sweep', 'run-task', dir, '--id', t.id, ...(opts.taskArgs ?? [])], {
        stdio: ['ignore', 'ignore', 'pipe'],
        detached: true,
      });
      children.set(child, t);
      const tail: string[] = [];
      let partial = '';
      child.stderr!.on('data', (d: Buffer) => {
        partial += d.toString();
        const lines = partial.split(/\r?\n|\r/);
        partial = lines.pop() ?? '';
        for (const l of lines) {
          if (!l.trim()) continue;
          tail.push(l);
          if (tail.length > 10) tail.shift();
          log(`[${t.kind} ${t.id.slice(-8)}] ${l.replace(/^\[sweep\] /, '')}`);
        }
      });
      child.on('close', (code, signal) => {
        children.delete(child);
        if (code === EXIT_OK && isDone(dir, t)) {
          state.set(t.id, 'done');
          summary.done++;
        } else if (code === EXIT_TEMPFAIL) {
          state.set(t.id, 'held');
          summary.held.push({ id: t.id, label: t.label });
        } else if (summary.interrupted && (code === 143 || code === 130 || signal === 'SIGTERM')) {
          state.set(t.id, 'pending');
        } else {
          state.set(t.id, 'failed');
          const why = signal ? `killed by ${signal}` : `exit ${code}`;
          const message =
            tail
              .filter((l) => /marginlab:|rror|failed/.test(l))
              .slice(-2)
              .join(' ') || tail.slice(-2).join(' ');
          summary.failed.push({ id: t.id, label: t.label, message: `${why}${message ? `: ${message}` : ''}`, permanent: code === EXIT_PERMANENT });
        }
        const n = [...state.values()];
        log(
          `${t.label}: ${state.get(t.id)} — ${n.filter((s) => s === 'done').length}/${tasks.length} done, ${n.filter((s) => s === 'running').length} running, ${summary.failed.length} failed`,
        );
        resolveRun();
      });
    });

  const running = new Set<Promise<void>>();
  try {
    for (;;) {
      if (summary.interrupted || opts.signal?.aborted) {
        summary.interrupted = true;
        break;
      }
      const ready = pending().filter((t) => t.deps.every((d) => depState(d) === 'done'));
      while (ready.length && running.size < workers) {
        const p = runOne(ready.shift()!);
        running.add(p);
        void p.then(() => running.delete(p));
      }
      if (running.size === 0) break;
      await Promise.race(running);
    }
    await Promise.all(running);
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  for (const t of pending()) {
    const bad = t.deps.find((d) => depState(d) !== 'done');
    if (bad && !summary.interrupted)
      summary.blocked.push({ id: t.id, label: t.label, reason: `its dependency ${byId.get(bad)?.label ?? bad} is ${depState(bad)}` });
  }
  return summary;
}
