import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envConfig } from '../../env/config.ts';
import { MarginTradingEnv } from '../../env/margin-env.ts';
import { replayFile } from '../../env/replay.ts';
import { runCli } from '../helpers/cli.ts';
import { FIXTURE_DIR, tinyFrame } from '../helpers/fixture-frame.ts';

/**
 * The replay's handling of trace shapes the three shared fixtures do not contain (an exit step, NaN
 * rewards, missing risk values). The traces here are written by our own env in the fixtures' format, so
 * they test the reader and comparator, not the mechanics (the shared fixtures do that).
 */
const params = (over: Record<string, unknown> = {}) => ({
  hmax: 100,
  initial_amount: 2000,
  margin: 2,
  long_short_ratio: 1,
  maintenance: 0.4,
  buy_cost_pct: 0.001,
  sell_cost_pct: 0.001,
  reward_scaling: 1e-4,
  penalty_sharpe: 0.05,
  turbulence_threshold: null,
  risk_indicator_col: 'vix',
  stock_dim: 2,
  initial: true,
  ...over,
});

function traceOf(rows: number[][], actions: number[][], risk: (number | null)[] | null = null, over: Record<string, unknown> = {}) {
  const f = tinyFrame(rows);
  if (risk) risk.forEach((v, t) => (f.vix[t] = v ?? NaN));
  const p = params(over);
  const env = new MarginTradingEnv(
    f,
    envConfig('paper', {
      initialAmount: p.initial_amount as number,
      hmax: p.hmax as number,
      turbulenceThreshold: p.turbulence_threshold as number | null,
      nanSharpe: true,
      terminalRemargin: false,
      clipActions: false,
      observeRatio: false,
    }),
  );
  let pre: any = null;
  env.hooks.preMark = (c) => (pre = { account: c.accountVector(), holdings: Array.from(c.holdings) });
  env.reset();
  const c = env.core;
  const initial = { account: c.accountVector(), holdings: Array.from(c.holdings), total_asset: c.totalEquity };
  const steps: any[] = [];
  for (let t = 0; t < rows.length - 1; t++) {
    const r = env.step(actions[t]);
    const base = { t, terminal: false, fused: Array.from(c.fused), executed: Array.from(c.executed), pre_mark: pre };
    if (r.info.reason === 'negative_short_equity') {
      steps.push({ ...base, exit: { short_actual_equity: 'negative' }, account: null, holdings: null });
      break;
    }
    steps.push({
      ...base,
      account: c.accountVector(),
      holdings: Array.from(c.holdings),
      total_asset: c.totalEquity,
      reward: Number.isNaN(r.reward) ? null : r.reward,
      reward_is_nan: Number.isNaN(r.reward),
    });
  }
  return { env_params: p, tickers: ['A', 'B'], dates: f.dates, prices: rows, actions, risk_indicator_values: risk, initial, steps };
}

function write(obj: unknown, name = 'trace.json'): string {
  const path = join(mkdtempSync(join(tmpdir(), 'trace-')), name);
  writeFileSync(path, JSON.stringify(obj));
  return path;
}

describe('replay of trace shapes beyond the shared fixtures', () => {
  it('an exit step (account null, pre_mark given) replays and requires our episode to terminate', () => {
    const tr = traceOf(
      [
        [10, 10],
        [10, 10],
        [100, 10],
        [100, 10],
      ],
      [
        [0, 0, -1, 0],
        [0, 0, 0, 0],
        [0, 0, 0, 0],
        [0, 0, 0, 0],
      ],
    );
    expect(tr.steps[tr.steps.length - 1].exit).toBeDefined();
    const r = replayFile(write(tr));
    expect(r.mismatches).toBe(0);
    tr.steps[tr.steps.length - 1].pre_mark.account[0] += 1;
    const bad = replayFile(write(tr));
    expect(bad.firstMismatch?.field).toBe('pre_mark.account');
  });

  it('NaN rewards (null in the trace) are compared as NaN', () => {
    const rows = Array.from({ length: 8 }, () => [10, 10]);
    const tr = traceOf(
      rows,
      rows.map(() => [0, 0, 0, 0]),
    );
    expect(tr.steps.some((s: any) => s.reward === null)).toBe(true);
    expect(replayFile(write(tr)).mismatches).toBe(0);
    tr.steps[5].reward = 0; // the original gave NaN there
    expect(replayFile(write(tr)).mismatches).toBe(1);
  });

  it('missing risk values (null) replay as NaN: buys blocked, the rule not fired', () => {
    const rows = [
      [10, 10],
      [11, 9],
      [12, 8],
      [12, 8],
      [11, 9],
    ];
    const tr = traceOf(
      rows,
      rows.map(() => [0.5, 0.5, 0, 0]),
      [10, null, null, 80, 10],
      { turbulence_threshold: 70 },
    );
    expect(replayFile(write(tr)).mismatches).toBe(0);
  });

  it('a trace that goes on after our episode ended is a mismatch, not a crash', () => {
    const tr = traceOf(
      [
        [10, 10],
        [10, 10],
        [100, 10],
        [100, 10],
      ],
      [
        [0, 0, -1, 0],
        [0, 0, 0, 0],
        [0, 0, 0, 0],
        [0, 0, 0, 0],
      ],
    );
    const exitStep = tr.steps.pop();
    tr.steps.push({ ...exitStep, exit: undefined, account: [0, 0, 0, 0, 0, 0], holdings: [0, 0], total_asset: 0, reward: 0 });
    tr.steps.push({ ...exitStep, t: exitStep.t + 1, exit: undefined, account: [0, 0, 0, 0, 0, 0], holdings: [0, 0], total_asset: 0, reward: 0 });
    const r = replayFile(write(tr));
    expect(r.mismatches).toBeGreaterThan(0);
  });

  it('the CLI reports a malformed file among good ones and still replays the others', () => {
    const bad = write({ hello: 'world' }, 'bad.json');
    const r = runCli(['env', 'replay', bad, join(FIXTURE_DIR, 'random_2019.json')]);
    expect(r.code).toBe(1);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0].error).toMatch(/bad\.json/);
    expect(lines[1].mismatches).toBe(0);
  });
});
