/**
 * `sweep status`: where every task of a plan stands, read from its files (so it works from any host that
 * sees the shared folder, whatever engine runs the tasks):
 *
 *   done       done.json exists
 *   running    a lease touched recently (heartbeats every 30 s) whose holder, on this host, is alive
 *   failed     error.json and no live lease (its run.log and error stay in the task folder)
 *   stalled    a lease left behind: its holder is gone or silent (the next run takes it over)
 *   pending    none of these
 *
 * The scheduler's view (squeue/sacct) is added by slurm.ts where those commands exist.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { processState } from '../../src/lock.ts';
import { loadPlan, type PlanTask, type SweepPlan } from './plan.ts';

export type TaskState = 'done' | 'running' | 'failed' | 'stalled' | 'pending';

export interface TaskStatus {
  index: number;
  id: string;
  kind: PlanTask['kind'];
  label: string;
  state: TaskState;
  /** The lease holder (running, stalled), or the failure (failed). */
  detail: string | null;
  /** A failure that retrying does not fix (a bad config). */
  permanent?: boolean;
}

export interface SweepStatus {
  plan: SweepPlan;
  tasks: TaskStatus[];
  counts: Record<TaskState, number>;
}

/** The state of one task (see the top of this file); `leaseStaleMs` as run-task's. */
export function taskState(dir: string, t: PlanTask, leaseStaleMs = 10 * 60_000): TaskStatus {
  const base = { index: t.index, id: t.id, kind: t.kind, label: t.label };
  const folder = join(dir, t.dir);
  if (existsSync(join(folder, 'done.json'))) return { ...base, state: 'done', detail: null };
  const leasePath = join(folder, 'lease.lock');
  if (existsSync(leasePath)) {
    try {
      const info = JSON.parse(readFileSync(leasePath, 'utf8')) as { host: string; pid: number; started: string };
      const fresh = Date.now() - statSync(leasePath).mtimeMs <= leaseStaleMs;
      // As run-task decides: a lease untouched for leaseStaleMs is stale even if its process lives (hung).
      const live = fresh && (info.host !== hostname() || processState(info.pid) === 'alive');
      const who = `pid ${info.pid} on ${info.host} since ${info.started}`;
      if (live) return { ...base, state: 'running', detail: who };
      if (!existsSync(join(folder, 'error.json'))) return { ...base, state: 'stalled', detail: `${who} (gone or silent)` };
    } catch {
      // Being written or removed right now: read the other files.
    }
  }
  const errPath = join(folder, 'error.json');
  if (existsSync(errPath)) {
    try {
      const e = JSON.parse(readFileSync(errPath, 'utf8')) as { message: string; permanent: boolean };
      return { ...base, state: 'failed', detail: e.message, permanent: e.permanent };
    } catch {
      return { ...base, state: 'failed', detail: `${errPath} cannot be read` };
    }
  }
  return { ...base, state: 'pending', detail: null };
}

/** Every task's state, and the counts. */
export function sweepStatus(dir: string, opts: { leaseStaleMs?: number } = {}): SweepStatus {
  const plan = loadPlan(dir);
  const tasks = plan.tasks.map((t) => taskState(dir, t, opts.leaseStaleMs));
  const counts: Record<TaskState, number> = { done: 0, running: 0, failed: 0, stalled: 0, pending: 0 };
  for (const t of tasks) counts[t.state]++;
  return { plan, tasks, counts };
}
