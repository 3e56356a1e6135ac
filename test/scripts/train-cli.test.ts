/**
 * `marginlab train` and `marginlab evaluate` through the real CLI (bin/marginlab.js): the run folder, determinism,
 * resume, evaluation outputs with the DJIA benchmark, ratio-schedule injection and flag errors.
 * Runs are short (500 steps of the paper's A2C, a few seconds each) to keep the file under a minute.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMarketFrame, PAPER_TICKERS } from '../../src/data/build.ts';
import { runCli } from '../helpers/cli.ts';

const TMP = mkdtempSync(join(tmpdir(), 'train-cli-'));
const RUN = join(TMP, 'a2c-s1');
const TRAIN = ['train', '--algo', 'a2c', '--preset', 'margintrader', '--timesteps', '500', '--seed', '1'];
const TRADE = '2020-05-01:2020-12-31';

let trained: ReturnType<typeof runCli>;

const readLines = (dir: string) => readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n');
/** A metrics line without its wall-clock fields (`sps`, `elapsed`): what must replay exactly. */
const deterministic = (line: string) => {
  const { sps, elapsed, ...rest } = JSON.parse(line);
  expect(typeof sps).toBe('number');
  expect(typeof elapsed).toBe('number');
  return JSON.stringify(rest);
};
const parseCsv = (path: string) => {
  const [head, ...rows] = readFileSync(path, 'utf8').trim().split('\n');
  const cols = head.split(',');
  return {
    cols,
    rows: rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [cols[i], i === 0 ? v : Number(v)])) as Record<string, number> & { date: string }),
  };
};
/** A user-facing error: non-zero exit, one line on stderr, no stack trace. */
const expectUserError = (r: ReturnType<typeof runCli>, pattern: RegExp) => {
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\bat .*\.(ts|js):\d+/);
};

beforeAll(() => {
  trained = runCli([...TRAIN, '--out', RUN]);
});
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

describe('marginlab train (through the real CLI)', () => {
  it('writes config.json, manifest.json, metrics.jsonl and checkpoint.json, and prints a JSON summary', () => {
    expect(trained.stderr).not.toMatch(/Error/);
    expect(trained.code).toBe(0);
    const summary = JSON.parse(trained.stdout.trim());
    expect(summary).toMatchObject({ algo: 'a2c', updates: 100, totalUpdates: 100, globalStep: 500, finished: true });
    expect(['wasm', 'cpu', 'tensorflow']).toContain(summary.backend);
    for (const f of ['config.json', 'manifest.json', 'metrics.jsonl', 'checkpoint.json']) expect(existsSync(join(RUN, f))).toBe(true);

    const config = JSON.parse(readFileSync(join(RUN, 'config.json'), 'utf8'));
    expect(config.algo).toBe('a2c');
    expect(config.run).toMatchObject({ preset: 'margintrader', seed: 1, timesteps: 500 });
    expect(config.agent).toMatchObject({ learningRate: 0.005, nSteps: 5, gamma: 0.99, gaeLambda: 1, entCoef: 0.005, totalTimesteps: 500, seed: 1 });

    const manifest = JSON.parse(readFileSync(join(RUN, 'manifest.json'), 'utf8'));
    expect(manifest.seed).toBe(1);
    expect(manifest.backend).toBe(summary.backend);
    expect(typeof manifest.codeVersion).toBe('string');
    expect(manifest.codeVersion.length).toBeGreaterThan(0);
    const sums = Object.values(manifest.data.dataSha256) as string[];
    expect(sums.length).toBeGreaterThan(0);
    for (const s of sums) expect(s).toMatch(/^[0-9a-f]{64}$/);

    const lines = readLines(RUN).map((l) => JSON.parse(l));
    expect(lines).toHaveLength(100); // 500 steps / n_steps 5
    expect(lines.map((m) => m.update)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(lines[99].globalStep).toBe(500);
  });

  it('the same seed twice gives identical metrics lines except the wall-clock sps/elapsed', () => {
    const again = join(TMP, 'a2c-s1-again');
    const r = runCli([...TRAIN, '--out', again]);
    expect(r.code).toBe(0);
    const a = readLines(RUN);
    const b = readLines(again);
    expect(b).toHaveLength(a.length);
    expect(b.map(deterministic)).toEqual(a.map(deterministic));
  });

  it('--resume of a finished run with a larger --timesteps extends it: each update once, the same as one longer run', () => {
    const ext = join(TMP, 'a2c-s1-extended');
    cpSync(RUN, ext, { recursive: true });
    const r = runCli(['train', '--algo', 'a2c', '--timesteps', '1000', '--out', ext, '--resume']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ updates: 200, totalUpdates: 200, globalStep: 1000, finished: true });
    const lines = readLines(ext);
    expect(lines.map((l) => JSON.parse(l).update)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(lines.slice(0, 100)).toEqual(readLines(RUN)); // the first 100 lines are kept byte for byte
    const manifest = JSON.parse(readFileSync(join(ext, 'manifest.json'), 'utf8'));
    expect(manifest.resumes).toHaveLength(1);
    expect(manifest.resumes[0].fromUpdate).toBe(100);

    // The env resumes from its snapshot, so the extension equals an uninterrupted 1000-step run.
    const long = join(TMP, 'a2c-s1-1000');
    expect(runCli(['train', '--algo', 'a2c', '--preset', 'margintrader', '--timesteps', '1000', '--seed', '1', '--out', long]).code).toBe(0);
    expect(lines.map(deterministic)).toEqual(readLines(long).map(deterministic));
  });

  it('--resume of a finished run without --timesteps succeeds and leaves each update in metrics.jsonl once', () => {
    const done = join(TMP, 'a2c-s1-done');
    cpSync(RUN, done, { recursive: true });
    const before = readLines(done);
    // No --preset: the stored run (margintrader env and agent) is what resumes.
    const r = runCli(['train', '--algo', 'a2c', '--out', done, '--resume']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ updates: 100, globalStep: 500, finished: true });
    expect(readLines(done)).toEqual(before);
    expect(JSON.parse(readFileSync(join(done, 'config.json'), 'utf8')).agent.learningRate).toBe(0.005);
  });

  it('bad flags exit non-zero with a one-line message naming the flag', () => {
    expectUserError(runCli(['train', '--algo', 'xyz', '--out', join(TMP, 'bad1')]), /--algo\b.*(ppo|a2c)/);
    expectUserError(runCli(['train', '--algo', 'a2c', '--train', '2018-01-01:2009-01-01', '--out', join(TMP, 'bad2')]), /--train\b.*start is after end/);
    expectUserError(runCli(['train', '--preset', 'margintrader', '--algo', 'ppo', '--out', join(TMP, 'bad3')]), /--preset margintrader.*--algo a2c/);
    expectUserError(runCli(['train', '--algo', 'ppo', '--out', RUN, '--resume']), /--algo ppo.*a2c/);
    for (const d of ['bad1', 'bad2', 'bad3']) expect(existsSync(join(TMP, d, 'metrics.jsonl'))).toBe(false);
  });
});

