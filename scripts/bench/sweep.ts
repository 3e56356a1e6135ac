/**
 * `npm run bench:sweep`: what a sweep costs besides its trainings.
 * - sweep.plan: tasks/s of `planSweep` for a 10,000-agent-task study (100 cells = a timesteps axis of 100
 *   values × 100 seeds, plus their shared schedules and baselines), plan.json written (goal ≥ 10,000/s).
 * - sweep.merge: seconds of `mergeSweep` over 1,000 finished agent tasks (10 cells × 50 seeds × 2 agents)
 *   with their baselines and schedules (goal ≤ 5 s). The tasks are synthetic: one agent of each kind,
 *   the schedules and the baselines are really run (tiny trainings), then copied to the other seeds'
 *   task folders with their seed, so merge reads 1,000 real-shaped result files.
 * - sweep.runTaskOverhead: seconds a `sweep run-task` adds to a task's own work (process wall time minus
 *   done.json's workSeconds), over baseline tasks run as child processes: node start-up, loading the
 *   library, reading the plan, the lease, writing the result (goal ≤ 0.5 s). Reported beside it,
 *   sweep.runTaskOverheadInProcess: the same without the process start (runSweepTask called in-process).
 * BENCH_RUNS=N repeats each measurement N times (default 3); medians are the figures to quote.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mergeSweep, planSweep, readDone, runSweepTask, type SweepPlan, type SweepSpec } from '../../agents/sweep/index.ts';
import { emit, summarize } from './measure.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const runs = Number(process.env.BENCH_RUNS ?? 3);
const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1]!;
const quiet = () => {};
const TRADE = '2020-05-01:2020-12-31';

function range(n: number, from = 0): number[] {
  return Array.from({ length: n }, (_, i) => from + i);
}

// --- planning ---------------------------------------------------------------------------------------
{
  const spec: SweepSpec = {
    name: 'bench-plan',
    base: { seeds: range(100), agents: ['paper'], trade: TRADE, overlays: ['momentum'], backend: 'cpu' },
    axes: { timesteps: range(100, 1000) },
    cells: [],
  };
  const rates: number[] = [];
  let tasks = 0;
  for (let k = 0; k < runs; k++) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-sweep-plan-'));
    try {
      const t0 = performance.now();
      const plan = await planSweep(spec, dir, { backend: 'cpu' });
      const s = (performance.now() - t0) / 1000;
      tasks = plan.tasks.length;
      rates.push(tasks / s);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  emit(
    summarize('sweep.plan', 'tasks/s', rates, {
      what: `planSweep of ${tasks} tasks (100 cells × 100 seeds), plan.json written`,
      target: '>= 10000 tasks/s',
      meetsTarget: med(rates) >= 10_000,
    }),
  );
}

// --- merging ----------------------------------------------------------------------------------------
function fakeFinished(dir: string, plan: SweepPlan): number {
  // One real result per (agent kind): copy it to every other seed of every cell, with that seed.
  const byId = new Map(plan.tasks.map((t) => [t.id, t]));
  const real = new Map<string, { result: Record<string, unknown>; done: Record<string, unknown> }>();
  let copies = 0;
  for (const cell of plan.cells)
    for (const a of cell.agents) {
      const t = byId.get(a.task)!;
      const folder = join(dir, t.dir);
      if (readDone(dir, t)) {
        if (!real.has(a.agent))
          real.set(a.agent, {
            result: JSON.parse(readFileSync(join(folder, 'result.json'), 'utf8')),
            done: JSON.parse(readFileSync(join(folder, 'done.json'), 'utf8')),
          });
        continue;
      }
      const src = real.get(a.agent);
      if (!src) throw new Error(`bench:sweep: no finished ${a.agent} task to copy`);
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, 'result.json'), JSON.stringify({ ...src.result, seed: a.seed }) + '\n');
      writeFileSync(join(folder, 'done.json'), JSON.stringify({ ...src.done, id: t.id }) + '\n');
      copies++;
    }
  return copies;
}

{
  const spec: SweepSpec = {
    name: 'bench-merge',
    base: { seeds: range(50), agents: ['paper', 'conditioned'], trade: TRADE, overlays: ['momentum'], backend: 'cpu' },
    axes: { timesteps: range(10, 200) },
    cells: [],
  };
  // BENCH_SWEEP_DIR: keep (and reuse) the merge benchmark's folder, to profile merge alone.
  const keep = process.env.BENCH_SWEEP_DIR;
  const dir = keep ?? mkdtempSync(join(tmpdir(), 'bench-sweep-merge-'));
  try {
    const plan = await planSweep(spec, dir, { backend: 'cpu' });
    // Really run: the schedules, the baselines, and seed 0 of each agent kind in the first cell.
    const first = plan.cells[0]!;
    const realIds = new Set([first.schedules, ...plan.cells.map((c) => c.schedules), ...plan.cells.flatMap((c) => c.baselines.map((b) => b.task))]);
    for (const kind of ['paper', 'conditioned']) realIds.add(first.agents.find((a) => a.agent === kind && a.seed === 0)!.task);
    process.stderr.write(`bench:sweep: running ${realIds.size} real task(s) for the merge benchmark …\n`);
    for (const t of plan.tasks) if (realIds.has(t.id) && t.group === 0) await runSweepTask(dir, { id: t.id, log: quiet });
    for (const t of plan.tasks)
      if (realIds.has(t.id) && t.group === 1) {
        const r = await runSweepTask(dir, { id: t.id, log: quiet });
        if (r.status !== 'done') throw new Error(`bench:sweep: ${t.label}: ${r.status}`);
      }
    const agentTasks = plan.cells.reduce((s, c) => s + c.agents.length, 0);
    fakeFinished(dir, plan);
    const secs: number[] = [];
    for (let k = 0; k < runs; k++) {
      const t0 = performance.now();
      const s = mergeSweep(dir, { log: quiet });
      secs.push((performance.now() - t0) / 1000);
      if (s.missing) throw new Error(`bench:sweep: merge found ${s.missing} task(s) missing`);
    }
    emit(
      summarize('sweep.merge', 's', secs, {
        what: `mergeSweep of ${plan.tasks.length} finished tasks (${agentTasks} agent tasks: ${plan.cells.length} cells × 50 seeds × 2 agents)`,
        target: '<= 5 s',
        meetsTarget: med(secs) <= 5,
      }),
    );

    // --- run-task overhead (on this plan's baselines: cheap, real tasks) ---------------------------------
    const baselines = plan.tasks.filter((t) => t.kind === 'baseline').slice(0, Math.max(3, runs));
    const overhead: number[] = [];
    const inProcess: number[] = [];
    for (const t of baselines) {
      const folder = join(dir, t.dir);
      // Undo: run again from scratch (the work is the same; the overhead is what we measure).
      rmSync(join(folder, 'done.json'));
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'marginlab.js'), 'sweep', 'run-task', dir, '--id', t.id], { cwd: ROOT, encoding: 'utf8' });
      const wall = (performance.now() - t0) / 1000;
      if (r.status !== 0) throw new Error(`bench:sweep: run-task ${t.id} exited ${r.status}: ${r.stderr.slice(-500)}`);
      overhead.push(wall - readDone(dir, t)!.workSeconds);
      rmSync(join(folder, 'done.json'));
      const t1 = performance.now();
      await runSweepTask(dir, { id: t.id, log: quiet });
      inProcess.push((performance.now() - t1) / 1000 - readDone(dir, t)!.workSeconds);
    }
    emit(
      summarize('sweep.runTaskOverhead', 's', overhead, {
        what: 'wall time of a `sweep run-task` child process minus the work done.json records (baseline tasks)',
        target: '<= 0.5 s',
        meetsTarget: med(overhead) <= 0.5,
      }),
    );
    emit(
      summarize('sweep.runTaskOverheadInProcess', 's', inProcess, {
        what: 'runSweepTask called in-process, minus the work: plan read, lease, checks, result and done.json writes',
        target: '<= 0.5 s',
        meetsTarget: med(inProcess) <= 0.5,
      }),
    );
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}
