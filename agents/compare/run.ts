/**
 * The comparison (`marginlab compare`) — the project's main job: the same agent, environment and seeds traded with and
 * without an LLM overlay, so that only the ratio schedule differs between arms.
 *
 * Arms, over the trade period, for every seed:
 *   DJIA            buy-and-hold of the index (seed-independent)
 *   no-overlay      the agent with the fixed 1:1 split, one continuous episode
 *   control-c0      reallocation on the overlay's dates with zero change: separates segmentation effects
 *                   (re-margin counter, Sharpe window and turbulence restart) from the overlay itself
 *   overlay:NAME    the agent with the schedule from forecaster NAME (offline by default) or a signals file
 *
 * A comparison is a sweep of one cell: it is planned into its run folder (plan.json, one task per agent
 * and seed, per baseline, and one for the forecasts and schedules: agents/sweep/), run by the local
 * executor, then merged — the same code as a cluster study.
 *
 * Run folder: config.json, manifest.json, plan.json, tasks/<id>/ (each task's files; an agent task's
 * training run in agent/, resumable), and, merged: forecasts/NAME.jsonl (every forecast with its
 * explanation), schedules/NAME.json, episodes/ARM-seedS.csv (daily account), weights/, decisions/,
 * results.json (every metric of every arm and seed), table.md / table.csv, equity.svg, report.html.
 * A rerun reuses finished tasks and resumes unfinished ones; a changed request plans new tasks (their ids
 * are hashes of their configs), so an agent trained for another request is never reused.
 */

import { mkdirSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../../src/atomic.ts';
import { acquireLock } from '../../src/lock.ts';
import { ParameterError } from '../../src/parameter-error.ts';
import { verifyBundledData } from '../../src/data/checksums.ts';
import { codeVersion, packageVersions } from '../run-folder.ts';
import { runLocal } from '../sweep/local.ts';
import { mergeSweep } from '../sweep/merge.ts';
import { planSweep } from '../sweep/plan.ts';
import type { CompareConfig } from './config.ts';
import type { CompareResult } from './report.ts';
import { validateCompare } from './validate.ts';

export { signalArms } from './validate.ts';

/** Progress lines, by default to stderr with a `[compare]` prefix. */
function stderrLog(line: string): void {
  process.stderr.write(`[compare] ${line}\n`);
}

export interface CompareOptions {
  /** Ctrl-C: training stops at its next checkpoint (a rerun resumes it). */
  signal?: AbortSignal;
  /** Where progress lines go (default: stderr, prefixed `[compare]`). */
  log?: (line: string) => void;
}

/** Runs the comparison into `cfg.out`, which is locked (holder's host and pid) while it runs. */
export async function runCompare(cfg: CompareConfig, opts: CompareOptions = {}): Promise<CompareResult> {
  mkdirSync(dirname(cfg.out.replace(/\/+$/, '')) || '.', { recursive: true });
  const lock = acquireLock(cfg.out, { what: 'run folder' });
  try {
    return await compareLocked(cfg, opts);
  } finally {
    lock.release();
  }
}

async function compareLocked(cfg: CompareConfig, opts: CompareOptions): Promise<CompareResult> {
  const log = opts.log ?? stderrLog;
  // Everything is checked before anything is planned or trained.
  const { checkpoints } = validateCompare(cfg);
  const out = cfg.out;
  // The merged files are made anew: nothing from an earlier run of this folder mixes with this one's.
  for (const f of ['results.json', 'table.md', 'table.csv', 'equity.svg', 'report.html']) rmSync(join(out, f), { force: true });
  const started = new Date().toISOString();
  const { out: _out, workers: _workers, ...cell } = cfg;
  const plan = await planSweep({ name: 'compare', base: cell, axes: {}, cells: [] }, out);
  writeFileAtomic(join(out, 'config.json'), JSON.stringify(cfg, null, 2) + '\n');
  const manifest = {
    checkpoints,
    format: 'marginlab.compare.v1',
    seeds: cfg.seeds,
    codeVersion: codeVersion(),
    sweepCodeVersion: plan.codeVersion,
    packages: packageVersions(),
    backend: plan.backend,
    node: process.version,
    startTime: started,
    endTime: null as string | null,
    data: { sha256: verifyBundledData() },
  };
  writeFileAtomic(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');

  // Training in parallel child processes, one task per core: each is independent and seeded, so the
  // results do not depend on the order or overlap.
  const run = await runLocal(out, { workers: cfg.workers ?? availableParallelism(), signal: opts.signal, log });
  if (run.interrupted || opts.signal?.aborted)
    throw new ParameterError([], 'interrupted: the running tasks stopped at a checkpoint; rerun the same command to resume');
  if (run.failed.length || run.held.length || run.blocked.length) {
    const what = [
      ...run.failed.map((f) => `${f.label} failed (${f.message}; its log: ${join(out, 'tasks', f.id, 'run.log')})`),
      ...run.held.map((h) => `${h.label} is being run by another process`),
    ];
    throw new ParameterError([], `${what.join('; ') || `${run.blocked.length} task(s) could not start`}`);
  }
  const merged = mergeSweep(out, { outFor: () => out, configFor: () => cfg, collect: true, log });
  const res = merged.cells[0].result;
  if (!res) throw new Error(`${out}: the comparison's tasks are done but there is nothing to merge`);
  manifest.endTime = new Date().toISOString();
  writeFileAtomic(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return res;
}