describe('marginlab evaluate (through the real CLI)', () => {
  let plain: ReturnType<typeof parseCsv>;

  it('writes metrics.json (agent and DJIA blocks) and a daily account.csv with the benchmark side by side', () => {
    const out = join(TMP, 'eval');
    const r = runCli(['evaluate', '--checkpoint', RUN, '--trade', TRADE, '--out', out]);
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout.trim());
    expect(printed.out).toBe(out);

    const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    for (const block of [m.agent, m.benchmark]) {
      for (const k of ['sharpeRatio', 'maxDrawdown', 'annualReturn']) expect(Number.isFinite(block[k])).toBe(true);
      expect(block.maxDrawdown).toBeLessThanOrEqual(0);
    }
    expect(m.benchmark.source).toMatch(/DJI/);

    plain = parseCsv(join(out, 'account.csv'));
    expect(plain.cols.slice(0, 2)).toEqual(['date', 'equity']);
    expect(plain.cols).toContain('long_share');
    expect(plain.cols[plain.cols.length - 1]).toBe('dji');
    const days = buildMarketFrame({ start: '2020-05-01', end: '2020-12-31', tickers: PAPER_TICKERS }).dates;
    expect(plain.rows.map((row) => row.date)).toEqual(days); // one row per trading day
    expect(m.period).toMatchObject({ start: days[0], end: days[days.length - 1], days: days.length });
    expect(plain.rows[0].equity).toBe(1_000_000);
    expect(plain.rows[0].dji).toBe(1_000_000);
    for (const row of plain.rows) expect(Number.isFinite(row.dji) && row.dji > 0).toBe(true);
  });

  it('--ratio-schedule moves the long share on its date and changes the account', () => {
    const file = join(TMP, 'schedule.json');
    writeFileSync(file, JSON.stringify({ reallocations: [{ date: '2020-07-01', target: 0.7 }] }));
    const out = join(TMP, 'eval-schedule');
    const r = runCli(['evaluate', '--checkpoint', RUN, '--trade', TRADE, '--ratio-schedule', file, '--out', out]);
    expect(r.code).toBe(0);
    const sched = parseCsv(join(out, 'account.csv'));
    expect(sched.rows).toHaveLength(plain.rows.length);
    const k = sched.rows.findIndex((row) => row.date === '2020-07-01');
    expect(k).toBeGreaterThan(0);
    expect(sched.rows[k].reallocated).toBe(1); // moved at 2020-07-01, before that day's trades
    expect(sched.rows[k + 1].long_share).toBeCloseTo(0.7, 1); // the first mark after it
    expect(plain.rows[k + 1].long_share).not.toBeCloseTo(0.7, 1);
    // Before the date nothing changes; after it the account differs.
    expect(sched.rows.slice(0, k).map((row) => row.equity)).toEqual(plain.rows.slice(0, k).map((row) => row.equity));
    expect(sched.rows[sched.rows.length - 1].equity).not.toBe(plain.rows[plain.rows.length - 1].equity);
  });

  it('a malformed ratio schedule gives a one-line error naming the file and the field', () => {
    const file = join(TMP, 'bad-schedule.json');
    writeFileSync(file, JSON.stringify({ reallocations: [{ date: '2020-07-01', target: 1.7 }] }));
    const r = runCli(['evaluate', '--checkpoint', RUN, '--trade', TRADE, '--ratio-schedule', file, '--out', join(TMP, 'eval-bad')]);
    expectUserError(r, /--ratio-schedule/);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toMatch(/reallocations\.0\.target/);
    expect(existsSync(join(TMP, 'eval-bad', 'account.csv'))).toBe(false);
  });
});

