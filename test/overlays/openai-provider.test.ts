/**
 * The openai provider against a real loopback HTTP server, through the real `openai` client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Context } from '../../overlays/context/types.ts';
import { LlmForecaster, defaultChatParams } from '../../overlays/providers/llm.ts';
import { OpenAITransport } from '../../overlays/providers/openai.ts';
import { backoffDelayMs, DEFAULT_RETRY, retryAfterMs } from '../../overlays/providers/retry.ts';
import { FatalProviderError } from '../../overlays/providers/transport.ts';
import { startMockLlmServer, type MockLlmServer, type MockScript } from '../helpers/mock-llm-server.ts';

const FAKE_KEY = 'sk-test-FAKEKEY-0123456789';

const context: Context = {
  source: 'macro',
  asOf: '2021-05-01',
  pointInTime: true,
  title: 'US macroeconomic indicators',
  body: '- UNRATE (Unemployment rate, %): 2021-02: 6.2, 2021-03: 6.1',
};

let server: MockLlmServer;
beforeAll(async () => {
  server = await startMockLlmServer();
});
afterAll(() => server.close());

function forecaster(script: MockScript, opts: { format?: 'json' | 'paper'; timeoutMs?: number; maxAttempts?: number } = {}) {
  server.setScript(script);
  const format = opts.format ?? 'json';
  const transport = new OpenAITransport({
    apiKey: FAKE_KEY,
    baseURL: server.baseURL,
    timeoutMs: opts.timeoutMs ?? 5000,
    retry: { baseDelayMs: 10, maxDelayMs: 40, maxAttempts: opts.maxAttempts ?? 4 },
    concurrency: 2,
  });
  const f = new LlmForecaster(transport, { format, params: defaultChatParams('gpt-4o-mini', format), modelCutoff: null });
  return { f, transport, start: server.hits };
}

const json = (o: unknown) => ({ content: JSON.stringify(o) });
const valid = { label: 'Bearish', confidence: 0.8, explanation: 'Rates up.', keyFactors: ['rates'] };

describe('openai provider over loopback', () => {
  it('valid JSON → answer, temperature 0, JSON mode, key sent only in the header', async () => {
    const { f, start } = forecaster(() => json(valid));
    const o = await f.forecast({ date: '2021-05-01', context });
    expect(o.answer).toEqual({ label: 'Bearish', score: -2, confidence: 0.8, explanation: 'Rates up.', keyFactors: ['rates'] });
    expect(o.usage).toMatchObject({ promptTokens: 100, completionTokens: 20, requests: 1 });
    expect(o.usage.costUsd).toBeCloseTo((100 * 0.15 + 20 * 0.6) / 1e6, 12);
    expect(server.hits - start).toBe(1);
    const req = server.requests[server.requests.length - 1];
    expect(req.body.temperature).toBe(0);
    expect(req.body.response_format).toEqual({ type: 'json_object' });
    expect(req.authorized).toBe(true);
    expect(JSON.stringify(req.body)).not.toContain(FAKE_KEY);
  });

  it('free text in the paper format', async () => {
    const { f } = forecaster(() => ({ content: 'slightly bearish\n\nSimple explanation: unemployment rising.' }), { format: 'paper' });
    const o = await f.forecast({ date: '2021-05-01', context });
    expect(o.answer?.label).toBe('Slightly Bearish');
    expect(o.answer?.explanation).toBe('unemployment rising.');
    expect(o.answer?.confidence).toBeNull();
  });

  it('invalid JSON → one repair message → success', async () => {
    // The first request (2 messages) gets broken JSON; the repair request (4 messages) a valid answer.
    const { f, start } = forecaster((body) => (body.messages.length === 2 ? { content: '{"label": Bearish' } : json(valid)));
    const o = await f.forecast({ date: '2021-05-01', context });
    expect(o.answer?.label).toBe('Bearish');
    expect(o.raw).toBeUndefined();
    expect(o.usage.requests).toBe(2);
    expect(server.hits - start).toBe(2);
    const repair = server.requests[server.requests.length - 1].body.messages;
    expect(repair).toHaveLength(4);
    expect(repair[2]).toEqual({ role: 'assistant', content: '{"label": Bearish' });
    expect(repair[3].content).toMatch(/could not be used \(not valid JSON/);
  });

  it('schema-invalid values twice → failure recorded with both raw replies, never neutral', async () => {
    const bad = JSON.stringify({ label: 'Strongly Bullish', score: 99, confidence: 1, explanation: 'x' });
    const { f } = forecaster(() => ({ content: bad }));
    const o = await f.forecast({ date: '2021-05-01', context });
    expect(o.answer).toBeNull();
    expect(o.failure).toMatch(/answer could not be validated: reply: score/);
    expect(o.raw).toEqual([bad, bad]);
  });

  it('429 with Retry-After is honoured, then succeeds', async () => {
    const { f, transport, start } = forecaster((_b, hit) => (hit === start ? { status: 429, headers: { 'retry-after': '1' } } : json(valid)));
    const t0 = performance.now();
    const o = await f.forecast({ date: '2021-05-01', context });
    const waited = performance.now() - t0;
    expect(o.answer?.label).toBe('Bearish');
    expect(server.hits - start).toBe(2);
    expect(transport.stats.retries).toBe(1);
    expect(waited).toBeGreaterThanOrEqual(950);
  });

  it('500 is retried with backoff', async () => {
    let first = -1;
    const { f, start } = forecaster((_b, hit) => {
      if (first < 0) first = hit;
      return hit < first + 2 ? { status: 500 } : json(valid);
    });
    const o = await f.forecast({ date: '2021-05-01', context });
    expect(o.answer?.label).toBe('Bearish');
    expect(server.hits - start).toBe(3);
  });

  it('a reply slower than the timeout is retried; persistent slowness becomes a failure', async () => {
    let first = -1;
    const { f, start } = forecaster(
      (_b, hit) => {
        if (first < 0) first = hit;
        return hit === first ? { ...json(valid), delayMs: 1500 } : json(valid);
      },
      { timeoutMs: 300 },
    );
    const o = await f.forecast({ date: '2021-05-01', context });
    expect(o.answer?.label).toBe('Bearish');
    expect(server.hits - start).toBe(2);

    const slow = forecaster(() => ({ ...json(valid), delayMs: 1000 }), { timeoutMs: 150, maxAttempts: 2 });
    const failed = await slow.f.forecast({ date: '2021-05-01', context });
    expect(failed.answer).toBeNull();
    expect(failed.failure).toMatch(/gave up after 2 attempts, last: timeout/);
  });

  it('401 stops the run (fatal) without echoing the key', async () => {
    const { f } = forecaster(() => ({ status: 401, body: { error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } } }));
    const err = await f.forecast({ date: '2021-05-01', context }).catch((e) => e);
    expect(err).toBeInstanceOf(FatalProviderError);
    expect(String(err.message)).not.toContain(FAKE_KEY);
  });

  it('a missing key is a clear error naming the variable', () => {
    const saved = process.env.OPENAI_API_KEY;
    delete process.env.OPENAI_API_KEY;
    try {
      expect(() => new OpenAITransport({ baseURL: server.baseURL })).toThrow(/set OPENAI_API_KEY/);
    } finally {
      if (saved !== undefined) process.env.OPENAI_API_KEY = saved;
    }
  });

  it('respects the concurrency limit', async () => {
    const local = await startMockLlmServer({ script: () => ({ ...json(valid), delayMs: 50 }) });
    try {
      const transport = new OpenAITransport({ apiKey: FAKE_KEY, baseURL: local.baseURL, concurrency: 2 });
      const f = new LlmForecaster(transport, { format: 'json', params: defaultChatParams('m', 'json'), modelCutoff: null });
      await Promise.all(Array.from({ length: 6 }, () => f.forecast({ date: '2021-05-01', context })));
      expect(local.hits).toBe(6);
      expect(local.peakInFlight).toBe(2);
    } finally {
      await local.close();
    }
  });
});

describe('retry policy', () => {
  it('backoff grows exponentially with equal jitter and a cap', () => {
    const p = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelayMs(0, p, () => 0)).toBe(50);
    expect(backoffDelayMs(0, p, () => 1)).toBe(100);
    expect(backoffDelayMs(2, p, () => 0.5)).toBe(300);
    expect(backoffDelayMs(10, p, () => 1)).toBe(1000);
  });

  it('reads Retry-After as seconds, HTTP date, or retry-after-ms', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': '2' }))).toBe(2000);
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }))).toBe(250);
    const now = Date.parse('2024-01-01T00:00:00Z');
    expect(retryAfterMs(new Headers({ 'retry-after': 'Mon, 01 Jan 2024 00:00:03 GMT' }), now)).toBe(3000);
    expect(retryAfterMs(new Headers({}))).toBeNull();
  });
});
