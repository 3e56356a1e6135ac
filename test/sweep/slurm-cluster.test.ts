/**
 * The sweep's Slurm executor on a real (single-node) Slurm cluster, scripts/slurm-dev.sh: the plan is
 * submitted as job arrays; one agent element is cancelled while it trains (scancel sends SIGTERM, as a
 * preemption or a time limit does: the task checkpoints and stops); a rerun of `sweep run` submits only
 * that task, which resumes; the merged results are the local executor's to the last bit.
 *
 * Starting the cluster needs root (and slurm-wlm/munge, which the script installs with apt-get): where it
 * cannot start, the tests are skipped with the reason. A cluster this file started is stopped at the end;
 * one that was already up is left up. Every job the tests submitted is cancelled at the end.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCli } from '../helpers/cli.ts';
import {
  CHECKPOINT_UPDATE,
  checkpointUpdate,
  expectEachDoneOnce,
  expectSameResults,
  isDone,
  planInto,
  readLog,
  taskDir,
  UPDATES,
  waitFor,
  type PlanTaskLite,
} from '../helpers/sweep.ts';

const SLURM_DEV = join(REPO, 'scripts', 'slurm-dev.sh');
const root = mkdtempSync(join(tmpdir(), 'sweep-slurm-'));
const REF = join(root, 'ref');
const SL = join(root, 'slurm');
let skipReason: string | null = null;
let startedHere = false;

interface JobRecord {
  jobId: string;
  group: 0 | 1 | 'merge';
  offset: number;
  indices: number[];
}
const jobsOf = (dir: string): JobRecord[] => {
  const f = join(dir, 'slurm', 'jobs.jsonl');
  if (!existsSync(f)) return [];
  return readFileSync(f, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as JobRecord);
};

/** Every element in the queue: array job id (or the job's id), element (null outside arrays), state. */
function queue(): { job: string; element: number | null; state: string }[] {
  const r = spawnSync('squeue', ['-h', '-r', '-o', '%F %K %T'], { encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) throw new Error(`squeue failed (exit ${r.status ?? r.signal}): ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const [job, el, state] = l.trim().split(/\s+/);
      return { job: job!, element: /^\d+$/.test(el ?? '') ? Number(el) : null, state: state! };
    });
}
/** The queue's entries of the jobs `dir` submitted. */
const ours = (dir: string) => {
  const ids = new Set(jobsOf(dir).map((j) => j.jobId));
  return queue().filter((q) => ids.has(q.job));
};
const queueText = () => spawnSync('squeue', ['-r', '-o', '%i %j %T %r'], { encoding: 'utf8' }).stdout;
/** Waits until no job that `dir` submitted is in the queue (the merge job included). */
const drain = (dir: string, timeoutMs: number) =>
  waitFor(`the jobs of ${dir} to leave the queue`, () => ours(dir).length === 0, { timeoutMs, everyMs: 500, explain: () => `squeue:\n${queueText()}` });

beforeAll(() => {
  const up = spawnSync('bash', [SLURM_DEV, 'status'], { encoding: 'utf8', timeout: 30_000 });
  if (up.status !== 0) {
    const r = spawnSync('bash', [SLURM_DEV, 'start'], { encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) {
      const why = (r.stderr || r.stdout || '').trim().split('\n').slice(-3).join(' / ') || (r.error ? String(r.error) : `exit ${r.status ?? r.signal}`);
      skipReason = `no local Slurm cluster: "bash scripts/slurm-dev.sh start" failed (${why})`;
      console.warn(`skipping the Slurm cluster tests: ${skipReason}`);
      return;
    }
    startedHere = true;
  }
  if (spawnSync('sh', ['-c', 'command -v sbatch && command -v squeue && command -v scancel'], { stdio: 'ignore' }).status !== 0) {
    skipReason = 'the cluster is up but sbatch/squeue/scancel are not on PATH';
    console.warn(`skipping the Slurm cluster tests: ${skipReason}`);
  }
}, 150_000);

afterAll(async () => {
  const ids = [...new Set([REF, SL].flatMap((d) => jobsOf(d).map((j) => j.jobId)))];
  if (ids.length) {
    spawnSync('scancel', ids, { stdio: 'ignore', timeout: 30_000 });
    // Cancelled elements get SIGTERM, then SIGKILL after KillWait: let them go before stopping anything.
    await waitFor('the cancelled jobs to leave the queue', () => ours(SL).length === 0, { timeoutMs: 60_000, everyMs: 500 }).catch((e: Error) =>
      console.warn(e.message),
    );
  }
  if (startedHere) spawnSync('bash', [SLURM_DEV, 'stop'], { stdio: 'ignore', timeout: 60_000 });
}, 150_000);

describe('sweep run --executor slurm (a real single-node cluster)', () => {
  let refTasks: PlanTaskLite[];

  it('the reference: the same plan through the local executor', (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    refTasks = planInto(REF, 't');
    const run = runCli(['sweep', 'run', REF, '--workers', '2'], { timeoutMs: 150_000 });
    expect(run.code, run.stderr).toBe(0);
    const merge = runCli(['sweep', 'merge', REF], { timeoutMs: 60_000 });
    expect(merge.code, merge.stderr).toBe(0);
  }, 150_000);

  it('an element cancelled mid-training stops at a checkpoint; a rerun submits only it; the merge equals the local one', async (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    expect(refTasks, 'the reference run failed').toBeDefined();
    // A plan name of its own: the job names (marginlab-NAME-g1, …) tell this run's jobs from any other's.
    const name = `sweeptest-${process.pid}-${Date.now().toString(36)}`;
    const tasks = planInto(SL, name);
    expect(tasks.map((t) => t.id)).toEqual(refTasks.map((t) => t.id));
    const agents = tasks.filter((t) => t.kind === 'agent');

    const sub = runCli(['sweep', 'run', SL, '--executor', 'slurm'], { timeoutMs: 120_000 });
    expect(sub.code, sub.stderr).toBe(0);
    expect(sub.stdout).toMatch(/^3 job\(s\) submitted; 0 task\(s\) done or running were left out$/m);
    const jobs = jobsOf(SL);
    expect(jobs.map((j) => [j.group, j.indices])).toEqual([
      [0, [0]],
      [1, [1, 2, 3, 4]],
      ['merge', []],
    ]);
    const g1 = jobs[1]!.jobId;

    // An agent element that is RUNNING and whose training wrote its first checkpoint (update 1000 of 1200).
    const victim = await waitFor(
      'an agent array element RUNNING with a checkpoint and no done.json',
      () => {
        const running = new Set(
          queue()
            .filter((q) => q.job === g1 && q.state === 'RUNNING')
            .map((q) => q.element),
        );
        return agents.find((t) => running.has(t.index) && existsSync(join(taskDir(SL, t.id), 'agent', 'checkpoint.json')) && !isDone(SL, t.id));
      },
      { timeoutMs: 180_000, everyMs: 100, explain: () => `squeue:\n${queueText()}` },
    );
    const element = `${g1}_${victim.index}`;
    const cancel = spawnSync('scancel', [element], { encoding: 'utf8', timeout: 30_000 });
    expect(cancel.status, cancel.stderr).toBe(0);
    await drain(SL, 240_000);

    expect(isDone(SL, victim.id), `${victim.label} finished before the cancel reached it (scancel came too late)`).toBe(false);
    const at = checkpointUpdate(SL, victim.id);
    expect(at, 'a checkpoint at or after the first periodic one, before the end of training').toBeGreaterThanOrEqual(CHECKPOINT_UPDATE);
    expect(at!).toBeLessThan(UPDATES);
    expect(readFileSync(join(SL, 'slurm', 'logs', `${element}.out`), 'utf8')).toMatch(/SIGTERM: stopping at the next checkpoint/);
    expect(readLog(SL, victim.id)).toMatch(/interrupted: training of the paper agent, seed \d, stopped at a checkpoint/);
    for (const t of tasks) expect(isDone(SL, t.id), t.label).toBe(t.id !== victim.id);
    const status = runCli(['sweep', 'status', SL, '--json'], { timeoutMs: 60_000 });
    expect(status.code, status.stderr).toBe(0);
    const st = (JSON.parse(status.stdout) as { tasks: { id: string; state: string }[] }).tasks.find((t) => t.id === victim.id)!;
    expect(['pending', 'failed', 'stalled']).toContain(st.state);

    // The rerun submits the one missing task (and a merge after it), nothing else.
    const resub = runCli(['sweep', 'run', SL, '--executor', 'slurm'], { timeoutMs: 120_000 });
    expect(resub.code, resub.stderr).toBe(0);
    expect(resub.stdout).toMatch(/^\d+\tgroup 1\t1 task\(s\)\t/m);
    expect(resub.stdout).toMatch(/^\d+\tmerge\t0 task\(s\)\t/m);
    expect(resub.stdout).toMatch(/^2 job\(s\) submitted; 4 task\(s\) done or running were left out$/m);
    expect(
      jobsOf(SL)
        .slice(3)
        .map((j) => [j.group, j.indices]),
    ).toEqual([
      [1, [victim.index]],
      ['merge', []],
    ]);
    await drain(SL, 180_000);

    expect(readLog(SL, victim.id)).toMatch(/resuming the paper agent/);
    expect(checkpointUpdate(SL, victim.id)).toBe(UPDATES);
    const merge = runCli(['sweep', 'merge', SL], { timeoutMs: 60_000 });
    expect(merge.code, merge.stderr).toBe(0);
    expectEachDoneOnce(SL);
    expectSameResults(SL, REF);
  }, 480_000);
});
