/**
 * What a comparison is checked for before anything is trained or planned: a trade period after training
 * (no look-ahead), one trained run folder per seed that stands for its own seed, baseline options the
 * backtest accepts, readable scores and signals files, and arm names that are explicit and unique.
 * Every failure is a ParameterError naming the parameter (a permanent error: retrying does not help).
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ParameterError } from '../../src/parameter-error.ts';
import { BacktestSchema } from '../portfolio/backtest.ts';
import { loadStrategyInputs } from '../portfolio/inputs.ts';
import { STRATEGY_NAMES, withPreset } from '../portfolio/strategies.ts';
import { parsePeriod } from '../pipelines/train.ts';
import type { CompareConfig } from './config.ts';

export interface CheckedCheckpoint {
  dir: string;
  seed: number;
  trainPeriod: { start: string; end: string } | null;
  algo: string | null;
}

/** Checks `cfg` (see the top of this file); returns the checked checkpoints and the signals arms. */
export function validateCompare(cfg: CompareConfig): { checkpoints: CheckedCheckpoint[]; signals: { name: string; path: string }[] } {
  const train = parsePeriod('train', cfg.train);
  const trade = parsePeriod('trade', cfg.trade);
  if (trade.start <= train.end)
    throw new ParameterError(
      ['trade'],
      (n) => `${n('trade')} (${cfg.trade}) must start after the training period ends (${train.end}): evaluating on training data is look-ahead`,
    );
  if (cfg.checkpoints.length > 0 && cfg.checkpoints.length !== cfg.seeds.length) {
    throw new ParameterError(
      ['checkpoints'],
      (n) => `${n('checkpoints')}: give one run folder per seed (${cfg.seeds.length} seeds, ${cfg.checkpoints.length} folders)`,
    );
  }
  for (const key of Object.keys(cfg.strategyOptions)) {
    if (!(STRATEGY_NAMES as readonly string[]).includes(key))
      throw new ParameterError(
        ['strategyOptions'],
        (n) => `${n('strategyOptions')}: unknown strategy "${key}" (expected some of ${STRATEGY_NAMES.join(', ')})`,
      );
  }
  for (const b of new Set([...cfg.baselines, ...cfg.baselineOverlays])) {
    const r = BacktestSchema.safeParse(withPreset(b, { ...(cfg.strategyOptions[b] ?? {}), strategy: b, trade: cfg.trade }));
    if (!r.success)
      throw new ParameterError(['strategyOptions'], (n) => `${n('strategyOptions')} ${b}.${r.error.issues[0].path.join('.')}: ${r.error.issues[0].message}`);
  }
  const signals = signalArms(cfg.signals, cfg.overlays);
  // Scores and market views for the LLM-portfolio baselines; Black–Litterman's forecast views come from the
  // first signals file of the run when there is one.
  try {
    loadStrategyInputs({ scores: cfg.scores, signals: signals[0]?.path });
  } catch (e) {
    throw new ParameterError(['scores', 'signals'], (n) => `${cfg.scores !== undefined ? `${n('scores')} / ` : ''}${n('signals')}: ${(e as Error).message}`);
  }
  const checkpoints = cfg.checkpoints.map((dir, k) => checkCheckpoint(dir, cfg.seeds[k], trade));
  return { checkpoints, signals };
}

/** A `--checkpoints` run folder: its own seed and training period, checked against the request (no look-ahead). */
export function checkCheckpoint(dir: string, seed: number, trade: { start: string; end: string }): CheckedCheckpoint {
  const path = join(dir, 'config.json');
  if (!existsSync(path))
    throw new ParameterError(['checkpoints'], (n) => `${n('checkpoints')} ${dir}: no config.json (is it a run folder written by "marginlab train"?)`);
  let c: { run?: { seed?: number; algo?: string }; trainPeriod?: { start: string; end: string } };
  try {
    c = JSON.parse(readFileSync(path, 'utf8')) as typeof c;
  } catch (e) {
    throw new ParameterError([], `${path}: not valid JSON (${(e as Error).message})`);
  }
  const own = c.run?.seed;
  if (own !== undefined && own !== seed)
    throw new ParameterError(
      ['checkpoints', 'seeds'],
      (n) => `${n('checkpoints')} ${dir} was trained with seed ${own}, but stands for seed ${seed} here: give ${n('seeds')} in the same order as the folders`,
    );
  const tp = c.trainPeriod ?? null;
  if (tp && tp.end >= trade.start && tp.start <= trade.end) {
    throw new ParameterError(
      ['checkpoints'],
      (n) =>
        `${n('checkpoints')} ${dir} was trained on ${tp.start} … ${tp.end}, which overlaps the trade period ${trade.start} … ${trade.end}: evaluating on training data is look-ahead`,
    );
  }
  return { dir, seed, trainPeriod: tp, algo: c.run?.algo ?? null };
}

/** `NAME=FILE` or `FILE` (name: the file's base name); names must be unique and not those of the offline overlays. */
export function signalArms(specs: readonly string[], offline: readonly string[]): { name: string; path: string }[] {
  const out: { name: string; path: string }[] = [];
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const name = eq > 0 ? spec.slice(0, eq) : basename(spec).replace(/\.jsonl?$/, '');
    const path = eq > 0 ? spec.slice(eq + 1) : spec;
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name))
      throw new ParameterError(['signals'], (n) => `${n('signals')} ${spec}: the arm name "${name}" must be letters, digits, ".", "_" or "-" (give NAME=FILE)`);
    if (offline.includes(name))
      throw new ParameterError(
        ['signals'],
        (n) => `${n('signals')} ${spec}: "${name}" is also an offline overlay of this run; name the signals arm explicitly, e.g. ${n('signals')} gpt4o=${path}`,
      );
    const dup = out.find((x) => x.name === name);
    if (dup)
      throw new ParameterError(
        ['signals'],
        (n) => `${n('signals')}: two signals files make the arm "${name}" (${dup.path} and ${path}); give each a name: ${n('signals')} a=${dup.path},b=${path}`,
      );
    out.push({ name, path });
  }
  return out;
}