describe('marginlab train --condition-ratio (through the real CLI)', () => {
  // A tiny PPO run on half a year: 2 copies, 20-day episodes, rollouts of 2 × 32 steps.
  const cfgFile = join(TMP, 'cond.json');
  const COND = ['train', '--algo', 'ppo', '--seed', '2', '--condition-ratio', 'uniform=0.3:0.7,p=0.8,gap=10', '--config', cfgFile];

  it('records the curriculum in config.json and the manifest, passes the ratio slots through, and resumes exactly', () => {
    writeFileSync(
      cfgFile,
      JSON.stringify({ train: '2016-01-01:2016-06-30', numEnvs: 2, episodeLength: 20, randomStart: true, agent: { nSteps: 32, batchSize: 32, nEpochs: 1 } }),
    );
    const straight = join(TMP, 'ppo-cond-192');
    const r = runCli([...COND, '--timesteps', '192', '--out', straight]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ algo: 'ppo', updates: 3, globalStep: 192, finished: true });
    const config = JSON.parse(readFileSync(join(straight, 'config.json'), 'utf8'));
    const spec = { uniform: [0.3, 0.7], pUniform: 0.8, grid: [0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65], meanGapDays: 10 };
    expect(config.run.conditioning).toEqual(spec);
    expect(config.conditioning).toEqual({ ...spec, stream: 'conditioning', seed: 2 });
    expect(config.observationNormalization).toEqual({ clip: 10, stdFloor: 0.1, passthrough: [276, 277] });
    expect(JSON.parse(readFileSync(join(straight, 'manifest.json'), 'utf8')).data.conditioning).toEqual({ ...spec, stream: 'conditioning', seed: 2 });

    // 128 steps, then --resume to 192: the same metrics lines as the straight run (env, curriculum and agent restored)
    const part = join(TMP, 'ppo-cond-128');
    expect(runCli([...COND, '--timesteps', '128', '--out', part]).code).toBe(0);
    const res = runCli(['train', '--algo', 'ppo', '--timesteps', '192', '--out', part, '--resume']);
    expect(res.code, res.stderr).toBe(0);
    expect(readLines(part).map(deterministic)).toEqual(readLines(straight).map(deterministic));
  });

  it('--help documents the flag; a bad spec is a one-line error naming it', () => {
    const help = runCli(['train', '--help']);
    expect(help.stdout).toMatch(/--condition-ratio \[spec\]/);
    expect(help.stdout).toMatch(/uniform=LO:HI/);
    expectUserError(runCli(['train', '--algo', 'ppo', '--condition-ratio', 'p=2', '--out', join(TMP, 'bad-cond')]), /--condition-ratio: "pUniform"/);
    expectUserError(
      runCli(['train', '--algo', 'ppo', '--condition-ratio', 'speed=3', '--out', join(TMP, 'bad-cond')]),
      /--condition-ratio: unknown key "speed"/,
    );
    expect(existsSync(join(TMP, 'bad-cond', 'metrics.jsonl'))).toBe(false);
  });
});
