/**
 * The LLM asset scorer through the real `openai` SDK against the loopback mock server: valid answers,
 * repair, recorded failures (never a default 5), 429 + Retry-After, personas, and the replay cache (zero
 * calls, byte-identical file, a miss names the date and ticker).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingTransport, ReplayTransport, ResponseCache, CACHE_FILE } from '../../overlays/providers/cache.ts';
import { OpenAITransport } from '../../overlays/providers/openai.ts';
import { FatalProviderError } from '../../overlays/providers/transport.ts';
import { ScoringContexts } from '../../overlays/scoring/context.ts';
import { defaultScoreChatParams, LlmScorer, parseScoreReply } from '../../overlays/scoring/llm.ts';
import { runScoring } from '../../overlays/scoring/run.ts';
import { readScoreRecords } from '../../overlays/scoring/scores-file.ts';
import { startMockLlmServer, type ChatBody, type MockLlmServer, type MockScript } from '../helpers/mock-llm-server.ts';
import { SCORING_DATES, syntheticNews, syntheticPrices } from './scoring-fixture.ts';

const prices = syntheticPrices();
const contexts = () => new ScoringContexts({ prices, news: syntheticNews(prices.dates) });
const dates = SCORING_DATES.slice(0, 3);

/** A deterministic "model": its scores depend on the ticker, the persona and the date in the prompt. */
function answerFor(body: ChatBody) {
  const ticker = /Data for (\S+),/.exec(body.messages[1].content)?.[1] ?? '?';
  const persona = /^Persona: ([a-z-]+)\./.exec(body.messages[0].content)?.[1] ?? '?';
  const date = /available before (\d{4}-\d{2}-\d{2})/.exec(body.messages[1].content)?.[1] ?? '';
  const k = ticker.charCodeAt(0) + persona.length + Number(date.slice(5, 7));
  return {
    fundamentals: 1 + (k % 10),
    momentum: 1 + ((k * 3) % 10),
    sentiment: 1 + ((k * 7) % 10),
    risk: 1 + ((k * 5) % 10),
    reasoning: `${persona} view of ${ticker} on ${date}`,
    confidence: 0.7,
    keyFactors: [ticker],
  };
}

const good: MockScript = (body) => ({ content: JSON.stringify(answerFor(body)) });

let server: MockLlmServer;
let dir: string;
beforeAll(async () => {
  server = await startMockLlmServer({ script: good });
  dir = mkdtempSync(join(tmpdir(), 'marginlab-score-llm-'));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});
let n = 0;
const fresh = (name: string) => join(dir, `${++n}-${name}`);

function liveScorer(cacheDir: string, opts: { maxAttempts?: number } = {}) {
  const transport = new OpenAITransport({
    apiKey: 'sk-test-FAKE-123456789',
    baseURL: server.baseURL,
    concurrency: 4,
    timeoutMs: 5000,
    retry: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: opts.maxAttempts ?? 3 },
  });
  return {
    scorer: new LlmScorer(new RecordingTransport(transport, new ResponseCache(cacheDir, true)), {
      params: defaultScoreChatParams('gpt-4o-mini'),
      modelCutoff: null,
    }),
    transport,
  };
}

describe('parseScoreReply', () => {
  it('accepts the JSON object (also fenced); refuses missing keys, out-of-range scores and extra keys', () => {
    const a = { fundamentals: 7, momentum: 6, sentiment: 5, risk: 3, reasoning: 'ok', confidence: 0.6, keyFactors: ['x'] };
    expect(parseScoreReply(JSON.stringify(a))).toEqual({ ok: true, answer: a });
    expect(parseScoreReply('```json\n' + JSON.stringify(a) + '\n```').ok).toBe(true);
    const { risk: _r, ...noRisk } = a;
    expect(parseScoreReply(JSON.stringify(noRisk))).toEqual({ ok: false, error: expect.stringMatching(/^risk: /) });
    expect(parseScoreReply(JSON.stringify({ ...a, momentum: 11 }))).toEqual({ ok: false, error: expect.stringMatching(/^momentum: .*10/) });
    expect(parseScoreReply(JSON.stringify({ ...a, composite: 6 })).ok).toBe(false);
    expect(parseScoreReply('{"fundamentals": 7,').ok).toBe(false);
  });
});

