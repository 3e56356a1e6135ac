/**
 * One writer per signals file, through the real CLI (`node bin/marginlab.js forecast`): a second run on the
 * same --out is refused naming the holder, nothing is written or paid for twice; a stale lock (dead pid,
 * this host) is taken over; another host's lock is not.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forecastCli } from '../helpers/forecast-cli.ts';
import { readSignals } from '../../overlays/signals.ts';
import { startMockLlmServer, type MockLlmServer } from '../helpers/mock-llm-server.ts';

const REPO = join(import.meta.dirname, '..', '..');
const FAKE_KEY = 'sk-FAKE-lock-test-5d1c0b9a77';
const ANSWER = JSON.stringify({ label: 'Bullish', confidence: 0.7, explanation: 'steady', keyFactors: ['trend'] });

let dir: string;
let server: MockLlmServer;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'marginlab-concurrent-'));
  server = await startMockLlmServer();
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function marginlab(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['bin/marginlab.js', ...args], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', FORCE_COLOR: '0', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done };
}

const cli = forecastCli;

async function until(cond: () => boolean, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('two forecast runs on one --out', () => {
  it('the second is refused naming the holder; 16 dates are asked and written once', async () => {
    const out = join(dir, 'live', 'gpt.jsonl');
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    // The server holds every answer until the second run has been turned away.
    server.setScript(() => ({ content: ANSWER, waitFor: gate }));
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
      '2019-01',
      '--out',
      out,
      '--concurrency',
      '4',
    ];
    const hits0 = server.hits;
    const first = marginlab(args, env);
    await until(() => server.hits > hits0);
    expect(existsSync(`${out}.lock`)).toBe(true);

    const second = await marginlab(args, env).done;
    expect(second.code).toBe(75);
    expect(second.stderr).toMatch(
      new RegExp(
        `error: signals file .*gpt\\.jsonl is in use by pid ${first.child.pid} on host ${hostname().replace(/\./g, '\\.')} since \\d{4}-\\d\\d-\\d\\dT[^ ]+ \\(marginlab forecast .*\\); ` +
          `wait for it to finish, or remove .*gpt\\.jsonl\\.lock if that process is gone`,
      ),
    );
    open();
    const done = await first.done;
    expect(done.code).toBe(0);
    expect(server.hits - hits0).toBe(16); // nothing paid twice
    const f = readSignals(out);
    expect(f.records).toHaveLength(16); // nothing written twice
    expect(existsSync(`${out}.lock`)).toBe(false);
    // Nothing of the refused run is left behind, and the cache holds each answer once.
    expect(readdirSync(join(dir, 'live')).sort()).toEqual(['gpt.jsonl', 'llm-cache']);
    expect(readdirSync(join(dir, 'live', 'llm-cache'))).toEqual(['responses.jsonl']);
    expect(
      readFileSync(join(dir, 'live', 'llm-cache', 'responses.jsonl'), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(16);

    const third = await marginlab(args, env).done;
    expect(third.code).toBe(0);
    expect(third.stderr).toMatch(/wrote 0 records .* skipped 16 already written/);
  });

  it('SIGTERM stops a run like Ctrl-C: records kept in date order, the lock released, exit 143', async () => {
    const out = join(dir, 'term', 'gpt.jsonl');
    server.setScript(() => ({ content: ANSWER, delayMs: 150 }));
    const run = marginlab(
      ['forecast', '--source', 'prices', '--provider', 'openai', '--model', 'gpt-4o-mini', '--model-cutoff', '2019-01', '--out', out, '--concurrency', '2'],
      { OPENAI_API_KEY: FAKE_KEY, OPENAI_BASE_URL: server.baseURL },
    );
    run.child.stderr!.on('data', (d: Buffer) => {
      if (/\[3\/16\]/.test(String(d))) run.child.kill('SIGTERM');
    });
    const r = await run.done;
    expect(r.code).toBe(143);
    expect(r.stderr).toMatch(/interrupt: stopping on SIGTERM; records already written are kept/);
    expect(existsSync(`${out}.lock`)).toBe(false);
    const kept = readSignals(out).records.map((x) => x.date);
    expect(kept.length).toBeGreaterThanOrEqual(3);
    expect(kept.length).toBeLessThan(16);
    expect(kept).toEqual([...kept].sort());
  });

  it('a stale lock (this host, the process is gone) is taken over, with a note', async () => {
    const out = join(dir, 'stale.jsonl');
    const dead = spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore' }).pid!;
    writeFileSync(`${out}.lock`, JSON.stringify({ host: hostname(), pid: dead, started: '2026-01-01T00:00:00.000Z', command: 'marginlab forecast (killed)' }));
    const r = await cli(['forecast', '--source', 'prices', '--provider', 'momentum', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      `note: took over the lock of ${out} left by pid ${dead} on this host (started 2026-01-01T00:00:00.000Z), which is no longer running`,
    );
    expect(readSignals(out).records).toHaveLength(16);
    expect(existsSync(`${out}.lock`)).toBe(false);
  });

  it("another host's lock is not taken over: the run stops before reading or writing anything", async () => {
    const out = join(dir, 'foreign.jsonl');
    const lock = JSON.stringify({
      host: 'gpu-node-7.example',
      pid: 31337,
      started: '2026-02-02T02:02:02.000Z',
      command: 'marginlab forecast --out foreign.jsonl',
    });
    writeFileSync(`${out}.lock`, lock);
    const r = await cli(['forecast', '--source', 'prices', '--provider', 'momentum', '--out', out]);
    expect(r.code).toBe(75);
    expect(r.stderr).toMatch(/error: signals file .*foreign\.jsonl is in use by pid 31337 on host gpu-node-7\.example since 2026-02-02T02:02:02\.000Z/);
    expect(r.stderr).toMatch(
      /cannot tell whether that process is still running, so the lock is not taken over: wait for it to finish, or remove .*foreign\.jsonl\.lock if it is gone/,
    );
    expect(existsSync(out)).toBe(false);
    expect(readFileSync(`${out}.lock`, 'utf8')).toBe(lock);
  });
});
