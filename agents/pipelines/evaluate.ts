/**
 * The evaluation pipeline: a trained run folder's deterministic policy traded over a trade period, with the
 * universe's benchmark beside it (`marginlab evaluate`). Library code: errors are ParameterErrors.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { BACKEND_PREFS, type BackendPref } from '../backend-names.ts';
import { dailyRowsToCsv, evaluateEpisode } from '../evaluate.ts';
import { riskRuleFor } from '../../src/data/universe.ts';
import { perfStats } from '../../src/metrics/perf.ts';
import { tradingStats } from '../../src/metrics/trading.ts';
import { loadRatioSchedule, type RatioSchedule } from '../../src/schedule.ts';
import { ParameterError } from '../../src/parameter-error.ts';
import { agentFrame, logOf, readRunJson, runEnvConfig, runUniverse, universeBenchmark } from './train.ts';

/** Everything an evaluation is made of (the `evaluate` command's flags and `--config` fill it). */
export const EvaluateSchema = z
  .object({
    checkpoint: z.string().describe('run folder written by "marginlab train"'),
    trade: z.string().default('2020-05-01:2024-03-28').describe('trade period START:END, inclusive'),
    universe: z.string().optional().describe('the universe the agent was trained on (read from the run folder; given, it must match)'),
    ratioSchedule: z
      .string()
      .optional()
      .describe('long-short ratio schedule JSON ({targets, reallocations}) to inject, e.g. schedules/NAME.json of a "marginlab compare" run'),
    turbulence: z.number().nullable().default(70).describe('turbulence threshold on VIX during trading (the paper: 70)'),
    backend: z
      .enum(BACKEND_PREFS as unknown as [BackendPref, ...BackendPref[]])
      .default('auto')
      .describe('TensorFlow.js backend'),
    out: z.string().optional().describe('output folder (default: <checkpoint>/eval-<start>_<end>)'),
  })
  .strict();
export type EvaluateConfig = z.infer<typeof EvaluateSchema>;

export interface EvaluationSummary {
  period: { start: string; end: string; days: number };
  universe: string;
  agent: ReturnType<typeof perfStats> & ReturnType<typeof tradingStats>;
  benchmark: ReturnType<typeof perfStats> & { name: string; source: string };
  endedBy: string;
  /** The agent's own training period (config.json), and whether the evaluation overlaps it. */
  trainPeriod: { start: string; end: string } | null;
  inSample: boolean;
  warnings: string[];
}

/** A ratio schedule file; errors name the `ratioSchedule` parameter. */
export function loadSchedule(path: string): RatioSchedule {
  try {
    return loadRatioSchedule(path);
  } catch (e) {
    throw new ParameterError(['ratioSchedule'], (n) => `${n('ratioSchedule')} ${(e as Error).message}`);
  }
}

/** Evaluate the run folder's policy over `range`; returns the summary and the daily CSV (agent + benchmark). */
export async function evaluateRun(
  dir: string,
  range: { start: string; end: string },
  opts: { schedule?: RatioSchedule | null; turbulence?: number | null; backend?: BackendPref; universe?: string } = {},
) {
  const { initBackend } = await import('../backend.ts');
  const { loadPolicy } = await import('../checkpoint.ts');
  await initBackend(opts.backend ?? 'auto');
  const policy = loadPolicy(dir);
  const trained = runUniverse(dir);
  const trainedOn = (readRunJson(join(dir, 'config.json'), 'run config') as { trainPeriod?: { start: string; end: string } }).trainPeriod;
  const warnings: string[] = [];
  if (trainedOn && range.start <= trainedOn.end && range.end >= trainedOn.start) {
    warnings.push(
      `in-sample: the trade period ${range.start} … ${range.end} overlaps the agent's training period ${trainedOn.start} … ${trainedOn.end}; these metrics are not an out-of-sample evaluation`,
    );
  }
  if (opts.universe !== undefined && opts.universe !== trained.universe) {
    throw new ParameterError(['universe'], (n) => `${n('universe')} ${opts.universe}: the agent in ${dir} was trained on universe ${trained.universe}`);
  }
  const { frame, universe } = agentFrame(trained.universe, range, { tickers: trained.tickers });
  const cfg = riskRuleFor(universe, { ...runEnvConfig(dir), turbulenceThreshold: opts.turbulence === undefined ? 70 : opts.turbulence }, frame).rule;
  const ev = evaluateEpisode(policy, frame, cfg, { schedule: opts.schedule });
  const equity = ev.rows.map((r) => r.equity);
  const bench = universeBenchmark(
    universe,
    ev.rows.map((r) => r.date),
    equity[0],
  );
  const perf = { periodsPerYear: universe.periodsPerYear };
  const summary: EvaluationSummary = {
    period: { start: ev.rows[0].date, end: ev.rows[ev.rows.length - 1].date, days: ev.rows.length },
    universe: universe.name,
    agent: { ...perfStats(equity, perf), ...tradingStats(logOf(ev.rows), perf) },
    benchmark: { ...perfStats(bench.values, perf), name: universe.benchmark.name, source: bench.source },
    endedBy: ev.endedBy,
    trainPeriod: trainedOn ?? null,
    inSample: warnings.length > 0,
    warnings,
  };
  return { summary, rows: ev.rows, csv: dailyRowsToCsv(ev.rows, universe.name === 'dow30' ? { dji: bench.values } : { benchmark: bench.values }), policy };
}
