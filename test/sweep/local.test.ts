/**
 * The sweep's local executor and run-task through the real CLI: a reference run; a run whose agent task
 * is killed outright (kill -9) after its first checkpoint, resumed by a rerun to the very same results; a
 * run-task stopped by SIGTERM at a checkpoint (exit 143), resumed, then skipped; and a second run-task on a
 * task another one holds (exit 75, nothing written).
 */
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sweepStatus } from '../../agents/sweep/status.ts';
import { EXIT } from '../../scripts/exit-codes.ts';
import { runCli } from '../helpers/cli.ts';
import {
  CHECKPOINT_UPDATE,
  checkpointUpdate,
  expectEachDoneOnce,
  expectSameResults,
  isDone,
  planInto,
  readLog,
  snapshot,
  startCli,
  stopAll,
  taskDir,
  UPDATES,
  waitFor,
  within,
  type PlanTaskLite,
} from '../helpers/sweep.ts';

const root = mkdtempSync(join(tmpdir(), 'sweep-local-'));
const REF = join(root, 'ref');
let refTasks: PlanTaskLite[];

/** A task's state as `sweep status` reports it (read in process: the CLI would only add its start-up time). */
const stateOf = (dir: string, id: string) => sweepStatus(dir).tasks.find((t) => t.id === id)?.state;

afterEach(stopAll);
afterAll(stopAll);

