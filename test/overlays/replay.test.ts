/**
 * Replay determinism: a live run records every reply; a second run (live provider with the cache, or the
 * replay provider) makes zero network calls and writes identical signals.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Context, ContextSource } from '../../overlays/context/types.ts';
import { parseDecisionDates } from '../../overlays/dates.ts';
import { RecordingTransport, ReplayTransport, ResponseCache } from '../../overlays/providers/cache.ts';
import { LlmForecaster, defaultChatParams } from '../../overlays/providers/llm.ts';
import { OpenAITransport } from '../../overlays/providers/openai.ts';
import { FatalProviderError } from '../../overlays/providers/transport.ts';
import { runForecasts } from '../../overlays/run.ts';
import { readSignals } from '../../overlays/signals.ts';
import { startMockLlmServer, type MockLlmServer } from '../helpers/mock-llm-server.ts';

const LABELS_BY_MONTH = ['Bullish', 'Slightly Bearish', 'Flat', 'Strongly Bullish'];

const source: ContextSource = {
  name: 'macro',
  pointInTime: true,
  build: (asOf): Context => ({ source: 'macro', asOf, pointInTime: true, title: 'Synthetic macro', body: `rates on ${asOf}: ${asOf.slice(5, 7)}` }),
};

let server: MockLlmServer;
let dir: string;
beforeAll(async () => {
  // The reply depends on the prompt, like a deterministic model would.
  server = await startMockLlmServer({
    script: (body) => {
      const m = /rates on \d{4}-(\d{2})/.exec(body.messages[1].content);
      const label = LABELS_BY_MONTH[Number(m?.[1] ?? 1) % 4];
      return { content: JSON.stringify({ label, confidence: 0.5, explanation: `month ${m?.[1]}`, keyFactors: [] }) };
    },
  });
  dir = mkdtempSync(join(tmpdir(), 'marginlab-replay-'));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const dates = parseDecisionDates('quarterly:2020-05-01:2024-02-01');
const params = defaultChatParams('gpt-4o-2024-05-13', 'json');

function live(cacheDir: string) {
  const transport = new RecordingTransport(
    new OpenAITransport({ apiKey: 'sk-test', baseURL: server.baseURL, concurrency: 4 }),
    new ResponseCache(cacheDir, true),
  );
  return new LlmForecaster(transport, { format: 'json', params, modelCutoff: null });
}

/** Everything but `cached`, which says where the answer came from. */
function comparable(path: string) {
  return readSignals(path).latest.map(({ cached: _c, ...rest }) => rest);
}

describe('replay cache', () => {
  it('second run makes zero calls and gives identical signals; replay provider too', async () => {
    const cache = join(dir, 'cache');
    const first = join(dir, 'first.jsonl');
    const s1 = await runForecasts({ dates, source, forecaster: live(cache), format: 'json', out: first, concurrency: 4 });
    expect(s1.written).toBe(16);
    expect(server.hits).toBe(16);

    const second = join(dir, 'second.jsonl');
    const s2 = await runForecasts({ dates, source, forecaster: live(cache), format: 'json', out: second, concurrency: 4 });
    expect(server.hits).toBe(16);
    expect(s2.cached).toBe(16);
    expect(comparable(second)).toEqual(comparable(first));

    const replayed = join(dir, 'replayed.jsonl');
    const replay = new LlmForecaster(new ReplayTransport(new ResponseCache(cache, false), 'openai'), { format: 'json', params, modelCutoff: null });
    const s3 = await runForecasts({ dates, source, forecaster: replay, format: 'json', out: replayed, concurrency: 8 });
    expect(server.hits).toBe(16);
    expect(s3.cached).toBe(16);
    expect(s3.newUsage.requests).toBe(0);
    // Replays are bit-for-bit: the same file content in date order, run after run.
    const again = join(dir, 'replayed-again.jsonl');
    await runForecasts({ dates, source, forecaster: replay, format: 'json', out: again, concurrency: 1 });
    expect(comparable(replayed)).toEqual(comparable(first));
    expect(readSignals(again).latest).toEqual(readSignals(replayed).latest);
    expect(readSignals(replayed).latest.every((r) => r.provider === 'openai' && r.cached === undefined)).toBe(true);
    // The same bytes: the file records the forecasts, not where they came from or when they arrived.
    expect(readFileSync(replayed, 'utf8')).toBe(readFileSync(first, 'utf8'));
    expect(readFileSync(second, 'utf8')).toBe(readFileSync(first, 'utf8'));
  });

  it('a replay miss is a clear error naming the date and key, and makes no call', async () => {
    const cache = join(dir, 'empty-cache');
    new ResponseCache(cache, true);
    const replay = new LlmForecaster(new ReplayTransport(new ResponseCache(cache, true), 'openai'), { format: 'json', params, modelCutoff: null });
    const before = server.hits;
    const err = await runForecasts({ dates: ['2020-05-01'], source, forecaster: replay, format: 'json', out: join(dir, 'miss.jsonl'), concurrency: 1 }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(FatalProviderError);
    expect(err.message).toMatch(/replay cache miss for decision date 2020-05-01: key [0-9a-f]{64}/);
    expect(server.hits).toBe(before);
  });

  it('a partial last line left by a crash is cut off when the cache is reopened', () => {
    const cache = join(dir, 'cache');
    const file = join(cache, 'responses.jsonl');
    const before = readFileSync(file, 'utf8');
    const c = new ResponseCache(cache, true);
    expect(c.size).toBe(16);
    appendFileSync(file, '{"key":"abc');
    const reopened = new ResponseCache(cache, true);
    expect(reopened.size).toBe(16);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});

describe('cache key', () => {
  it('is the sha256 of canonical {endpoint, params, prompt, provider}; without endpoint, the old key', async () => {
    const { cacheKey } = await import('../../overlays/providers/cache.ts');
    const { contentHash } = await import('../../overlays/hash.ts');
    const { promptHash } = await import('../../overlays/prompts.ts');
    const messages = [{ role: 'user' as const, content: 'hello "world"\n' }];
    expect(cacheKey('openai', params, messages)).toBe(contentHash({ provider: 'openai', params: { ...params }, prompt: promptHash(messages) }));
    expect(cacheKey('openai', params, messages, 'http://127.0.0.1:1/v1')).toBe(
      contentHash({ endpoint: 'http://127.0.0.1:1/v1', provider: 'openai', params: { ...params }, prompt: promptHash(messages) }),
    );
    expect(cacheKey('openai', params, messages, 'http://127.0.0.1:1/v1')).not.toBe(cacheKey('openai', params, messages, 'http://127.0.0.1:2/v1'));
    expect(cacheKey('openai', { ...params, temperature: 0.5 }, messages)).not.toBe(cacheKey('openai', params, messages));
  });
});
