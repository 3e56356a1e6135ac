/**
 * Issue 11 §4 through the real CLI: well-formed but meaningless input is refused with one line naming the
 * file or the parameter — a range outside the data, a damaged run config, a checkpoint whose config does
 * not match its weights, a schedule that does nothing in the period, a corrupted bundled data file (in
 * every command that reads the bundle) — and a missing output folder is created.
 * Evaluations use a hand-made run folder (small random weights: no training) over two months.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { CHECKPOINT_FORMAT, saveCheckpoint } from '../../agents/checkpoint.ts';
import { envConfig } from '../../env/config.ts';
import { PAPER_TICKERS } from '../../src/data/build.ts';
import { REPO, runCli } from '../helpers/cli.ts';

const TMP = mkdtempSync(join(tmpdir(), 'refused-cli-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));
const TRADE = '2020-05-01:2020-06-30';

/** A user-facing error: non-zero exit, one line on stderr, no stack trace, no "internal error". */
const expectUserError = (r: ReturnType<typeof runCli>, pattern: RegExp) => {
  expect(r.code, r.stderr).not.toBe(0);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\bat .*\.(ts|js):\d+|internal error/);
};

/** Floats of the actor-critic (actor MLP + log-std + critic MLP), as networks.ts lays them out. */
const netSize = (obs: number, act: number, hidden: number[]) => {
  const mlp = (out: number) => hidden.reduce((acc, h, i) => acc + (i === 0 ? obs : hidden[i - 1]) * h + h, 0) + hidden[hidden.length - 1] * out + out;
  return mlp(act) + act + mlp(1);
};

/** A run folder as `marginlab train` writes it, with small deterministic weights (no training needed). */
function runFolder(name: string, o: { observeRatio?: boolean } = {}): string {
  const dir = join(TMP, name);
  mkdirSync(dir, { recursive: true });
  const n = PAPER_TICKERS.length;
  const obsDim = 6 + 10 * n + 2;
  const actDim = 2 * n;
  const hidden = [8];
  saveCheckpoint(join(dir, 'checkpoint.json'), {
    format: CHECKPOINT_FORMAT,
    algo: 'a2c',
    agentConfig: { hidden },
    obsDim,
    actDim,
    numEnvs: 1,
    actionLow: new Float64Array(actDim).fill(-1),
    actionHigh: new Float64Array(actDim).fill(1),
    net: { hidden, activation: 'tanh', logStdInit: 0, orthoInit: true },
    updateIndex: 1,
    globalStep: 5,
    params: new Float32Array(netSize(obsDim, actDim, hidden)).map((_, i) => Math.sin(i) * 1e-3),
    optimizer: { kind: 'rmsprop', step: 1, hyper: {}, buffers: {} },
    obsNorm: null,
    rewardScaler: null,
    rng: {},
    env: { lastObs: new Float32Array(obsDim), snapshot: null },
    backend: 'cpu',
    savedAt: new Date(0).toISOString(),
  });
  const env = { ...envConfig('paper'), observeRatio: o.observeRatio ?? true };
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      run: { algo: 'a2c', universe: 'dow30' },
      env,
      trainPeriod: { start: '2009-01-02', end: '2018-12-31' },
      universe: 'dow30',
      tickers: [...PAPER_TICKERS],
      algo: 'a2c',
      agent: { hidden },
    }),
  );
  return dir;
}
const scheduleFile = (name: string, body: unknown) => {
  const p = join(TMP, name);
  writeFileSync(p, JSON.stringify(body));
  return p;
};

