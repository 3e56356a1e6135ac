/**
 * Helpers of the sweep integration tests (test/sweep/local.test.ts, test/sweep/slurm-cluster.test.ts): a
 * tiny study, the real CLI as a background process, polling with deadlines, and the checks that two sweep
 * folders hold the same results to the last bit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect } from 'vitest';
import { REPO, runCli } from './cli.ts';

/**
 * Training steps of each agent. The paper's agent is A2C (5 steps an update) checkpointing every 1000
 * updates (agents/a2c.ts), so 6000 steps = 1200 updates: a checkpoint at update 1000, then 200 more
 * updates (~2 s of training) and the evaluation before the task is done — the window a kill lands in.
 */
export const STEPS = 6000;
export const UPDATES = STEPS / 5;
export const CHECKPOINT_UPDATE = 1000;

/** The study: 2 seeds of the paper's agent, one overlay, a baseline (and mvo under the schedules, the default). */
export function tinySpec(name: string) {
  return {
    name,
    base: {
      seeds: [1, 2],
      timesteps: STEPS,
      trade: '2020-05-01:2020-12-31',
      overlays: ['momentum'],
      agents: ['paper'],
      baselines: ['equal-weight'],
      backend: 'cpu',
    },
  };
}

export interface PlanTaskLite {
  index: number;
  id: string;
  kind: 'schedules' | 'agent' | 'baseline';
  label: string;
  dir: string;
}

/** Writes the spec next to `dir` and plans it into `dir`. */
export function planInto(dir: string, name: string): PlanTaskLite[] {
  const spec = `${dir}.spec.json`;
  writeFileSync(spec, JSON.stringify(tinySpec(name)));
  const r = runCli(['sweep', 'plan', spec, '--out', dir], { timeoutMs: 60_000 });
  expect(r.code, `sweep plan: ${r.stderr}`).toBe(0);
  return planTasks(dir);
}

export function planTasks(dir: string): PlanTaskLite[] {
  return (JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as { tasks: PlanTaskLite[] }).tasks;
}

export const taskDir = (dir: string, id: string) => join(dir, 'tasks', id);
export const isDone = (dir: string, id: string) => existsSync(join(taskDir(dir, id), 'done.json'));
export const readLog = (dir: string, id: string) => {
  const p = join(taskDir(dir, id), 'run.log');
  return existsSync(p) ? readFileSync(p, 'utf8') : '';
};
/** The update an agent task's checkpoint was written at (null: none yet). */
export function checkpointUpdate(dir: string, id: string): number | null {
  const p = join(taskDir(dir, id), 'agent', 'checkpoint.json');
  if (!existsSync(p)) return null;
  return (JSON.parse(readFileSync(p, 'utf8')) as { updateIndex: number }).updateIndex;
}

/** A `marginlab` CLI process in the background, with its output so far and its exit. */
export interface BgCli {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves with the exit code, or the signal that killed it. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const live = new Set<ChildProcess>();

export function startCli(args: string[], opts: { env?: Record<string, string> } = {}): BgCli {
  const child = spawn(process.execPath, [join(REPO, 'bin', 'marginlab.js'), ...args], {
    cwd: REPO,
    env: { ...process.env, FORCE_COLOR: '0', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    }),
  );
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exit,
  };
}

/** Waits for `p` (a process's exit) at most `ms`, else fails saying what did not happen. */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000} s: ${what}`)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Polls `check` every `everyMs` until it returns a value other than undefined/false, and returns it; fails
 * after `timeoutMs` with `what` and, when given, `explain()` (the state it was stuck in).
 */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | null,
  opts: { timeoutMs: number; everyMs?: number; explain?: () => string },
): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false && v !== null) return v;
    if (Date.now() - t0 > opts.timeoutMs)
      throw new Error(`timed out after ${opts.timeoutMs / 1000} s waiting for ${what}${opts.explain ? `\n${opts.explain()}` : ''}`);
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 50));
  }
}

/** Stops every background CLI still running (a test that failed halfway): SIGTERM, then SIGKILL. */
export async function stopAll(): Promise<void> {
  const procs = [...live];
  for (const c of procs) c.kill('SIGTERM');
  await Promise.all(
    procs.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          const t = setTimeout(() => {
            c.kill('SIGKILL');
            resolve();
          }, 15_000);
          c.on('close', () => {
            clearTimeout(t);
            resolve();
          });
        }),
    ),
  );
}

/** Every file under `root` (relative path → sha256 and mtime), to tell that a process wrote nothing. */
export function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(root, p)] = `${createHash('sha256').update(readFileSync(p)).digest('hex')} ${statSync(p).mtimeMs}`;
    }
  };
  walk(root);
  return out;
}

/** The daily episode CSVs of every task (tasks/<id>/episodes/*.csv), relative path → content. */
export function episodeFiles(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const tasks = join(dir, 'tasks');
  for (const id of readdirSync(tasks)) {
    const ep = join(tasks, id, 'episodes');
    if (!existsSync(ep)) continue;
    for (const f of readdirSync(ep)) out.set(`${id}/episodes/${f}`, readFileSync(join(ep, f)));
  }
  return out;
}

/** A cell's merged results.json without what names the folder it was written to. */
export function mergedResults(dir: string, cell = 'main'): { json: Record<string, unknown>; text: string } {
  const out = join(dir, 'merged', cell);
  const text = readFileSync(join(out, 'results.json'), 'utf8');
  const json = JSON.parse(text) as { config: Record<string, unknown> } & Record<string, unknown>;
  expect(json.config.out).toBe(out);
  delete json.config.out;
  // The same file with the folder's own path taken out: what is left must be the same text, byte for byte.
  return { json, text: text.split(JSON.stringify(out)).join('"<out>"') };
}

/**
 * Two sweep folders of the same plan hold the same results: every cell's merged results.json (perSeed,
 * arms, stats, paired: the same numbers, to the last bit) and every task's daily episode CSVs.
 */
export function expectSameResults(dir: string, ref: string): void {
  const a = mergedResults(dir);
  const b = mergedResults(ref);
  for (const k of ['perSeed', 'arms', 'stats', 'paired']) {
    expect(a.json[k], k).toBeDefined();
    expect(a.json[k], `merged results.json: ${k}`).toStrictEqual(b.json[k]);
  }
  expect(a.json).toStrictEqual(b.json);
  expect(a.text).toBe(b.text);
  const ea = episodeFiles(dir);
  const eb = episodeFiles(ref);
  expect([...ea.keys()].sort()).toEqual([...eb.keys()].sort());
  expect(ea.size).toBeGreaterThanOrEqual(2 * 3 + 3); // 2 seeds × 3 agent arms, equal-weight, mvo under 2 schedules
  for (const [f, bytes] of ea) expect(bytes.equals(eb.get(f)!), `${f} differs`).toBe(true);
}

/** Each task of the plan is done, and its run.log says it finished exactly once. */
export function expectEachDoneOnce(dir: string): void {
  for (const t of planTasks(dir)) {
    expect(isDone(dir, t.id), `${t.label} (${t.id}) has no done.json`).toBe(true);
    const dones = readLog(dir, t.id).match(/ done in [\d.]+ s$/gm) ?? [];
    expect(dones.length, `${t.label} (${t.id}) finished ${dones.length} times:\n${readLog(dir, t.id)}`).toBe(1);
  }
}
