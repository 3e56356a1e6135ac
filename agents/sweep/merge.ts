/**
 * `sweep merge`: every finished task of a plan, aggregated into the comparison's own tables, paired
 * statistics and report (agents/compare/report.ts) — one report per cell, `DIR/merged/<cell>/` (compare:
 * its run folder) — and a summary of the whole study (`DIR/summary.md`, `DIR/summary.json`) with counts
 * of what is missing.
 *
 * A seed enters a cell's report when every agent of the cell is done for it (the statistics are paired by
 * seed); a baseline when its task is done. Results made by other code or on another backend than the plan's
 * are refused: a study is one code version on one backend.
 */
import { cpSync, existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { writeFileAtomic } from '../../src/atomic.ts';
import { ParameterError } from '../../src/parameter-error.ts';
import { perfStats } from '../../src/metrics/perf.ts';
import { nonFiniteReplacer } from '../../src/json-nonfinite.ts';
import type { CompareConfig } from '../compare/config.ts';
import { writeCompareReport, type Arm, type CompareResult } from '../compare/report.ts';
import { loadPlan, type PlanCell, type PlanTask, type SweepPlan } from './plan.ts';
import { readDone } from './run-task.ts';
import { readTaskResult, type AgentResult, type BaselineResult, type SchedulesResult, type TaskResult } from './tasks.ts';

export interface MergeOptions {
  /** Where a cell's report goes (default `DIR/merged/<cell>`). */
  outFor?: (cell: PlanCell) => string;
  /** The config a cell's report records (default: the cell's, with its complete seeds and its out folder). */
  configFor?: (cell: PlanCell, seeds: number[], out: string) => CompareConfig;
  /** Copy the tasks' forecasts, schedules, daily accounts, weights and decisions into each report folder (compare does). */
  collect?: boolean;
  /** Only these cells. */
  cells?: string[];
  log?: (line: string) => void;
}

export interface CellMerge {
  cell: string;
  out: string | null;
  /** Seeds with every agent done, of the cell's seeds. */
  seeds: { complete: number[]; planned: number[] };
  missing: { id: string; label: string }[];
  result: CompareResult | null;
}

export interface MergeSummary {
  cells: CellMerge[];
  /** Tasks of the merged cells that are not done. */
  missing: number;
  tasks: number;
}

/** Checks that every finished task was made by the plan's code on the plan's backend. */
function checkVersions(dir: string, plan: SweepPlan, tasks: PlanTask[]): void {
  const mixed: string[] = [];
  for (const t of tasks) {
    const d = readDone(dir, t);
    if (!d) continue;
    if (d.codeVersion !== plan.codeVersion) mixed.push(`${t.id} was made by code ${d.codeVersion}`);
    else if (t.kind === 'agent' && d.backend !== plan.backend) mixed.push(`${t.id} ran on backend ${d.backend}`);
  }
  if (mixed.length)
    throw new ParameterError(
      ['dir'],
      `${dir}: the sweep was planned with code ${plan.codeVersion} on backend ${plan.backend}, but ${mixed.slice(0, 3).join('; ')}${mixed.length > 3 ? ` (and ${mixed.length - 3} more)` : ''}: results of different code or backends are not one study. Delete those task folders and rerun them, or plan into a new folder`,
    );
}

/** Merges the finished tasks of the plan in `dir` (see the top of this file). */
export function mergeSweep(dir: string, opts: MergeOptions = {}): MergeSummary {
  const plan = loadPlan(dir);
  const log = opts.log ?? ((l: string) => void process.stderr.write(`[sweep] ${l}\n`));
  const byId = new Map(plan.tasks.map((t) => [t.id, t]));
  const cells = plan.cells.filter((c) => !opts.cells || opts.cells.includes(c.name));
  if (opts.cells)
    for (const c of opts.cells) if (!plan.cells.some((x) => x.name === c)) throw new ParameterError(['cells'], `no cell named "${c}" in the plan`);
  const relevant = new Set<string>();
  for (const c of cells) for (const id of [c.schedules, ...c.agents.map((a) => a.task), ...c.baselines.map((b) => b.task)]) relevant.add(id);
  const tasks = [...relevant].map((id) => byId.get(id)!);
  checkVersions(dir, plan, tasks);
  const results = new Map<string, TaskResult>();
  const result = (id: string): TaskResult | null => {
    const t = byId.get(id)!;
    if (!readDone(dir, t)) return null;
    let r = results.get(id);
    if (!r) {
      r = readTaskResult(join(dir, t.dir, 'result.json'));
      results.set(id, r);
    }
    return r;
  };
  const merged: CellMerge[] = [];
  for (const cell of cells) {
    const ids = [cell.schedules, ...cell.agents.map((a) => a.task), ...cell.baselines.map((b) => b.task)];
    const missing = ids.filter((id) => !readDone(dir, byId.get(id)!)).map((id) => ({ id, label: byId.get(id)!.label }));
    const planned = [...new Set(cell.agents.map((a) => a.seed))];
    const kinds = [...new Set(cell.agents.map((a) => a.agent))];
    const complete = planned.filter((s) => cell.agents.filter((a) => a.seed === s).every((a) => result(a.task) !== null));
    const sched = result(cell.schedules) as SchedulesResult | null;
    if (!sched || complete.length === 0) {
      log(`${cell.name}: nothing to merge yet (${missing.length} of ${ids.length} task(s) not done)`);
      merged.push({ cell: cell.name, out: null, seeds: { complete, planned }, missing, result: null });
      continue;
    }
    const out = opts.outFor?.(cell) ?? join(dir, 'merged', cell.name);
    mkdirSync(out, { recursive: true });
    const cfg = opts.configFor?.(cell, complete, out) ?? ({ ...cell.config, seeds: complete, out } as CompareConfig);
    const agentResults = kinds.map((k) => ({
      kind: k,
      describe: (byId.get(cell.agents.find((a) => a.agent === k)!.task)!.config as { describe: string }).describe,
      bySeed: complete.map((s) => result(cell.agents.find((a) => a.agent === k && a.seed === s)!.task) as AgentResult),
    }));
    const first = agentResults[0].bySeed[0];
    for (const a of agentResults)
      for (const r of a.bySeed)
        if (r.universe !== first.universe || (r.tickers ?? []).join() !== (first.tickers ?? []).join())
          throw new ParameterError([], `${cell.name}: the agents trade different universes or tickers (${first.universe} and ${r.universe})`);
    const warnings = [...sched.warnings];
    if (first.riskNote) warnings.push(first.riskNote);
    const arms: Arm[] = [];
    const perSeed: CompareResult['perSeed'] = {};
    const equityBySeed: Record<string, number[][]> = {};
    for (const a of agentResults)
      for (const sc of sched.arms)
        arms.push({ ...sc, name: `${a.kind}/${sc.name}`, origin: `${a.describe}; ${sc.origin}`, kind: 'agent', agent: a.kind, scheduleName: sc.name });
    for (const a of agentResults)
      for (const r of a.bySeed) {
        for (const arm of r.arms) {
          const name = `${a.kind}/${arm.schedule}`;
          (perSeed[name] ??= {})[r.seed] = arm.stats;
          (equityBySeed[name] ??= []).push(arm.equity);
        }
        warnings.push(...r.warnings);
      }
    // The index is one path, the same beside every seed.
    perSeed['DJIA'] = Object.fromEntries(complete.map((s) => [s, perfStats(first.bench.values) as never]));
    const notes: string[] = [];
    const baselineResults = cell.baselines.map((b) => result(b.task) as BaselineResult | null);
    // The comparison's order: every baseline alone, then each strategy under the control and the overlays.
    const plainArms = baselineResults.flatMap((r) => r?.arms.filter((x) => !x.arm.name.includes('+')) ?? []);
    const scheduleArms = cfg.baselineOverlays.flatMap(
      (b) => baselineResults.find((r) => r?.strategy === b)?.arms.filter((x) => x.arm.name.includes('+')) ?? [],
    );
    for (const x of [...plainArms, ...scheduleArms]) {
      arms.push(x.arm);
      perSeed[x.arm.name] = Object.fromEntries(complete.map((s) => [s, x.stats]));
      equityBySeed[x.arm.name] = complete.map(() => x.equity);
    }
    for (const x of [...plainArms, ...scheduleArms]) {
      const r = baselineResults.find((b) => b?.arms.includes(x))!;
      const own = (line: string) => line.startsWith(`${x.arm.name}: `);
      warnings.push(...r.warnings.filter(own));
      notes.push(...r.notes.filter(own));
    }
    if (missing.length)
      warnings.push(
        `incomplete: ${missing.length} of ${ids.length} task(s) of this cell are not done (${missing
          .slice(0, 5)
          .map((m) => m.label)
          .join('; ')}${missing.length > 5 ? '; …' : ''}); seeds ${complete.join(', ')} of ${planned.join(', ')} are reported`,
      );
    if (opts.collect) collectFiles(dir, cell, out, byId);
    const res = writeCompareReport({
      cfg,
      out,
      arms,
      perSeed,
      equityBySeed,
      bench: first.bench,
      dates: first.dates,
      forecasts: sched.forecasts,
      warnings: [...warnings, ...notes],
    });
    log(
      `${cell.name}: ${complete.length} of ${planned.length} seed(s), ${arms.length} arm(s) → ${out}${missing.length ? ` (${missing.length} task(s) missing)` : ''}`,
    );
    merged.push({ cell: cell.name, out, seeds: { complete, planned }, missing, result: res });
  }
  const summary: MergeSummary = { cells: merged, missing: merged.reduce((s, c) => s + c.missing.length, 0), tasks: tasks.length };
  if (!opts.outFor) writeSummary(dir, plan, summary);
  return summary;
}

/** Copies what the tasks of a cell wrote into its report folder, where the comparison keeps them. */
function collectFiles(dir: string, cell: PlanCell, out: string, byId: Map<string, PlanTask>): void {
  for (const sub of ['forecasts', 'schedules', 'episodes', 'weights', 'decisions']) rmSync(join(out, sub), { recursive: true, force: true });
  const copy = (id: string, subs: string[]) => {
    const t = byId.get(id)!;
    for (const sub of subs) {
      const src = join(dir, t.dir, sub);
      if (existsSync(src)) cpSync(src, join(out, sub), { recursive: true });
    }
  };
  copy(cell.schedules, ['forecasts', 'schedules']);
  for (const a of cell.agents) if (readDone(dir, byId.get(a.task)!)) copy(a.task, ['episodes']);
  // agents/KIND/seed-S: a link to each trained agent's run folder (for --checkpoints, evaluate, resume).
  for (const a of cell.agents) {
    const t = byId.get(a.task)!;
    if (a.agent === 'checkpoint' || !existsSync(join(dir, t.dir, 'agent'))) continue;
    const link = join(out, 'agents', a.agent, `seed-${a.seed}`);
    mkdirSync(dirname(link), { recursive: true });
    rmSync(link, { recursive: true, force: true });
    symlinkSync(relative(dirname(link), join(dir, t.dir, 'agent')), link);
  }
  for (const b of cell.baselines) if (readDone(dir, byId.get(b.task)!)) copy(b.task, ['episodes', 'weights', 'decisions']);
}

/** DIR/summary.md and summary.json: every cell's arms (mean over its seeds) and what is missing. */
function writeSummary(dir: string, plan: SweepPlan, s: MergeSummary): void {
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const rows = s.cells.flatMap((c) =>
    c.result
      ? Object.entries(c.result.perSeed).map(([arm, bySeed]) => {
          const v = Object.values(bySeed);
          return {
            cell: c.cell,
            arm,
            seeds: v.length,
            annualReturn: mean(v.map((x) => x.annualReturn)),
            sharpeRatio: mean(v.map((x) => x.sharpeRatio)),
            maxDrawdown: mean(v.map((x) => x.maxDrawdown)),
          };
        })
      : [],
  );
  const json = {
    name: plan.name,
    codeVersion: plan.codeVersion,
    backend: plan.backend,
    tasks: s.tasks,
    missing: s.missing,
    cells: s.cells.map((c) => ({ cell: c.cell, out: c.out, seeds: c.seeds, missing: c.missing })),
    arms: rows,
  };
  writeFileAtomic(join(dir, 'summary.json'), JSON.stringify(json, nonFiniteReplacer, 2) + '\n');
  const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : String(x));
  const md = [
    `# Sweep ${plan.name}`,
    '',
    `${s.tasks - s.missing} of ${s.tasks} task(s) done; code ${plan.codeVersion}, backend ${plan.backend}.`,
    '',
    '| cell | arm | seeds | annual return | Sharpe | max drawdown |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.cell} | ${r.arm} | ${r.seeds} | ${pct(r.annualReturn)} | ${Number.isFinite(r.sharpeRatio) ? r.sharpeRatio.toFixed(3) : r.sharpeRatio} | ${pct(r.maxDrawdown)} |`,
    ),
    '',
    ...s.cells.filter((c) => c.missing.length).map((c) => `- ${c.cell}: ${c.missing.length} task(s) missing (${c.missing.map((m) => m.id).join(', ')})`),
  ].join('\n');
  writeFileAtomic(join(dir, 'summary.md'), md + '\n');
}
