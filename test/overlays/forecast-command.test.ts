/**
 * `marginlab forecast` end to end: offline runs on the bundled data, resume, dry-run, a live run against
 * the loopback server in a separate process (secrets never leak), and Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forecastCli } from '../helpers/forecast-cli.ts';
import { readSignals } from '../../overlays/signals.ts';
import { startMockLlmServer, type MockLlmServer } from '../helpers/mock-llm-server.ts';

const FAKE_KEY = 'sk-FAKE-marginlab-secret-7f3a9c1e5b';

let dir: string;
let server: MockLlmServer;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'marginlab-cli-'));
  server = await startMockLlmServer();
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const cli = forecastCli;

function spawnCli(args: string[], env: Record<string, string>, onStart?: (child: ReturnType<typeof spawn>) => void) {
  return new Promise<{ stdout: string; stderr: string; code: number | null }>((resolve) => {
    const child = spawn(process.execPath, ['bin/run-ts.js', 'test/overlays/fixtures/forecast-cli.ts', ...args], {
      cwd: join(import.meta.dirname, '..', '..'),
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ stdout, stderr, code }));
    onStart?.(child);
  });
}

function allFiles(root: string): string[] {
  return readdirSync(root).flatMap((n) => {
    const p = join(root, n);
    return statSync(p).isDirectory() ? allFiles(p) : [p];
  });
}

describe('forecast command, offline', () => {
  it('writes one record per date, prints plain progress lines off a TTY, and resumes', async () => {
    const out = join(dir, 'momentum.jsonl');
    const r = await cli(['forecast', '--source', 'prices', '--provider', 'momentum', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^\[1\/16\] 2020-\d\d-01 /m);
    expect(r.stderr).toMatch(/wrote 16 records/);
    expect(readSignals(out).latest).toHaveLength(16);

    // Simulate a crash after 5 records, with a half-written sixth line.
    const lines = readFileSync(out, 'utf8').split('\n').filter(Boolean);
    writeFileSync(out, lines.slice(0, 5).join('\n') + '\n');
    appendFileSync(out, lines[5].slice(0, 40));
    const again = await cli(['forecast', '--source', 'prices', '--provider', 'momentum', '--out', out]);
    expect(again.stderr).toMatch(/resuming .*: 5 dates already written, 11 to go/);
    const f = readSignals(out);
    expect(f.records).toHaveLength(16);
    const byDate = (rs: { date: string; label: string | null }[]) => Object.fromEntries(rs.map((x) => [x.date, x.label]));
    expect(byDate(f.latest)).toEqual(byDate(lines.map((l) => JSON.parse(l))));
    const third = await cli(['forecast', '--source', 'prices', '--provider', 'momentum', '--out', out]);
    expect(third.stderr).toMatch(/wrote 0 records .* skipped 16/);
  });

  it('refuses to extend a file written by another configuration', async () => {
    const out = join(dir, 'momentum.jsonl');
    const r = await cli(['forecast', '--source', 'macro', '--provider', 'constant', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: .*momentum\.jsonl already holds signals from provider momentum.*differs in provider, model, source/);
  });

  it('--dry-run prints the paper prompt verbatim and needs no key or network', async () => {
    const out = join(dir, 'dry.jsonl');
    const r = await cli([
      'forecast',
      '--source',
      'paper-macro',
      '--provider',
      'openai',
      '--model',
      'gpt-4o-2024-05-13',
      '--dates',
      '2020-05-01',
      '--out',
      out,
      '--dry-run',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /===== 2020-05-01 \(paper-macro, asOf 2020-05-01, not point-in-time \(the original prompts contain look-ahead, see docs\/mechanics\.md#look-ahead-in-the-prompts\)\) =====/,
    );
    expect(r.stdout).toContain(
      "Please predict the overall trend of the next half year's DJIA 30 index.\nOnly output: Strongly Bullish, Bullish, Slightly Bullish, Flat, Fluctuating, Slightly Bearish, Bearish, Strongly Bearish\nSimple explanation:",
    );
    expect(() => statSync(out)).toThrow();
  });

  it('flag errors say which flag and what is expected', async () => {
    // Flags are validated by the command's schema (scripts/schema-flags.ts) and reported as one line, exit 1.
    const bad = await cli(['forecast', '--source', 'prices', '--provider', 'gpt', '--out', 'x']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/error: --provider: unknown provider "gpt"/);
    const r = await cli(['forecast', '--source', 'news', '--provider', 'momentum', '--out', join(dir, 'n.jsonl')]);
    expect(r.stderr).toMatch(/error: --source news needs --news FILE/);
  });
});

describe('forecast command, live against the loopback server (separate process)', () => {
  it('records, replays with zero calls, warns about look-ahead, and never writes or logs the key', async () => {
    const out = join(dir, 'live', 'gpt.jsonl');
    // A failure, a retry and a repair along the way, so error paths are exercised too.
    server.setScript((body, hit) => {
      if (hit === 0) return { status: 500 };
      if (body.messages[1].content.includes('2019-11-01') && body.messages.length === 2) return { content: 'I will not say.' };
      return { content: 'Bullish\n\nSimple explanation: growth.' };
    });
    const env = { OPENAI_API_KEY: FAKE_KEY, OPENAI_BASE_URL: server.baseURL, OPENAI_LOG: 'debug' };
    const base = ['forecast', '--source', 'paper-macro', '--provider', 'openai', '--model', 'gpt-4o-2024-05-13', '--concurrency', '4', '--verbose'];
    const args = [...base, '--out', out];
    const first = await spawnCli(args, env);
    expect(first.stderr).toMatch(
      /warning: parametric look-ahead: 14 of 16 decision dates \(2020-05-01 … 2023-08-01\) fall before the knowledge cutoff 2023-10 of model gpt-4o-2024-05-13/,
    );
    expect(first.stderr).toMatch(/note: --source paper-macro is not point-in-time/);
    expect(first.stderr).toMatch(/retry 20\d\d-\d\d-01: attempt 1 failed \(HTTP 500/);
    expect(first.code).toBe(0);
    const hits = server.hits;
    const records = readSignals(out).latest;
    expect(records).toHaveLength(16);
    expect(records.every((r) => r.label === 'Bullish' && r.modelCutoff?.month === '2023-10' && r.pointInTime === false)).toBe(true);
    expect(records[0].usage.requests).toBe(2); // 2020-05-01 (rows from 2019-11-01) needed a repair

    const replayOut = join(dir, 'live', 'replay.jsonl');
    const replay = await spawnCli(
      [
        'forecast',
        '--source',
        'paper-macro',
        '--provider',
        'replay',
        '--model',
        'gpt-4o-2024-05-13',
        '--out',
        replayOut,
        '--cache',
        join(dir, 'live', 'llm-cache'),
      ],
      {},
    );
    expect(replay.code).toBe(0);
    expect(server.hits).toBe(hits);
    expect(readSignals(replayOut).latest).toEqual(records);
    // Live (completion order, a retry, a repair) and replay (from the cache) end as the same bytes.
    expect(readFileSync(replayOut, 'utf8')).toBe(readFileSync(out, 'utf8'));

    // Bad credentials stop the run; the message must not echo the key either.
    server.setScript(() => ({ status: 401, body: { error: { message: 'Incorrect API key provided: sk-FAKE***', type: 'invalid_request_error' } } }));
    // Another folder, so the cache next to it is empty and the request goes out.
    const denied = await spawnCli([...base, '--out', join(dir, 'denied', 'gpt.jsonl')], env);
    expect(denied.code).toBe(3);
    expect(denied.stderr).toMatch(/error: openai gpt-4o-2024-05-13, 2020-\d\d-01: HTTP 401/);

    for (const text of [first.stdout, first.stderr, replay.stdout, replay.stderr, denied.stdout, denied.stderr]) expect(text).not.toContain(FAKE_KEY);
    const files = allFiles(dir);
    expect(files.length).toBeGreaterThan(3);
    for (const f of files) expect(readFileSync(f, 'utf8').includes(FAKE_KEY), f).toBe(false);
    // The key did reach the server, in the Authorization header only.
    expect(server.requests.every((r) => r.authorized && !JSON.stringify(r.body).includes(FAKE_KEY))).toBe(true);
  });

  it('--robustness k reruns with shuffled label orders and reports mean |Δscore|', async () => {
    // A model that picks the first label it is offered: maximally sensitive to the order.
    server.setScript((body) => {
      const offered = /"label": one of ("[^"]+")/.exec(body.messages[0].content)![1];
      return { content: JSON.stringify({ label: JSON.parse(offered), confidence: 1, explanation: 'first option', keyFactors: [] }) };
    });
    const saved = { key: process.env.OPENAI_API_KEY, url: process.env.OPENAI_BASE_URL };
    process.env.OPENAI_API_KEY = FAKE_KEY;
    process.env.OPENAI_BASE_URL = server.baseURL;
    try {
      const out = join(dir, 'robust', 'r.jsonl');
      const r = await cli([
        'forecast',
        '--source',
        'prices',
        '--provider',
        'openai',
        '--model',
        'm',
        '--model-cutoff',
        '2019-01',
        '--dates',
        '2021-02-01,2021-05-01',
        '--out',
        out,
        '--robustness',
        '2',
        '--seed',
        '5',
      ]);
      expect(r.code).toBe(0);
      const report = JSON.parse(r.stdout.trim()) as { robustness: { meanAbsDelta: number; runs: { labelOrder: string[]; compared: number }[] } };
      expect(report.robustness.runs).toHaveLength(2);
      expect(report.robustness.runs.every((x) => x.compared === 2 && x.labelOrder.length === 8)).toBe(true);
      const shuffled = readSignals(join(dir, 'robust', 'r.shuffle1.jsonl')).latest;
      const expected = Math.abs(3 - shuffled[0].score!);
      expect(report.robustness.runs[0]).toMatchObject({ meanAbsDelta: expected });
      expect(readSignals(out).latest.every((x) => x.label === 'Strongly Bullish' && x.labelOrder === undefined)).toBe(true);
    } finally {
      if (saved.key === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = saved.key;
      if (saved.url === undefined) delete process.env.OPENAI_BASE_URL;
      else process.env.OPENAI_BASE_URL = saved.url;
    }
  });

  it('Ctrl-C keeps every record written, exits 130, and a rerun finishes the rest', async () => {
    const out = join(dir, 'sigint', 'gpt.jsonl');
    server.setScript(() => ({ content: '{"label":"Flat","confidence":0.5,"explanation":"calm","keyFactors":[]}', delayMs: 250 }));
    const env = { OPENAI_API_KEY: FAKE_KEY, OPENAI_BASE_URL: server.baseURL };
    const args = [
      'forecast',
      '--source',
      'prices',
      '--provider',
      'openai',
      '--model',
      'gpt-4o-mini',
      '--model-cutoff',
      '2023-10',
      '--out',
      out,
      '--concurrency',
      '2',
    ];
    const interrupted = await spawnCli(args, env, (child) => {
      child.stderr!.on('data', (d: Buffer) => {
        if (/\[4\/16\]/.test(String(d))) child.kill('SIGINT');
      });
    });
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toMatch(/interrupt: stopping/);
    const kept = readSignals(out);
    expect(kept.partialLastLine).toBe(false);
    expect(kept.records.length).toBeGreaterThanOrEqual(4);
    expect(kept.records.length).toBeLessThan(16);
    const finished = await spawnCli(args, env);
    expect(finished.code).toBe(0);
    expect(finished.stderr).toMatch(new RegExp(`resuming .*: ${kept.records.length} dates already written`));
    expect(readSignals(out).latest).toHaveLength(16);
    expect(readSignals(out).records).toHaveLength(16);
  });
});