describe('sweep run --executor local (the real CLI)', () => {
  beforeAll(() => {
    refTasks = planInto(REF, 't');
    expect(refTasks.map((t) => t.kind)).toEqual(['schedules', 'agent', 'agent', 'baseline', 'baseline']);
  });

  it('runs every task once and merges (the reference)', async () => {
    const run = runCli(['sweep', 'run', REF, '--workers', '2'], { timeoutMs: 150_000 });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^5 task\(s\) run, 0 already done, 0 failed, 0 blocked, 0 held elsewhere, of 5$/m);
    const merge = runCli(['sweep', 'merge', REF], { timeoutMs: 60_000 });
    expect(merge.code, merge.stderr).toBe(0);
    expect(merge.stdout).toMatch(/main: 2 of 2 seed\(s\)/);
    expectEachDoneOnce(REF);
    for (const t of refTasks.filter((x) => x.kind === 'agent')) expect(checkpointUpdate(REF, t.id)).toBe(UPDATES);
  }, 150_000);

  it('kill -9 of a task after its checkpoint: the run reports it, a rerun takes the lease over, resumes, and gives the same results', async () => {
    const dir = join(root, 'killed');
    const tasks = planInto(dir, 't');
    expect(tasks.map((t) => t.id)).toEqual(refTasks.map((t) => t.id));
    const agents = tasks.filter((t) => t.kind === 'agent');
    const run = startCli(['sweep', 'run', dir, '--workers', '2']);
    // An agent task whose training wrote its checkpoint (update 1000 of 1200) and is not done.
    const victim = await waitFor(
      'an agent task with a checkpoint and no done.json',
      () => agents.find((t) => existsSync(join(taskDir(dir, t.id), 'agent', 'checkpoint.json')) && !isDone(dir, t.id)),
      { timeoutMs: 120_000, explain: () => `sweep run's stderr so far:\n${run.stderr.slice(-3000)}` },
    );
    const lease = JSON.parse(readFileSync(join(taskDir(dir, victim.id), 'lease.lock'), 'utf8')) as { host: string; pid: number };
    process.kill(lease.pid, 'SIGKILL');
    const { code } = await within(run.exit, 120_000, 'sweep run to finish the other tasks after the kill');
    const at = checkpointUpdate(dir, victim.id);
    expect(isDone(dir, victim.id), `${victim.label} finished before the kill reached it (the kill came too late)`).toBe(false);
    expect(at, 'the kill must land after the first periodic checkpoint and before the end of training').toBe(CHECKPOINT_UPDATE);
    // The run went on with the rest and says what failed.
    expect(code, run.stderr).toBe(EXIT.partial);
    expect(run.stdout).toMatch(/^4 task\(s\) run, 0 already done, 1 failed, 0 blocked, 0 held elsewhere, of 5$/m);
    expect(run.stdout).toContain(`failed: ${victim.label} (${victim.id}): killed by SIGKILL`);
    for (const t of tasks) expect(isDone(dir, t.id), t.label).toBe(t.id !== victim.id);
    // Its lease is left behind by a dead process: stalled until someone takes it over.
    expect(stateOf(dir, victim.id)).toBe('stalled');

    const rerun = runCli(['sweep', 'run', dir, '--workers', '2'], { timeoutMs: 120_000 });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stdout).toMatch(/^1 task\(s\) run, 4 already done, 0 failed, 0 blocked, 0 held elsewhere, of 5$/m);
    const log = readLog(dir, victim.id);
    expect(log).toContain(`took over the lease of pid ${lease.pid} on ${lease.host}`);
    expect(log).toMatch(/resuming the paper agent/);
    expect(checkpointUpdate(dir, victim.id)).toBe(UPDATES);
    // The training log has every update once: the lines the killed process wrote past its checkpoint were cut.
    const updates = readFileSync(join(taskDir(dir, victim.id), 'agent', 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { update: number }).update);
    expect(updates).toEqual(Array.from({ length: UPDATES }, (_, i) => i + 1));
    const merge = runCli(['sweep', 'merge', dir], { timeoutMs: 60_000 });
    expect(merge.code, merge.stderr).toBe(0);
    expectEachDoneOnce(dir);
    expectSameResults(dir, REF);
  }, 240_000);

  it('run-task: a second worker on a held task exits 75 and writes nothing; SIGTERM stops at a checkpoint (143), a rerun finishes it, a third skips it', async () => {
    const dir = join(root, 'sigterm');
    const tasks = planInto(dir, 't');
    const sched = tasks.find((t) => t.kind === 'schedules')!;
    const agent = tasks.find((t) => t.kind === 'agent')!;
    const s = runCli(['sweep', 'run-task', dir, '--index', String(sched.index)], { timeoutMs: 60_000 });
    expect(s.code, s.stderr).toBe(0);
    expect(JSON.parse(s.stdout)).toEqual({ id: sched.id, index: sched.index, status: 'done' });

    const first = startCli(['sweep', 'run-task', dir, '--id', agent.id]);
    const metrics = join(taskDir(dir, agent.id), 'agent', 'metrics.jsonl');
    const lines = () => (existsSync(metrics) ? readFileSync(metrics, 'utf8').split('\n').length - 1 : 0);
    await waitFor('training to be under way (50 updates)', () => lines() >= 50, {
      timeoutMs: 90_000,
      explain: () => `run-task's stderr so far:\n${first.stderr.slice(-3000)}`,
    });

    // Held: the first worker is paused (SIGSTOP) so that the folder is still; a second one must leave it alone.
    first.child.kill('SIGSTOP');
    try {
      const before = snapshot(taskDir(dir, agent.id));
      const second = runCli(['sweep', 'run-task', dir, '--id', agent.id], { timeoutMs: 60_000 });
      expect(second.code, second.stderr).toBe(EXIT.locked);
      expect(second.stdout).toBe('');
      expect(second.stderr).toMatch(/: held: /);
      expect(second.stderr).toContain(`pid ${first.child.pid}`);
      expect(snapshot(taskDir(dir, agent.id))).toEqual(before);
      expect(stateOf(dir, agent.id)).toBe('running');
    } finally {
      first.child.kill('SIGCONT');
    }

    // SIGTERM mid-training: a checkpoint at the current update, exit 143, not done, no error, lease released.
    const n = lines();
    await waitFor('training to go on after SIGCONT', () => lines() > n + 20, { timeoutMs: 60_000 });
    first.child.kill('SIGTERM');
    const { code } = await within(first.exit, 60_000, 'run-task to stop after SIGTERM');
    expect(code, first.stderr).toBe(EXIT.sigterm);
    expect(first.stderr).toMatch(/SIGTERM: stopping at the next checkpoint/);
    const at = checkpointUpdate(dir, agent.id);
    expect(at).not.toBeNull();
    expect(at!).toBeGreaterThan(n);
    expect(at!).toBeLessThan(UPDATES);
    expect(isDone(dir, agent.id)).toBe(false);
    for (const f of ['error.json', 'result.json', 'lease.lock']) expect(existsSync(join(taskDir(dir, agent.id), f)), f).toBe(false);
    expect(readLog(dir, agent.id)).toMatch(/interrupted: training of the paper agent, seed 1, stopped at a checkpoint/);
    expect(stateOf(dir, agent.id)).toBe('pending');

    const again = runCli(['sweep', 'run-task', dir, '--id', agent.id], { timeoutMs: 120_000 });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ id: agent.id, index: agent.index, status: 'done' });
    expect(readLog(dir, agent.id)).toMatch(/resuming the paper agent/);
    const third = runCli(['sweep', 'run-task', dir, '--id', agent.id], { timeoutMs: 60_000 });
    expect(third.code, third.stderr).toBe(0);
    expect(JSON.parse(third.stdout)).toEqual({ id: agent.id, index: agent.index, status: 'skipped' });
    // Resumed from a checkpoint written at an arbitrary update, the agent is the reference's to the last bit.
    expect(readFileSync(join(taskDir(dir, agent.id), 'result.json'), 'utf8')).toBe(readFileSync(join(taskDir(REF, agent.id), 'result.json'), 'utf8'));
  }, 200_000);
});
