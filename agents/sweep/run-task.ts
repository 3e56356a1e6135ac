/**
 * `sweep run-task`: runs exactly one task of a plan, the unit any engine (Slurm job arrays, Kubernetes
 * indexed jobs, GNU parallel, the local executor) runs. Files in the task folder `DIR/tasks/<id>/`:
 *
 *   lease.lock    who runs it (host, pid, start), touched every `heartbeatMs`; taken over atomically when its
 *                 holder is gone (this host) or it went untouched for `leaseStaleMs` (any host)
 *   run.log       every attempt's progress lines, appended
 *   result.json   what merge reads (written before done.json)
 *   done.json     written last, atomically: the task is finished; later runs skip it
 *   error.json    the last failure (message, permanent or not, host, time); removed when it succeeds
 *   agent/        an agent task's training run folder, with the checkpoints a rerun resumes from
 *
 * Outcomes (and the exit codes the CLI gives them; see scripts/exit-codes.ts):
 *   done / skipped (0), held by another live worker or a dependency not done yet (75: try later),
 *   interrupted at a checkpoint by SIGTERM/Ctrl-C (143/130: a rerun resumes), permanent error, e.g. a bad
 *   config or input file (1: retrying does not help), other failure (70: may be retried).
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/atomic.ts';
import { stringifyKeepingNumbers } from '../../src/json-nonfinite.ts';
import { acquireLock, lockPathOf, LockedError, type Lock } from '../../src/lock.ts';
import { ParameterError } from '../../src/parameter-error.ts';
import { isDone, loadPlan, type PlanTask, type SweepPlan } from './plan.ts';
import { readTaskResult, runTaskWork, TaskInterrupted, type TaskResult } from './tasks.ts';
import { sweepCodeVersion } from './version.ts';

export type TaskOutcome =
  | { status: 'done'; task: PlanTask }
  | { status: 'skipped'; task: PlanTask }
  | { status: 'held'; task: PlanTask; message: string }
  | { status: 'waiting'; task: PlanTask; message: string }
  | { status: 'interrupted'; task: PlanTask; message: string }
  | { status: 'failed'; task: PlanTask; message: string; permanent: boolean };

export interface RunTaskOptions {
  /** The task's position in the plan (a job array's index, plus `offset`). */
  index?: number;
  /** Added to `index`: job arrays above the cluster's MaxArraySize are submitted in chunks. */
  offset?: number;
  id?: string;
  signal?: AbortSignal;
  /** Progress lines (also appended to the task's run.log). */
  log?: (line: string) => void;
  /** A lease untouched this long is stale on any host (default 10 minutes). */
  leaseStaleMs?: number;
  /** How often the lease is touched (default 30 s). */
  heartbeatMs?: number;
}

export interface DoneRecord {
  id: string;
  kind: string;
  codeVersion: string;
  backend: string;
  host: string;
  pid: number;
  started: string;
  finished: string;
  /** Seconds of the task's own work (not counting start-up, plan reading and the lease). */
  workSeconds: number;
}

/** The task a run-task call names: `id`, or `index` (+ `offset`), or the engine's array index from the environment. */
export function selectTask(plan: SweepPlan, opts: Pick<RunTaskOptions, 'index' | 'offset' | 'id'>, env: NodeJS.ProcessEnv = process.env): PlanTask {
  if (opts.id !== undefined) {
    const t = plan.tasks.find((x) => x.id === opts.id);
    if (!t) throw new ParameterError(['id'], (n) => `${n('id')} ${opts.id}: no such task in the plan (see "marginlab sweep status")`);
    return t;
  }
  let index = opts.index;
  let from = 'index';
  if (index === undefined) {
    const raw = env.SLURM_ARRAY_TASK_ID ?? env.JOB_COMPLETION_INDEX;
    from = env.SLURM_ARRAY_TASK_ID !== undefined ? 'SLURM_ARRAY_TASK_ID' : 'JOB_COMPLETION_INDEX';
    if (raw === undefined)
      throw new ParameterError(
        ['index'],
        (n) => `give ${n('index')} or ${n('id')} (outside a job array there is no SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX)`,
      );
    if (!/^\d+$/.test(raw)) throw new ParameterError(['index'], `${from}=${raw}: expected a whole number`);
    index = Number(raw);
  }
  const at = index + (opts.offset ?? 0);
  const t = plan.tasks[at];
  if (!t)
    throw new ParameterError(
      ['index'],
      (n) => `${n('index')} ${at} (${from}${opts.offset ? ` + offset ${opts.offset}` : ''}): the plan has tasks 0 … ${plan.tasks.length - 1}`,
    );
  return t;
}

/** A finished task's done.json (null if not finished). */
export function readDone(dir: string, t: Pick<PlanTask, 'dir'>): DoneRecord | null {
  const p = join(dir, t.dir, 'done.json');
  if (!existsSync(p)) return null;
  return JSON.parse(readFileSync(p, 'utf8')) as DoneRecord;
}

