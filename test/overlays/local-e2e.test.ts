/**
 * The whole path on the test's own tiny model: `forecast --provider local` → signals file → `compare
 * --signals` (kept small: one seed, 300 steps, the paper's agent only, no baselines). Skipped, with a
 * message, when the optional runtime is not installed (`npm run setup:local-llm`).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ForecastAnswerSchema } from '../../overlays/answer.ts';
import { locateRuntime, RUNTIME_INSTALL_HINT } from '../../overlays/providers/local-runtime.ts';
import { SignalRecordSchema } from '../../overlays/signals.ts';
import { CompareSchema, runCompare } from '../../agents/compare/index.ts';
import { REPO } from '../helpers/cli.ts';
import { forecastCli } from '../helpers/forecast-cli.ts';
import { writeTinyLlamaGguf } from '../helpers/gguf.ts';

const runtime = locateRuntime();
if (!runtime) console.warn(`skipping the local-llm end-to-end tests: ${RUNTIME_INSTALL_HINT}`);

const dir = mkdtempSync(join(tmpdir(), 'local-e2e-'));
const model = writeTinyLlamaGguf(join(dir, 'tiny.gguf'));
const DATES = 'quarterly:2020-05-01:2021-05-01';
const args = (out: string, extra: string[] = []) => [
  'forecast',
  '--source',
  'macro',
  '--provider',
  'local',
  '--model-file',
  model,
  '--threads',
  '1',
  '--dates',
  DATES,
  '--out',
  out,
  ...extra,
];
const lines = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const withoutLatency = (rs: Record<string, unknown>[]) => rs.map(({ latencyMs: _, ...r }) => r);

describe.skipIf(!runtime)('forecast --provider local → signals → compare --signals', () => {
  const out = join(dir, 'a', 'tiny.jsonl');

  it('every record validates; a second live run gives the same forecasts; a rerun from the cache makes zero model calls and the same bytes', async () => {
    const first = await forecastCli(args(out));
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/note: loaded tiny\.gguf on cpu \(1 threads, 8192-token context\)/);
    const records = lines(out);
    expect(records).toHaveLength(5);
    for (const r of records) {
      expect(SignalRecordSchema.safeParse(r).success).toBe(true);
      const { label, score, confidence, explanation, keyFactors } = r;
      expect(ForecastAnswerSchema.safeParse({ label, score, confidence, explanation, keyFactors }).success).toBe(true);
      expect(r.provider).toBe('local');
      expect((r.usage as { costUsd: number | null }).costUsd, 'a model run on this machine costs nothing').toBe(0);
      expect(r.model).toMatch(/^tiny \(tiny\.gguf, \d+ bytes, sha256:[0-9a-f]{64}, node-llama-cpp \d+\.\d+\.\d+\)$/);
    }

    // An independent live run (fresh cache): the same forecasts; only the measured latency differs.
    const other = join(dir, 'b', 'tiny.jsonl');
    expect((await forecastCli(args(other))).code).toBe(0);
    expect(withoutLatency(lines(other))).toEqual(withoutLatency(records));

    // Replay: the same command into a new signals file with the first run's cache. Nothing is loaded.
    const replay = join(dir, 'c', 'tiny.jsonl');
    const again = await forecastCli(args(replay, ['--cache', join(dir, 'a', 'llm-cache')]));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/loaded tiny\.gguf/);
    expect(again.stderr).toMatch(/wrote 5 records .*\(0 failures, 5 from cache\)/);
    expect(readFileSync(replay, 'utf8')).toBe(readFileSync(out, 'utf8'));

    // Replay proper: no model file and no runtime needed, the records' model string names what is replayed.
    const replayed = join(dir, 'd', 'tiny.jsonl');
    const offline = await forecastCli([
      'forecast',
      '--source',
      'macro',
      '--provider',
      'replay',
      '--replay-provider',
      'local',
      '--model',
      String(records[0].model),
      '--dates',
      DATES,
      '--cache',
      join(dir, 'a', 'llm-cache'),
      '--out',
      replayed,
    ]);
    expect(offline.code, offline.stderr).toBe(0);
    expect(readFileSync(replayed, 'utf8')).toBe(readFileSync(out, 'utf8'));
  });

  it('a bad model file or missing flag is an error before any date (exit 1)', async () => {
    const r = await forecastCli([
      'forecast',
      '--source',
      'macro',
      '--provider',
      'local',
      '--model-file',
      join(dir, 'missing.gguf'),
      '--out',
      join(dir, 'x.jsonl'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: --model-file .*missing\.gguf does not exist/);
    const noFile = await forecastCli(['forecast', '--source', 'macro', '--provider', 'local', '--out', join(dir, 'y.jsonl')]);
    expect(noFile.code).toBe(1);
    expect(noFile.stderr).toMatch(/--provider local needs --model-file/);
  });

  it('Ctrl-C during a run keeps what was written and a rerun resumes to the same file', async () => {
    const dates = 'monthly:2020-05-01:2022-04-01';
    const cut = join(dir, 'cut', 'tiny.jsonl');
    const cli = (o: string) => [join(REPO, 'bin', 'marginlab.js'), ...args(o).slice(0, -4), '--dates', dates, '--out', o, '--concurrency', '1'];
    const child = spawn(process.execPath, cli(cut), { cwd: REPO, env: { ...process.env, FORCE_COLOR: '0' } });
    let stderr = '';
    let sent = false;
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        // Once: a second Ctrl-C after the run let go of its handler would kill the process outright.
        if (!sent && /\[3\/24\]/.test(stderr)) sent = child.kill('SIGINT');
      });
      child.on('exit', (c) => resolve(c));
    });
    expect(code, stderr).toBe(130);
    const kept = lines(cut).length;
    expect(kept).toBeGreaterThanOrEqual(3);
    expect(kept).toBeLessThan(24);
    const resumed = await forecastCli([...args(cut).slice(0, -4), '--dates', dates, '--out', cut]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(new RegExp(`resuming .*: ${kept} dates already written, ${24 - kept} to go`));
    const whole = join(dir, 'whole', 'tiny.jsonl');
    expect((await forecastCli([...args(whole).slice(0, -4), '--dates', dates, '--out', whole, '--cache', join(dir, 'cut', 'llm-cache')])).code).toBe(0);
    expect(readFileSync(cut, 'utf8')).toBe(readFileSync(whole, 'utf8'));
  });

  it('compare --signals trades the local model’s schedule as an arm', async () => {
    const res = await runCompare(
      CompareSchema.parse({
        seeds: [3],
        timesteps: 300,
        agents: ['paper'],
        trade: '2020-05-01:2021-06-30',
        overlays: [],
        baselines: [],
        baselineOverlays: [],
        signals: [`tiny=${out}`],
        backend: 'cpu',
        out: join(dir, 'compare'),
      }),
    );
    expect(Object.keys(res.perSeed)).toContain('paper/overlay:tiny');
    expect(readFileSync(join(dir, 'compare', 'forecasts', 'tiny.jsonl'), 'utf8')).toContain('"provider":"local"');
  });
});
