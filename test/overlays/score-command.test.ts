/**
 * `marginlab score` wired end to end on the bundled data: in process (commander + the command) for most
 * cases, one real subprocess for the binary itself.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readScoreRecords } from '../../overlays/scoring/scores-file.ts';
import { acquireLock } from '../../src/lock.ts';
import type { CommandIo } from '../../scripts/commands/forecast.ts';
import { registerScoreCommand } from '../../scripts/commands/score.ts';
import { REPO, runCli } from '../helpers/cli.ts';
import { startMockLlmServer, type MockLlmServer } from '../helpers/mock-llm-server.ts';

async function scoreCli(args: string[], env: Record<string, string | undefined> = {}): Promise<{ stdout: string; stderr: string; code: number }> {
  let stdout = '';
  let stderr = '';
  const io: CommandIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTTY: false };
  const program = new Command('marginlab').exitOverride();
  registerScoreCommand(program, io);
  const saved = { exitCode: process.exitCode, env: Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]])) };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  process.exitCode = 0;
  try {
    await program.parseAsync(['node', 'marginlab', 'score', ...args]);
    return { stdout, stderr, code: Number(process.exitCode ?? 0) };
  } finally {
    process.exitCode = saved.exitCode;
    for (const [k, v] of Object.entries(saved.env)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const KEY = 'sk-test-SECRET-abcdef0123456789';
let dir: string;
let server: MockLlmServer;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'marginlab-score-cmd-'));
  // A hostile endpoint that echoes the key it was sent into its reasoning.
  server = await startMockLlmServer({
    script: (body, _hit, req) => ({
      content: JSON.stringify({
        fundamentals: 6,
        momentum: 7,
        sentiment: 5,
        risk: 4,
        reasoning: `auth was ${req.authorization}; ${body.messages[1].content.slice(9, 13)}`,
        confidence: 0.5,
        keyFactors: [],
      }),
    }),
  });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const SMALL = ['--dates', '2021-03-01,2021-04-01', '--tickers', 'AAPL,MSFT,KO'];

describe('marginlab score', () => {
  it('momentum on the bundled data: exit 0, summary on stderr, --evaluate on stdout, resumable', async () => {
    const out = join(dir, 'm', 'scores.jsonl');
    const r = await scoreCli(['--provider', 'momentum', ...SMALL, '--evaluate', '--out', out]);
    expect(r.stderr).toMatch(/wrote 6 records to .*scores\.jsonl \(0 failures, 0 from cache\), skipped 0 already scored/);
    expect(r.code).toBe(0);
    const q = JSON.parse(r.stdout).scoreQuality;
    expect(q.horizon).toBe('next');
    expect(q.rankIc.n).toBe(1);
    expect(readScoreRecords(out).map((x) => `${x.date} ${x.ticker}`)).toEqual([
      '2021-03-01 AAPL',
      '2021-03-01 KO',
      '2021-03-01 MSFT',
      '2021-04-01 AAPL',
      '2021-04-01 KO',
      '2021-04-01 MSFT',
    ]);
    const again = await scoreCli(['--provider', 'momentum', ...SMALL, '--out', out]);
    expect(again.stderr).toMatch(/skipped 6 already scored/);
  });

  it('input errors exit 1 before anything runs; a missing key exits 3; a held file exits 75', async () => {
    const out = join(dir, 'e.jsonl');
    const personas = await scoreCli(['--provider', 'momentum', ...SMALL, '--personas', 'value', '--out', out]);
    expect(personas.code).toBe(1);
    expect(personas.stderr).toMatch(/the momentum scorer has no personas/);
    const bad = await scoreCli(['--provider', 'momentum', '--dates', '2021-03-01', '--tickers', 'NOPE', '--out', out]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/NOPE/);
    const noModel = await scoreCli(['--provider', 'openai', ...SMALL, '--out', out]);
    expect(noModel.code).toBe(1);
    const noKey = await scoreCli(['--provider', 'openai', '--model', 'gpt-4o-mini', ...SMALL, '--out', out], {
      OPENAI_API_KEY: undefined,
      OPENAI_BASE_URL: undefined,
    });
    expect(noKey.code).toBe(3);
    expect(noKey.stderr).toMatch(/OPENAI_API_KEY/);
    expect(existsSync(out)).toBe(false);
    const lock = acquireLock(out, { what: 'scores file' });
    try {
      const held = await scoreCli(['--provider', 'random', ...SMALL, '--out', out]);
      expect(held.code).toBe(75);
      expect(held.stderr).toMatch(/in use by pid/);
    } finally {
      lock.release();
    }
  });

  it('openai through the SDK, then replay: zero calls, the same bytes; the key never reaches a file or the output', async () => {
    const out = join(dir, 'llm', 'live.jsonl');
    const cache = join(dir, 'llm', 'cache');
    const common = ['--model', 'gpt-4o-mini', ...SMALL, '--personas', 'analyst,contrarian', '--cache', cache, '--concurrency', '4'];
    const live = await scoreCli(['--provider', 'openai', ...common, '--base-url', server.baseURL, '--out', out], { OPENAI_API_KEY: KEY });
    expect(live.code).toBe(0);
    expect(live.stderr).toMatch(/wrote 12 records .* 12 requests, 1200 prompt \+ 240 completion tokens, cost \$/);
    expect(live.stderr).toMatch(/parametric look-ahead/);
    const hits = server.hits;
    const replayOut = join(dir, 'llm', 'replay.jsonl');
    const replay = await scoreCli(['--provider', 'replay', ...common, '--out', replayOut], { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: undefined });
    expect(replay.code).toBe(0);
    expect(replay.stderr).toMatch(/12 from cache/);
    expect(server.hits).toBe(hits);
    expect(readFileSync(replayOut, 'utf8')).toBe(readFileSync(out, 'utf8'));
    for (const text of [readFileSync(out, 'utf8'), readFileSync(join(cache, 'responses.jsonl'), 'utf8'), live.stderr, live.stdout, replay.stderr])
      expect(text).not.toContain('SECRET-abcdef');
    expect(readScoreRecords(out)[0].reasoning).toMatch(/auth was Bearer \[REDACTED\]/);
  });

  it('--dry-run prints each persona prompt with the data fenced, and writes nothing', async () => {
    const out = join(dir, 'dry.jsonl');
    const r = await scoreCli(
      [
        '--provider',
        'openai',
        '--model',
        'gpt-4o-mini',
        '--dates',
        '2015-06-01',
        '--tickers',
        'AAPL,KO',
        '--personas',
        'value,contrarian',
        '--dry-run',
        '--out',
        out,
      ],
      { OPENAI_API_KEY: undefined },
    );
    expect(r.code).toBe(0);
    expect(r.stdout.match(/^===== 2015-06-01 /gm)).toHaveLength(4);
    expect(r.stdout).toMatch(/Persona: contrarian\./);
    expect(r.stdout).toMatch(/<<<DATA [0-9a-f]{12}\nAsset: AAPL/);
    expect(r.stdout).toMatch(/News about AAPL from 2015-05-02 to before 2015-06-01/);
    expect(existsSync(out)).toBe(false);
  });

  it('SIGTERM stops the binary cleanly: exit 143, records kept and sorted, the lock released (subprocess)', async () => {
    const slow = await startMockLlmServer({
      latencyMs: 400,
      script: () => ({ content: JSON.stringify({ fundamentals: 5, momentum: 5, sentiment: 5, risk: 5, reasoning: 'slow', confidence: 0.5, keyFactors: [] }) }),
    });
    const out = join(dir, 'term', 'scores.jsonl');
    try {
      const child = spawn(
        process.execPath,
        [
          join(REPO, 'bin', 'marginlab.js'),
          'score',
          '--provider',
          'openai',
          '--model',
          'gpt-4o-mini',
          '--base-url',
          slow.baseURL,
          '--dates',
          '2021-03-01,2021-04-01',
          '--concurrency',
          '2',
          '--out',
          out,
        ],
        {
          env: { ...process.env, OPENAI_API_KEY: 'sk-test-term-0123456789', FORCE_COLOR: '0' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      let sent = false;
      child.stderr.on('data', (d: Buffer) => {
        stderr += d;
        if (!sent && /\[2\/54\]/.test(stderr)) sent = child.kill('SIGTERM');
      });
      const code = await new Promise<number | null>((ok) => child.on('exit', (c) => ok(c)));
      expect(stderr).toMatch(/interrupt: stopping on SIGTERM/);
      expect(code).toBe(143);
      const recs = readScoreRecords(out);
      expect(recs.length).toBeGreaterThanOrEqual(2);
      expect(recs.length).toBeLessThan(54);
      const keys = recs.map((r) => `${r.date} ${r.ticker}`);
      expect(keys).toEqual([...keys].sort());
      expect(existsSync(`${out}.lock`)).toBe(false);
    } finally {
      await slow.close();
    }
  });

  it('the binary: marginlab score --provider random (one subprocess)', () => {
    const out = join(dir, 'bin', 'random.jsonl');
    const r = runCli(['score', '--provider', 'random', '--seed', '3', ...SMALL, '--personas', 'analyst,value', '--out', out]);
    expect(r.stderr).toMatch(/wrote 12 records/);
    expect(r.code).toBe(0);
    expect(readScoreRecords(out).every((x) => x.model === 'random-seed3')).toBe(true);
  });
});