/** The results of a task's dependencies (each must be done). */
function depResults(dir: string, plan: SweepPlan, t: PlanTask): Map<string, TaskResult> | string {
  const out = new Map<string, TaskResult>();
  for (const id of t.deps) {
    const d = plan.tasks.find((x) => x.id === id);
    if (!d) return `its dependency ${id} is not in the plan`;
    if (!isDone(dir, d)) return `its dependency ${d.label} (${id}) is not done yet`;
    out.set(id, readTaskResult(join(dir, d.dir, 'result.json')));
  }
  return out;
}

function isPermanent(e: unknown): boolean {
  return e instanceof ParameterError || e instanceof SyntaxError;
}

/** Runs one task of the plan in `dir` (see the top of this file). */
export async function runSweepTask(dir: string, opts: RunTaskOptions = {}): Promise<TaskOutcome> {
  const plan = loadPlan(dir);
  const task = selectTask(plan, opts);
  const taskDir = join(dir, task.dir);
  mkdirSync(taskDir, { recursive: true });
  const logFile = join(taskDir, 'run.log');
  const log = (line: string) => {
    appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);
    opts.log?.(line);
  };
  if (isDone(dir, task)) {
    opts.log?.(`${task.id} (${task.label}) is done: skipped`);
    return { status: 'skipped', task };
  }
  const code = sweepCodeVersion();
  if (code !== plan.codeVersion) {
    const message = `this code (${code}) is not the code the sweep was planned with (${plan.codeVersion}): its results could not be merged with the others. Run the tasks with the planned code, or plan into a new folder`;
    log(message);
    writeError(taskDir, message, true);
    return { status: 'failed', task, message, permanent: true };
  }
  let lease: Lock;
  try {
    lease = acquireLock(join(taskDir, 'lease'), { what: 'task', staleAfterMs: opts.leaseStaleMs ?? 10 * 60_000 });
  } catch (e) {
    if (e instanceof LockedError) return { status: 'held', task, message: e.message };
    throw e;
  }
  const beat = setInterval(() => lease.heartbeat(), opts.heartbeatMs ?? 30_000);
  beat.unref();
  try {
    // A worker that finished it between our check and the lease.
    if (isDone(dir, task)) return { status: 'skipped', task };
    if (lease.replaced) {
      log(`took over the lease of pid ${lease.replaced.pid} on ${lease.replaced.host} (gone, or silent too long)`);
      // Only the lease holder writes the task: a lock its predecessor left on the training folder is stale.
      rmSync(lockPathOf(join(taskDir, 'agent')), { force: true });
    }
    const deps = depResults(dir, plan, task);
    if (typeof deps === 'string') return { status: 'waiting', task, message: `${task.label}: ${deps}` };
    const started = new Date();
    log(`${task.id}: ${task.label} (host ${hostname()}, pid ${process.pid})`);
    let result: TaskResult;
    try {
      result = await runTaskWork(task.config, { dir: taskDir, deps, log, signal: opts.signal });
    } catch (e) {
      if (e instanceof TaskInterrupted || (opts.signal?.aborted && !(e instanceof ParameterError))) {
        const message = e instanceof TaskInterrupted ? e.message : 'interrupted';
        log(`interrupted: ${message}`);
        return { status: 'interrupted', task, message };
      }
      const message = (e as Error).message;
      const permanent = isPermanent(e);
      log(`failed${permanent ? ' (permanent: retrying does not help)' : ''}: ${message}`);
      if ((e as Error).stack) appendFileSync(logFile, `${(e as Error).stack}\n`);
      writeError(taskDir, message, permanent);
      return { status: 'failed', task, message, permanent };
    }
    const finished = new Date();
    // Only agents load TensorFlow.js; the others record the planned backend.
    const backend = task.kind === 'agent' ? ((await import('../backend.ts')).currentBackend() ?? plan.backend) : plan.backend;
    writeFileAtomic(join(taskDir, 'result.json'), stringifyKeepingNumbers(result) + '\n');
    const done: DoneRecord = {
      id: task.id,
      kind: task.kind,
      codeVersion: code,
      backend,
      host: hostname(),
      pid: process.pid,
      started: started.toISOString(),
      finished: finished.toISOString(),
      workSeconds: (finished.getTime() - started.getTime()) / 1000,
    };
    writeFileAtomic(join(taskDir, 'done.json'), JSON.stringify(done, null, 2) + '\n');
    rmSync(join(taskDir, 'error.json'), { force: true });
    log(`done in ${done.workSeconds.toFixed(1)} s`);
    return { status: 'done', task };
  } finally {
    clearInterval(beat);
    lease.release();
  }
}

function writeError(taskDir: string, message: string, permanent: boolean): void {
  writeFileAtomic(
    join(taskDir, 'error.json'),
    JSON.stringify({ message, permanent, host: hostname(), pid: process.pid, time: new Date().toISOString() }, null, 2) + '\n',
  );
}