describe('errors that name what is wrong', () => {
  it("env rollout: a range outside the data names the data's own coverage, as a user error", () => {
    expectUserError(
      runCli(['env', 'rollout', '--start', '1990-01-01', '--end', '1990-12-31']),
      /the data covers 2008-01-02\.\.2024-12-06 .*: the range 1990-01-01\.\.1990-12-31 lies outside it/,
    );
  });

  it('evaluate: a truncated config.json is reported with its path', () => {
    const dir = runFolder('truncated');
    const cfg = join(dir, 'config.json');
    writeFileSync(cfg, readFileSync(cfg, 'utf8').slice(0, 40));
    const r = runCli(['evaluate', '--checkpoint', dir, '--trade', TRADE, '--out', join(TMP, 'never')]);
    expectUserError(r, /config\.json.*damaged/);
    expect(r.stderr).toContain(cfg);
  });

  it('evaluate: a checkpoint whose env config does not match its weights is refused naming the checkpoint', () => {
    const dir = runFolder('mismatch', { observeRatio: false });
    const r = runCli(['evaluate', '--checkpoint', dir, '--trade', TRADE, '--out', join(TMP, 'never')]);
    expectUserError(r, /checkpoint\.json: its weights take 278 observation values and give 54 actions, but .*config\.json describes an env with 276 and 54/);
  });

  it('evaluate: a schedule none of whose events falls in the trade period is refused; one outside gets a warning', () => {
    const dir = runFolder('good');
    const none = scheduleFile('none.json', { reallocations: [{ date: '2021-03-01', target: 0.6 }] });
    expectUserError(
      runCli(['evaluate', '--checkpoint', dir, '--trade', TRADE, '--ratio-schedule', none, '--out', join(TMP, 'never')]),
      /--ratio-schedule .*none\.json: .*none of its 1 event\(s\) acts on a trading day/,
    );

    // Partly outside: evaluated, with a warning naming the event, and a missing --out folder is created.
    const some = scheduleFile('some.json', {
      reallocations: [
        { date: '2020-06-01', target: 0.6 },
        { date: '2020-09-01', change: 0.1 },
      ],
    });
    const out = join(TMP, 'missing', 'deeper', 'eval');
    const r = runCli(['evaluate', '--checkpoint', dir, '--trade', TRADE, '--ratio-schedule', some, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /warning: --ratio-schedule .*some\.json: the reallocation on 2020-09-01 is after the period's last trading day 2020-06-29: it never fires/,
    );
    expect(JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')).warnings.join('\n')).toMatch(/2020-09-01 .* never fires/);
    expect(existsSync(join(out, 'account.csv'))).toBe(true);
  });

  it('evaluate: an --out that is a file is one line naming the flag', () => {
    const file = join(TMP, 'a-file');
    writeFileSync(file, 'x');
    expectUserError(runCli(['evaluate', '--checkpoint', runFolder('good2'), '--trade', TRADE, '--out', file]), /--out .*a-file: exists and is not a folder/);
  });

  it('backtest --out and the parent of forecast --out are created when missing (as train and evaluate do)', () => {
    const bt = join(TMP, 'no', 'such', 'bt');
    const r = runCli(['backtest', '--strategy', 'equal-weight', '--trade', TRADE, '--out', bt]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(bt, 'metrics.json'))).toBe(true);
    const signals = join(TMP, 'no', 'such', 'fc', 'signals.jsonl');
    const f = runCli(['forecast', '--source', 'macro', '--provider', 'momentum', '--dates', '2020-05-01', '--out', signals]);
    expect(f.code, f.stderr).toBe(0);
    expect(existsSync(signals)).toBe(true);
  });

  it('backtest: a schedule with no event in the trade period is refused before any work', () => {
    const s = scheduleFile('bt-none.json', { reallocations: [{ date: '2019-03-01', target: 0.6 }] });
    expectUserError(
      runCli(['backtest', '--strategy', 'equal-weight', '--trade', TRADE, '--ratio-schedule', s, '--out', join(TMP, 'bt')]),
      /--ratio-schedule .*bt-none\.json: none of its 1 event\(s\) is dated inside the trade period 2020-05-01 … 2020-06-30/,
    );
    expect(existsSync(join(TMP, 'bt'))).toBe(false);
  });
});

describe('a corrupted bundled data file is refused by every command that reads it', () => {
  // A copy of the program with its own data/ (node_modules linked): the repository's data stays untouched.
  const COPY = join(TMP, 'repo');
  const prepare = () => {
    for (const d of ['bin', 'src', 'agents', 'env', 'overlays', 'scripts', 'data']) cpSync(join(REPO, d), join(COPY, d), { recursive: true });
    for (const f of ['package.json', 'tsconfig.json']) cpSync(join(REPO, f), join(COPY, f));
    symlinkSync(join(REPO, 'node_modules'), join(COPY, 'node_modules'), 'dir');
    // Still a valid file (it parses): one close changed by 0.1%.
    const path = join(COPY, 'data', 'dow30_daily_ohlcv.csv.gz');
    const text = gunzipSync(readFileSync(path)).toString('utf8');
    writeFileSync(
      path,
      gzipSync(text.replace(/\n(2015-06-01,AAPL,[^,]*,[^,]*,[^,]*,)([0-9.]+)/, (_, head, close) => `\n${head}${(Number(close) * 1.001).toFixed(4)}`)),
    );
  };
  const cli = (args: string[]) => {
    const r = spawnSync(process.execPath, [join(COPY, 'bin', 'marginlab.js'), ...args], {
      cwd: TMP,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('env rollout, evaluate, backtest, forecast and train each name the file', () => {
    prepare();
    const named = /dow30_daily_ohlcv\.csv\.gz does not match .*SHA256SUMS/;
    expectUserError(cli(['env', 'rollout', '--start', '2020-01-01', '--end', '2020-02-28']), named);
    expectUserError(cli(['evaluate', '--checkpoint', runFolder('good3'), '--trade', TRADE, '--out', join(TMP, 'e')]), named);
    expectUserError(cli(['backtest', '--strategy', 'equal-weight', '--trade', TRADE, '--out', join(TMP, 'b')]), named);
    expectUserError(
      cli(['train', '--algo', 'a2c', '--preset', 'margintrader', '--timesteps', '10', '--train', '2016-01-01:2016-03-31', '--out', join(TMP, 't')]),
      named,
    );
    const f = cli(['forecast', '--source', 'macro', '--provider', 'momentum', '--dates', '2020-05-01', '--out', join(TMP, 'f', 's.jsonl')]);
    expect(f.code).toBe(1);
    expect(f.stderr).toMatch(named);
  });
});
