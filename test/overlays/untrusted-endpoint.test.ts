/**
 * The LLM endpoint is untrusted: a loopback server that echoes the key, sends failures, huge replies,
 * malformed usage, non-JSON bodies; a base URL that is not one. Each case is one the client got wrong
 * before: the key reached stderr and files, failures were cached and replayed, the cache served one
 * server's answers for another's, a 60 MB reply was kept twice, a bad token count aborted the run, a
 * bad base URL failed per date, a non-JSON 200 said "no message content".
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Context, ContextSource } from '../../overlays/context/types.ts';
import { parseDecisionDates } from '../../overlays/dates.ts';
import { CACHE_FILE, cacheKey, RecordingTransport, ReplayTransport, ResponseCache } from '../../overlays/providers/cache.ts';
import { LlmForecaster, defaultChatParams } from '../../overlays/providers/llm.ts';
import { OpenAITransport, type OpenAITransportOptions } from '../../overlays/providers/openai.ts';
import { redactor } from '../../overlays/providers/redact.ts';
import { ConfigurationError, FatalProviderError } from '../../overlays/providers/transport.ts';
import { buildMessages, promptHash } from '../../overlays/prompts.ts';
import { runForecasts } from '../../overlays/run.ts';
import { readSignals } from '../../overlays/signals.ts';
import { forecastCli } from '../helpers/forecast-cli.ts';
import { startMockLlmServer, type ChatBody, type MockLlmServer, type MockReply } from '../helpers/mock-llm-server.ts';

const KEY = 'sk-ECHO-me-if-you-dare-9f8e7d6c5b4a';
const B64_KEY = Buffer.from(KEY).toString('base64').replace(/=+$/, '');
const B64_BEARER = Buffer.from(`Bearer ${KEY}`).toString('base64').replace(/=+$/, '');
const REPO = join(import.meta.dirname, '..', '..');

const source: ContextSource = {
  name: 'macro',
  pointInTime: true,
  build: (asOf): Context => ({ source: 'macro', asOf, pointInTime: true, title: 'Synthetic macro', body: `rates on ${asOf}` }),
};
const dates = parseDecisionDates('quarterly:2020-05-01:2024-02-01');
const params = defaultChatParams('gpt-4o-mini', 'json');
const answer = (label = 'Bullish', explanation = 'steady growth', keyFactors: string[] = ['growth']) => ({
  content: JSON.stringify({ label, confidence: 0.6, explanation, keyFactors }),
});
const dateOf = (body: ChatBody) => /rates on (\d{4}-\d\d-\d\d)/.exec(body.messages[1].content)?.[1] ?? '?';

let server: MockLlmServer;
let dir: string;
beforeAll(async () => {
  server = await startMockLlmServer();
  dir = mkdtempSync(join(tmpdir(), 'marginlab-untrusted-'));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
const sub = (name: string) => join(dir, `${name}-${n++}`);

function transport(baseURL: string, o: Partial<OpenAITransportOptions> = {}) {
  return new OpenAITransport({ apiKey: KEY, baseURL, concurrency: 4, retry: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 3 }, timeoutMs: 20_000, ...o });
}
function recording(cacheDir: string, baseURL = server.baseURL, o: Partial<OpenAITransportOptions> = {}) {
  return new LlmForecaster(new RecordingTransport(transport(baseURL, o), new ResponseCache(cacheDir, true)), { format: 'json', params, modelCutoff: null });
}
function replaying(cacheDir: string, endpoint?: string) {
  return new LlmForecaster(new ReplayTransport(new ResponseCache(cacheDir, false), 'openai', endpoint), { format: 'json', params, modelCutoff: null });
}
const run = (forecaster: LlmForecaster, out: string, ds: readonly string[] = dates) =>
  runForecasts({ dates: ds, source, forecaster, format: 'json', out, concurrency: 4 });

function hitsFor(date: string, from: number): number {
  return server.requests.filter((r) => r.hit >= from && dateOf(r.body) === date).length;
}

function allFiles(root: string): string[] {
  return readdirSync(root).flatMap((f) => {
    const p = join(root, f);
    return statSync(p).isDirectory() ? allFiles(p) : [p];
  });
}

describe('secrets: a server that echoes the key', () => {
  it('redacts the key, its encodings and any Authorization value', () => {
    const redact = redactor([KEY]);
    const text = `k=${KEY} u=${encodeURIComponent(KEY)} b=${B64_KEY} bb=${B64_BEARER} h="Authorization: Bearer ${KEY}" j={"authorization":"Bearer other-token-123"} t=Bearer abcdefgh123`;
    const out = redact(text);
    for (const s of [KEY, B64_KEY, B64_BEARER, 'other-token-123', 'abcdefgh123']) expect(out).not.toContain(s);
    expect(out).toContain('[REDACTED]');
    expect(redact('Slightly Bullish: no secrets here')).toBe('Slightly Bullish: no secrets here');
    // Idempotent: a replay re-redacts stored text without changing it.
    for (const t of [text, 'Authorization: Bearer x-123456', '"authorization": "tok"', `Authorization: ${KEY}`]) expect(redact(redact(t))).toBe(redact(t));
  });

  it('an answer stored by an older version with the key in it is redacted on replay', async () => {
    const root = mkdtempSync(join(tmpdir(), 'marginlab-old-leak-')); // not under `dir`: it plants the key on purpose
    const cache = join(root, 'cache');
    mkdirSync(cache, { recursive: true });
    const d = '2020-05-01';
    const messages = buildMessages(source.build(d), { format: 'json' });
    const text = JSON.stringify({ label: 'Flat', confidence: 0.5, explanation: `echoed Bearer ${KEY}`, keyFactors: [KEY] });
    writeFileSync(
      join(cache, CACHE_FILE),
      `${JSON.stringify({ key: cacheKey('openai', params, messages), provider: 'openai', model: params.model, promptHash: promptHash(messages), text, usage: { promptTokens: 1, completionTokens: 1 }, latencyMs: 1, createdAt: '2024-01-01T00:00:00.000Z' })}\n`,
    );
    const saved = process.env.OPENAI_API_KEY;
    process.env.OPENAI_API_KEY = KEY;
    try {
      await run(replaying(cache), join(root, 'replay.jsonl'), [d]);
    } finally {
      if (saved === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = saved;
    }
    const written = readFileSync(join(root, 'replay.jsonl'), 'utf8');
    expect(written).not.toContain(KEY);
    expect(readSignals(join(root, 'replay.jsonl')).latest[0]).toMatchObject({
      label: 'Flat',
      explanation: 'echoed Bearer [REDACTED]',
      keyFactors: ['[REDACTED]'],
    });
    rmSync(root, { recursive: true, force: true });
  });

  it('in a 400 body, a 500 message, an answer, an invalid answer, a non-JSON body, a usage field and a 401: in no file and no output', async () => {
    const seen = new Map<string, number>(); // prompt → date index (concurrency 1: dates in order)
    let phase = 1;
    server.setScript((body, _hit, req) => {
      const auth = req.authorization ?? '';
      const key = auth.replace(/^Bearer /, '');
      const echo = `auth=${auth}; key=${key}; b64=${Buffer.from(auth).toString('base64')}; uri=${encodeURIComponent(key)}`;
      if (phase === 3) return { status: 401, body: { error: { message: `Incorrect API key provided: ${key} (${auth})`, type: 'invalid_request_error' } } };
      const prompt = body.messages[1].content;
      if (!seen.has(prompt)) seen.set(prompt, seen.size);
      const i = seen.get(prompt)!;
      if (phase === 2) return answer();
      switch (i) {
        case 0:
          return { status: 400, body: { error: { message: `bad request from ${echo}`, type: 'invalid_request_error' } } };
        case 1:
          return answer('Bearish', `Your credentials: ${echo}`, [key, auth]);
        case 2:
          return { content: `{"label": "nonsense ${echo}"` };
        case 3:
          return { rawBody: `<html><body>Proxy error for ${echo}</body></html>`, contentType: 'text/html' };
        case 4:
          return { ...answer(), usage: { prompt_tokens: `${echo}`, completion_tokens: 3 } };
        default: {
          const retried = server.requests.filter((r) => r.body.messages[1].content === prompt).length;
          return retried <= 1 ? { status: 500, body: { error: { message: `upstream said ${echo}`, type: 'server_error' } } } : answer();
        }
      }
    });
    const out = join(sub('echo'), 'gpt.jsonl');
    const env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: server.baseURL };
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
      '--concurrency',
      '1',
      '--verbose',
      '--max-attempts',
      '3',
      '--dates',
      '2021-02-01,2021-05-01,2021-08-01,2021-11-01,2022-02-01,2022-05-01',
      '--out',
      out,
    ];
    const first = await spawnForecast(args, env);
    expect(first.code).toBe(2); // some dates failed
    expect(first.stderr).toMatch(/retry 2022-05-01: attempt 1 failed \(HTTP 500: 500 upstream said auth=Bearer \[REDACTED\]; key=\[REDACTED\]/);
    const records = readSignals(out).latest;
    expect(records.map((r) => r.failure === undefined)).toEqual([false, true, false, false, true, true]);
    expect(records[0].failure).toMatch(/HTTP 400: 400 bad request from auth=Bearer \[REDACTED\]; key=\[REDACTED\]/);
    expect(records[1].explanation).toBe('Your credentials: auth=Bearer [REDACTED]; key=[REDACTED]; b64=[REDACTED]; uri=[REDACTED]');
    expect(records[1].keyFactors).toEqual(['[REDACTED]', 'Bearer [REDACTED]']);
    expect(records[3].failure).toMatch(/not JSON/);
    expect(records[4].warnings?.[0]).toMatch(/usage\.prompt_tokens is "auth=Bearer \[REDACTED\]; key=\[REDACTED\]/);

    phase = 2; // the rerun retries the failed dates (nothing of them was cached) and they now succeed
    const second = await spawnForecast(args, env);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/resuming .*: 3 dates already written, 3 to go/);

    phase = 3;
    const denied = await spawnForecast([...args.slice(0, -1), join(sub('denied'), 'gpt.jsonl')], env);
    expect(denied.code).toBe(3);
    expect(denied.stderr).toMatch(/error: openai gpt-4o-mini, 2021-02-01: HTTP 401: 401 Incorrect API key provided: \[REDACTED\]/);

    // A prefix too: text cut before it was redacted would leak the start of the key.
    const secrets = [KEY, B64_KEY, B64_BEARER, encodeURIComponent(KEY), KEY.slice(0, 10)];
    for (const text of [first.stdout, first.stderr, second.stdout, second.stderr, denied.stdout, denied.stderr])
      for (const s of secrets) expect(text).not.toContain(s);
    const files = allFiles(dir);
    expect(files.some((f) => f.endsWith(CACHE_FILE))).toBe(true);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      for (const s of secrets) expect(text.includes(s), `${f} contains a form of the key`).toBe(false);
    }
  });
});

function spawnForecast(args: string[], env: Record<string, string>) {
  return new Promise<{ stdout: string; stderr: string; code: number | null }>((resolve) => {
    const child = spawn(process.execPath, ['bin/run-ts.js', 'test/overlays/fixtures/forecast-cli.ts', ...args], {
      cwd: REPO,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ stdout, stderr, code }));
  });
}

describe('caching: only what validated, keyed by endpoint', () => {
  it('a failed date is not cached: a rerun asks the endpoint again, and a replay misses instead of replaying the failure', async () => {
    let broken = true;
    server.setScript((body) => (dateOf(body) === '2020-08-01' && broken ? { content: '{"label": Bearish, oops' } : answer()));
    const root = sub('failure');
    const cache = join(root, 'cache');
    const out = join(root, 'gpt.jsonl');
    const s1 = await run(recording(cache), out);
    expect(s1.failures).toBe(1);
    expect(readFileSync(join(cache, CACHE_FILE), 'utf8')).not.toContain('oops');
    expect(new ResponseCache(cache, false).size).toBe(15);
    const miss = await run(replaying(cache), join(root, 'replay.jsonl'), ['2020-08-01']).catch((e) => e);
    expect(miss).toBeInstanceOf(FatalProviderError);
    expect(miss.message).toMatch(/replay cache miss for decision date 2020-08-01/);

    broken = false;
    const from = server.hits;
    const s2 = await run(recording(cache), out);
    expect(s2.written).toBe(1);
    expect(hitsFor('2020-08-01', from)).toBe(1);
    expect(server.hits - from).toBe(1);
    const f = readSignals(out);
    expect(f.latest.every((r) => r.failure === undefined)).toBe(true);
    // The failure stays in the file, before the success that superseded it.
    const aug = f.records.filter((r) => r.date === '2020-08-01');
    expect(aug.map((r) => r.failure === undefined)).toEqual([false, true]);
  });

  it('an invalid reply repaired in the second round is cached with its repair, and replays exactly', async () => {
    server.setScript((body) => (dateOf(body) === '2021-05-01' && body.messages.length === 2 ? { content: 'not json at all' } : answer('Flat')));
    const root = sub('repair');
    const cache = join(root, 'cache');
    await run(recording(cache), join(root, 'live.jsonl'));
    await run(replaying(cache), join(root, 'replay.jsonl'));
    expect(readFileSync(join(root, 'replay.jsonl'), 'utf8')).toBe(readFileSync(join(root, 'live.jsonl'), 'utf8'));
    expect(readSignals(join(root, 'replay.jsonl')).latest.find((r) => r.date === '2021-05-01')?.usage.requests).toBe(2);
  });

  it("one server's answers are never served for another's; a replay names the endpoint or finds it", async () => {
    const other = await startMockLlmServer({ script: () => answer('Strongly Bearish', 'the other server') });
    try {
      server.setScript(() => answer('Strongly Bullish', 'the first server'));
      const root = sub('endpoints');
      const cache = join(root, 'cache');
      await run(recording(cache, server.baseURL), join(root, 'a.jsonl'));
      await run(recording(cache, other.baseURL), join(root, 'b.jsonl'));
      expect(other.hits).toBe(16);
      expect(readSignals(join(root, 'b.jsonl')).latest.every((r) => r.label === 'Strongly Bearish')).toBe(true);

      await run(replaying(cache, server.baseURL), join(root, 'ra.jsonl'));
      expect(readFileSync(join(root, 'ra.jsonl'), 'utf8')).toBe(readFileSync(join(root, 'a.jsonl'), 'utf8'));
      await run(replaying(cache, other.baseURL), join(root, 'rb.jsonl'));
      expect(readFileSync(join(root, 'rb.jsonl'), 'utf8')).toBe(readFileSync(join(root, 'b.jsonl'), 'utf8'));
      const ambiguous = await run(replaying(cache), join(root, 'rx.jsonl')).catch((e) => e);
      expect(ambiguous).toBeInstanceOf(FatalProviderError);
      expect(ambiguous.message).toMatch(
        /holds answers to the same prompt from 2 endpoints \(.*127\.0\.0\.1.*127\.0\.0\.1.*\); say which to replay with --base-url or OPENAI_BASE_URL/,
      );
      const elsewhere = await run(replaying(cache, 'http://127.0.0.1:9/v1'), join(root, 'rc.jsonl')).catch((e) => e);
      expect(elsewhere.message).toMatch(
        /endpoint http:\/\/127\.0\.0\.1:9\/v1, .*the cache has this prompt's answer from http:\/\/127\.0\.0\.1:\d+\/v1, http:\/\/127\.0\.0\.1:\d+\/v1/,
      );
    } finally {
      await other.close();
    }
  });

  it('an old cache (entries without endpoint) still replays; a live run does not trust it and asks again', async () => {
    const root = sub('old-cache');
    const cache = join(root, 'cache');
    const lines = dates.map((d) => {
      const messages = buildMessages(source.build(d), { format: 'json' });
      return JSON.stringify({
        key: cacheKey('openai', params, messages),
        provider: 'openai',
        model: params.model,
        promptHash: promptHash(messages),
        text: JSON.stringify({ label: 'Fluctuating', confidence: 0.5, explanation: 'recorded long ago', keyFactors: [] }),
        usage: { promptTokens: 10, completionTokens: 5 },
        latencyMs: 321.5,
        createdAt: '2024-01-01T00:00:00.000Z',
      });
    });
    mkdirSync(cache, { recursive: true });
    writeFileSync(join(cache, CACHE_FILE), `${lines.join('\n')}\n`);
    await run(replaying(cache), join(root, 'replay.jsonl'));
    expect(readSignals(join(root, 'replay.jsonl')).latest.every((r) => r.label === 'Fluctuating' && r.latencyMs === 321.5)).toBe(true);
    const withUrl = await run(replaying(cache, server.baseURL), join(root, 'named.jsonl')).catch((e) => e);
    expect(withUrl.message).toMatch(/an endpoint it does not name \(an older cache\): replay without --base-url\/OPENAI_BASE_URL to use it/);

    server.setScript(() => answer('Bullish', 'asked again'));
    const from = server.hits;
    await run(recording(cache), join(root, 'live.jsonl'));
    expect(server.hits - from).toBe(16);
    // Now the prompt has an attributed answer: a replay naming no endpoint prefers it to the old one.
    await run(replaying(cache), join(root, 'replay2.jsonl'));
    expect(readSignals(join(root, 'replay2.jsonl')).latest.every((r) => r.label === 'Bullish')).toBe(true);
  });
});

describe('size: replies are capped', () => {
  it('a 60 MB reply fails that date alone: not retried, not repaired, not kept', async () => {
    server.setScript((body) => (dateOf(body) === '2022-08-01' ? { oversizedBytes: 60_000_000 } : answer()));
    const root = sub('huge');
    const cache = join(root, 'cache');
    const out = join(root, 'gpt.jsonl');
    const from = server.hits;
    const s = await run(recording(cache), out);
    expect(s.failures).toBe(1);
    expect(hitsFor('2022-08-01', from)).toBe(1);
    const rec = readSignals(out).latest.find((r) => r.date === '2022-08-01')!;
    expect(rec.failure).toMatch(
      /request failed: openai gpt-4o-mini, 2022-08-01: the reply is larger than the 1048576-byte cap \(\d+ bytes or more; see --max-reply-bytes\)/,
    );
    expect(rec.raw).toEqual([]);
    expect(statSync(out).size).toBeLessThan(50_000);
    expect(statSync(join(cache, CACHE_FILE)).size).toBeLessThan(50_000);
  });

  it('the cap is a parameter, holds for error bodies, and for a fetch other than the built-in one', async () => {
    server.setScript((body) => {
      const d = dateOf(body);
      if (d === '2020-05-01') return { content: 'x'.repeat(300_000) };
      if (d === '2020-08-01') return { rawBody: JSON.stringify({ error: { message: 'y'.repeat(300_000) } }), status: 400, contentType: 'application/json' };
      return answer();
    });
    for (const fetchImpl of [undefined, globalThis.fetch]) {
      const root = sub('cap');
      const f = recording(join(root, 'cache'), server.baseURL, { maxReplyBytes: 100_000, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
      const s = await run(f, join(root, 'gpt.jsonl'), ['2020-05-01', '2020-08-01', '2020-11-01']);
      expect(s.failures).toBe(2);
      const recs = readSignals(join(root, 'gpt.jsonl')).latest;
      for (const r of recs.slice(0, 2)) expect(r.failure).toMatch(/larger than the 100000-byte cap/);
      expect(recs[2].label).toBe('Bullish');
    }
  });
});

describe('a malformed usage field costs nothing but the cost figure', () => {
  it('negative, fractional, non-numeric or huge token counts keep the answer, warn, and replay the same', async () => {
    const bad: Record<string, MockReply> = {
      '2020-05-01': { ...answer(), usage: { prompt_tokens: -5, completion_tokens: 20 } },
      '2020-08-01': { ...answer(), usage: { prompt_tokens: 10, completion_tokens: 2.5 } },
      '2020-11-01': { ...answer(), usage: { prompt_tokens: '100', completion_tokens: 20 } },
      '2021-02-01': { ...answer(), usage: { prompt_tokens: 1e300, completion_tokens: 20 } },
      '2021-05-01': { ...answer(), usage: { prompt_tokens: null, completion_tokens: { n: 1 } } },
    };
    server.setScript((body) => bad[dateOf(body)] ?? answer());
    const root = sub('usage');
    const cache = join(root, 'cache');
    const out = join(root, 'gpt.jsonl');
    const s = await run(recording(cache), out);
    expect(s.failures).toBe(0);
    const recs = readSignals(out).latest;
    for (const r of recs) {
      expect(r.label).toBe('Bullish');
      if (r.date in bad) {
        expect(r.warnings?.[0]).toMatch(
          /^malformed token counts from the endpoint \(usage\.(prompt|completion)_tokens is .*, not a token count \(a non-negative integer\)\): counted as 0, cost unknown; the answer is kept$/,
        );
        expect(r.usage.costUsd).toBeNull();
      } else {
        expect(r.warnings).toBeUndefined();
        expect(r.usage).toMatchObject({ promptTokens: 100, completionTokens: 20 });
      }
    }
    expect(recs[0].warnings?.[0]).toContain('usage.prompt_tokens is -5');
    expect(recs[1].warnings?.[0]).toContain('usage.completion_tokens is 2.5');
    expect(recs[2].warnings?.[0]).toContain('usage.prompt_tokens is "100"');
    expect(recs[0].usage).toMatchObject({ promptTokens: 0, completionTokens: 20 });
    await run(replaying(cache), join(root, 'replay.jsonl'));
    expect(readFileSync(join(root, 'replay.jsonl'), 'utf8')).toBe(readFileSync(out, 'utf8'));
  });
});

describe('the base URL is configuration', () => {
  const bad: [string, RegExp][] = [
    ['not a url', /--base-url "not a url" is not a URL; expected http\(s\):\/\/host\[:port\]\[\/path\]/],
    ['ftp://127.0.0.1/v1', /--base-url "ftp:\/\/127\.0\.0\.1\/v1" has the unsupported scheme "ftp"/],
    ['file:///etc/passwd', /has the unsupported scheme "file"/],
    ['localhost:8080/v1', /has the unsupported scheme "localhost" \(did you mean "http:\/\/localhost:8080\/v1"\?\)/],
    ['', /--base-url "" is not a URL/],
    ['http://user:secret-pw@127.0.0.1/v1', /--base-url carries credentials \(user:password@host\)/],
    ['http://127.0.0.1:1/v1?api-key=1', /has a query or fragment/],
  ];

  it('an unusable one is refused when the transport is built, before any request', () => {
    for (const [url, message] of bad) {
      let err: unknown;
      try {
        new OpenAITransport({ apiKey: KEY, baseURL: url });
      } catch (e) {
        err = e;
      }
      expect(err, url).toBeInstanceOf(ConfigurationError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toContain('secret-pw');
    }
    expect(transport(`${server.baseURL}/`).endpoint).toBe(server.baseURL);
    expect(transport('HTTPS://API.Example.COM:443/v1/').endpoint).toBe('https://api.example.com/v1');
  });

  it('the command stops with exit 1 before any date: no record, no cache, no request', async () => {
    const saved = { key: process.env.OPENAI_API_KEY, url: process.env.OPENAI_BASE_URL };
    process.env.OPENAI_API_KEY = KEY;
    try {
      const root = sub('baseurl');
      const out = join(root, 'gpt.jsonl');
      const from = server.hits;
      const base = ['forecast', '--source', 'prices', '--provider', 'openai', '--model', 'gpt-4o-mini', '--model-cutoff', '2019-01', '--out', out];
      delete process.env.OPENAI_BASE_URL;
      const flag = await cli([...base, '--base-url', 'ftp://127.0.0.1/v1']);
      expect(flag.code).toBe(1);
      expect(flag.stderr).toMatch(/^error: --base-url "ftp:\/\/127\.0\.0\.1\/v1" has the unsupported scheme "ftp"/m);
      process.env.OPENAI_BASE_URL = 'localhost:1234';
      const env = await cli(base);
      expect(env.code).toBe(1);
      expect(env.stderr).toMatch(/^error: OPENAI_BASE_URL "localhost:1234" has the unsupported scheme "localhost"/m);
      const replay = await cli([...base.map((a) => (a === 'openai' ? 'replay' : a)), '--base-url', 'nope']);
      expect(replay.code).toBe(1);
      expect(replay.stderr).toMatch(/error: --base-url "nope" is not a URL/);
      expect(existsSync(root)).toBe(false);
      expect(server.hits).toBe(from);
    } finally {
      for (const [k, v] of [
        ['OPENAI_API_KEY', saved.key],
        ['OPENAI_BASE_URL', saved.url],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});

describe('a 200 that is not a chat completion says what it is', () => {
  it('HTML, broken JSON, a JSON array, an error object: each that date’s failure, not "no message content"', async () => {
    const replies: Record<string, MockReply> = {
      '2020-05-01': { rawBody: '<html><body>502 Bad Gateway</body></html>', contentType: 'text/html' },
      '2020-08-01': { rawBody: '{"choices": [', contentType: 'application/json' },
      '2020-11-01': { rawBody: '[1, 2, 3]', contentType: 'application/json' },
      '2021-02-01': { rawBody: JSON.stringify({ error: { message: 'model overloaded' } }), contentType: 'application/json' },
      '2021-05-01': { rawBody: '', contentType: 'application/json' },
    };
    server.setScript((body) => replies[dateOf(body)] ?? answer());
    const root = sub('nonjson');
    const from = server.hits;
    const s = await run(recording(join(root, 'cache')), join(root, 'gpt.jsonl'));
    expect(s.failures).toBe(5);
    const byDate = Object.fromEntries(readSignals(join(root, 'gpt.jsonl')).latest.map((r) => [r.date, r.failure ?? 'ok']));
    expect(byDate['2020-05-01']).toMatch(
      /answered HTTP 200 with a body that is not JSON \(content-type "text\/html", 41 bytes, starting "<html><body>502 Bad Gateway<\/body><\/html>"\)/,
    );
    expect(byDate['2020-08-01']).toMatch(/with a body that is not JSON \(content-type "application\/json", 13 bytes, starting "\{\\"choices\\": \["\)/);
    expect(byDate['2020-11-01']).toMatch(/answered HTTP 200 with JSON that is not a chat completion object \("\[1, 2, 3\]"\)/);
    expect(byDate['2021-02-01']).toMatch(/answered HTTP 200 with an error instead of a completion: "model overloaded"/);
    expect(byDate['2021-05-01']).toMatch(/with a body that is not JSON \(content-type "application\/json", 0 bytes\)/);
    for (const f of Object.values(byDate)) expect(f).not.toMatch(/no message content/);
    for (const d of Object.keys(replies)) expect(hitsFor(d, from)).toBe(1);
  });
});

const cli = forecastCli;