describe('LLM scorer over loopback', () => {
  it('valid JSON → records with persona, usage, cost, model cutoff; personas change the prompt hash', async () => {
    server.setScript(good);
    const cache = fresh('cache');
    const out = fresh('scores.jsonl');
    const start = server.hits;
    const { scorer } = liveScorer(cache);
    const s = await runScoring({ dates, personas: ['analyst', 'value'], contexts: contexts(), scorer, out, concurrency: 4 });
    const recs = readScoreRecords(out);
    expect(s.failures).toBe(0);
    expect(recs).toHaveLength(3 * 3 * 2);
    expect(server.hits - start).toBe(18);
    const r = recs.find((x) => x.date === dates[0] && x.ticker === 'AAA' && x.persona === 'value')!;
    expect(r).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', reasoning: `value view of AAA on ${dates[0]}`, modelCutoff: null, pointInTime: true });
    expect(r.usage).toMatchObject({ promptTokens: 100, completionTokens: 20, requests: 1 });
    expect(r.usage.costUsd).toBeCloseTo((100 * 0.15 + 20 * 0.6) / 1e6, 12);
    const twin = recs.find((x) => x.date === dates[0] && x.ticker === 'AAA' && x.persona === 'analyst')!;
    expect(twin.promptHash).not.toBe(r.promptHash);
    const req = server.requests[server.requests.length - 1].body;
    expect(req.temperature).toBe(0);
    expect(req.response_format).toEqual({ type: 'json_object' });
    expect(JSON.stringify(req)).not.toContain('sk-test-FAKE');
  });

  it('invalid JSON → one repair → success; twice invalid → a failure with both raw replies, never a 5', async () => {
    server.setScript((body) => (body.messages.length === 2 ? { content: '{"fundamentals": 7,' } : good(body, 0, {})));
    const { scorer } = liveScorer(fresh('cache'));
    const ctx = contexts().forDate(dates[0]).get('BBB')!;
    const o = await scorer.score({ context: ctx, persona: 'analyst' });
    expect(o.answer).not.toBeNull();
    expect(o.usage.requests).toBe(2);
    const repair = server.requests[server.requests.length - 1].body.messages;
    expect(repair).toHaveLength(4);
    expect(repair[3].content).toMatch(/could not be used \(not valid JSON/);

    server.setScript(() => ({ content: 'I think it is a 7 overall.' }));
    const out = fresh('scores.jsonl');
    const s = await runScoring({
      dates: dates.slice(0, 1),
      tickers: ['BBB'],
      contexts: contexts(),
      scorer: liveScorer(fresh('cache')).scorer,
      out,
      concurrency: 1,
    });
    expect(s.failures).toBe(1);
    const [f] = readScoreRecords(out);
    expect(f).toMatchObject({
      fundamentals: null,
      momentum: null,
      sentiment: null,
      risk: null,
      composite: null,
      raw: ['I think it is a 7 overall.', 'I think it is a 7 overall.'],
    });
    expect(f.failure).toMatch(/^answer could not be validated: reply: not valid JSON .*; repair 1: not valid JSON/);
  });

  it('a missing field or an out-of-range score is a recorded failure (after the repair), not a default', async () => {
    server.setScript((body, hit) => {
      const a: Record<string, unknown> = answerFor(body);
      if (hit % 2 === 0) delete a.sentiment;
      else a.risk = 12;
      return { content: JSON.stringify(a) };
    });
    const out = fresh('scores.jsonl');
    const s = await runScoring({
      dates: dates.slice(0, 1),
      tickers: ['AAA', 'CCC'],
      contexts: contexts(),
      scorer: liveScorer(fresh('cache')).scorer,
      out,
      concurrency: 1,
    });
    expect(s.failures).toBe(2);
    const recs = readScoreRecords(out);
    for (const r of recs) {
      expect(r.composite).toBeNull();
      expect(r.failure).toMatch(/reply: (sentiment|risk): .*repair 1: (sentiment|risk): /);
      expect(r.raw).toHaveLength(2);
    }
  });

  it('429 with Retry-After is honoured, then the score succeeds', async () => {
    let first = -1;
    server.setScript((body, hit) => {
      if (first < 0) first = hit;
      return hit === first ? { status: 429, headers: { 'retry-after': '1' } } : good(body, hit, {});
    });
    const { scorer, transport } = liveScorer(fresh('cache'));
    const t0 = performance.now();
    const o = await scorer.score({ context: contexts().forDate(dates[0]).get('CCC')!, persona: 'risk-manager' });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(950);
    expect(o.answer?.reasoning).toBe(`risk-manager view of CCC on ${dates[0]}`);
    expect(transport.stats.retries).toBe(1);
  });

  it('replay makes zero calls and reproduces the file byte for byte; a failed key is retried live, and a replay miss names the date and ticker', async () => {
    server.setScript((body) =>
      /Data for CCC,/.test(body.messages[1].content) && /available before 2020-03-02/.test(body.messages[1].content) ? { status: 400 } : good(body, 0, {}),
    );
    const cache = fresh('cache');
    const liveOut = fresh('live.jsonl');
    const s1 = await runScoring({
      dates,
      personas: ['analyst', 'contrarian'],
      contexts: contexts(),
      scorer: liveScorer(cache).scorer,
      out: liveOut,
      concurrency: 6,
    });
    expect(s1.failures).toBe(2); // CCC on 2020-03-02, both personas: a 400 fails that key only
    server.setScript(good);
    const s2 = await runScoring({
      dates,
      personas: ['analyst', 'contrarian'],
      contexts: contexts(),
      scorer: liveScorer(cache).scorer,
      out: liveOut,
      concurrency: 6,
    });
    expect(s2.written).toBe(2);
    expect(s2.skipped).toBe(16);

    const hits = server.hits;
    const replayOut = fresh('replay.jsonl');
    const replay = () =>
      new LlmScorer(new ReplayTransport(new ResponseCache(cache, false), 'openai'), { params: defaultScoreChatParams('gpt-4o-mini'), modelCutoff: null });
    const s3 = await runScoring({ dates, personas: ['analyst', 'contrarian'], contexts: contexts(), scorer: replay(), out: replayOut, concurrency: 3 });
    expect(server.hits).toBe(hits);
    expect(s3.cached).toBe(18);
    expect(s3.newUsage.requests).toBe(0);
    // The live file holds the two failures before their successes; the replay holds the successes only.
    const liveOk = readFileSync(liveOut, 'utf8')
      .split('\n')
      .filter((l) => l !== '' && !l.includes('"failure"'));
    expect(readFileSync(replayOut, 'utf8')).toBe(`${liveOk.join('\n')}\n`);
    const again = fresh('replay-again.jsonl');
    await runScoring({ dates, personas: ['analyst', 'contrarian'], contexts: contexts(), scorer: replay(), out: again, concurrency: 1 });
    expect(readFileSync(again, 'utf8')).toBe(readFileSync(replayOut, 'utf8'));

    // A persona never recorded: a miss, fatal, naming date, ticker and persona; what was written is kept, sorted.
    const missOut = fresh('miss.jsonl');
    const err = await runScoring({ dates, personas: ['momentum'], contexts: contexts(), scorer: replay(), out: missOut, concurrency: 1 }).catch((e) => e);
    expect(err).toBeInstanceOf(FatalProviderError);
    expect(err.message).toMatch(/replay cache miss for decision date 2020-02-03, ticker AAA, persona momentum/);
    expect(server.hits).toBe(hits);
  });

  it('an empty cache file replays nothing: the first key is a fatal miss', async () => {
    const cache = fresh('empty-cache');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(cache, { recursive: true });
    writeFileSync(join(cache, CACHE_FILE), '');
    const scorer = new LlmScorer(new ReplayTransport(new ResponseCache(cache, false), 'openai'), {
      params: defaultScoreChatParams('gpt-4o-mini'),
      modelCutoff: null,
    });
    await expect(scorer.score({ context: contexts().forDate(dates[1]).get('BBB')!, persona: 'analyst' })).rejects.toThrow(
      /2020-03-02, ticker BBB, persona analyst/,
    );
  });
});
