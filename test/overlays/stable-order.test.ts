/**
 * Same inputs, same files: a live run (answers arriving out of order, a retry, a repair), its replay and a
 * rerun from the cache write the same bytes; records are still appended as they arrive (crash safety)
 * and readers accept either order; offline runs are byte-identical run to run.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Context, ContextSource } from '../../overlays/context/types.ts';
import { parseDecisionDates } from '../../overlays/dates.ts';
import { RecordingTransport, ReplayTransport, ResponseCache } from '../../overlays/providers/cache.ts';
import { LlmForecaster, defaultChatParams } from '../../overlays/providers/llm.ts';
import { OpenAITransport } from '../../overlays/providers/openai.ts';
import { runForecasts } from '../../overlays/run.ts';
import { readSignals } from '../../overlays/signals.ts';
import { forecastCli } from '../helpers/forecast-cli.ts';
import { startMockLlmServer, type ChatBody, type MockLlmServer } from '../helpers/mock-llm-server.ts';

const LABELS = ['Bullish', 'Slightly Bearish', 'Flat', 'Strongly Bullish'];
const dates = parseDecisionDates('quarterly:2020-05-01:2024-02-01');
const params = defaultChatParams('gpt-4o-2024-05-13', 'json');
const source: ContextSource = {
  name: 'macro',
  pointInTime: true,
  build: (asOf): Context => ({ source: 'macro', asOf, pointInTime: true, title: 'Synthetic macro', body: `rates on ${asOf}` }),
};
const dateOf = (body: ChatBody) => /rates on (\d{4}-\d\d-\d\d)/.exec(body.messages[1].content)![1];
const linesOf = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean);
const datesIn = (path: string) => linesOf(path).map((l) => (JSON.parse(l) as { date: string }).date);

let server: MockLlmServer;
let dir: string;
beforeAll(async () => {
  const failedOnce = new Set<string>();
  server = await startMockLlmServer({
    script: (body) => {
      const d = dateOf(body);
      const i = dates.indexOf(d);
      if (d === '2021-05-01' && !failedOnce.has(d)) {
        failedOnce.add(d);
        return { status: 500 };
      }
      if (d === '2022-02-01' && body.messages.length === 2) return { content: 'let me think… no verdict' };
      // Later dates answer first: completion order is far from date order.
      return { content: JSON.stringify({ label: LABELS[i % 4], confidence: 0.5, explanation: `date ${d}`, keyFactors: [] }), delayMs: (16 - i) * 12 };
    },
  });
  dir = mkdtempSync(join(tmpdir(), 'marginlab-order-'));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function live(cache: string) {
  const t = new OpenAITransport({ apiKey: 'sk-order-test', baseURL: server.baseURL, concurrency: 4, retry: { baseDelayMs: 5, maxDelayMs: 10 } });
  return new LlmForecaster(new RecordingTransport(t, new ResponseCache(cache, true)), { format: 'json', params, modelCutoff: null });
}

const cli = forecastCli;

describe('stable order', () => {
  it('live, replay and a rerun from the cache: appended as they arrive, then the same bytes in date order', async () => {
    const cache = join(dir, 'cache');
    const out = join(dir, 'live.jsonl');
    const seenDuringRun: string[][] = [];
    await runForecasts({
      dates,
      source,
      forecaster: live(cache),
      format: 'json',
      out,
      concurrency: 4,
      onRecord: (_r, p) => {
        const now = datesIn(out);
        expect(now).toHaveLength(p.done); // on disk the moment it completed
        seenDuringRun.push(now);
      },
    });
    const arrival = seenDuringRun[seenDuringRun.length - 1];
    expect(arrival).not.toEqual([...arrival].sort()); // it did arrive out of order
    expect(datesIn(out)).toEqual(dates); // and ends in date order
    const liveBytes = readFileSync(out, 'utf8');

    const replayOut = join(dir, 'replay.jsonl');
    const replay = new LlmForecaster(new ReplayTransport(new ResponseCache(cache, false), 'openai'), { format: 'json', params, modelCutoff: null });
    await runForecasts({ dates, source, forecaster: replay, format: 'json', out: replayOut, concurrency: 8 });
    expect(readFileSync(replayOut, 'utf8')).toBe(liveBytes);

    const hits = server.hits;
    const rerun = join(dir, 'rerun.jsonl');
    await runForecasts({ dates, source, forecaster: live(cache), format: 'json', out: rerun, concurrency: 3 });
    expect(server.hits).toBe(hits);
    expect(readFileSync(rerun, 'utf8')).toBe(liveBytes);
    const repaired = readSignals(out).latest.find((r) => r.date === '2022-02-01')!;
    expect(repaired.usage.requests).toBe(2);
  });

  it('readers accept a file in completion order (a killed run); the next run puts it in date order', async () => {
    const out = join(dir, 'shuffled.jsonl');
    const sorted = linesOf(join(dir, 'live.jsonl'));
    const shuffled = [...sorted.slice(8), ...sorted.slice(0, 8).reverse()].slice(0, 12);
    writeFileSync(out, `${shuffled.join('\n')}\n`);
    const f = readSignals(out);
    expect(f.latest.map((r) => r.date)).toEqual([...f.latest.map((r) => r.date)].sort());
    expect(f.latest).toHaveLength(12);
    const replay = new LlmForecaster(new ReplayTransport(new ResponseCache(join(dir, 'cache'), false), 'openai'), {
      format: 'json',
      params,
      modelCutoff: null,
    });
    const s = await runForecasts({ dates, source, forecaster: replay, format: 'json', out, concurrency: 2 });
    expect(s.skipped).toBe(12);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(dir, 'live.jsonl'), 'utf8'));
  });

  it('an interrupted run also leaves its records in date order', async () => {
    const out = join(dir, 'interrupted.jsonl');
    const controller = new AbortController();
    const s = await runForecasts({
      dates,
      source,
      forecaster: live(join(dir, 'cache-interrupted')),
      format: 'json',
      out,
      concurrency: 4,
      signal: controller.signal,
      onRecord: (_r, p) => {
        if (p.done === 5) controller.abort(new Error('test interrupt'));
      },
    });
    expect(s.interrupted).toBe(true);
    const got = datesIn(out);
    expect(got.length).toBeGreaterThanOrEqual(5);
    expect(got).toEqual([...got].sort());
  });

  it('offline forecasters: the same command twice gives the same bytes', async () => {
    for (const provider of ['momentum', 'momentum,macro']) {
      const a = join(dir, `offline-a-${provider}.jsonl`);
      const b = join(dir, `offline-b-${provider}.jsonl`);
      expect((await cli(['forecast', '--source', 'macro', '--provider', provider, '--out', a, '--concurrency', '4'])).code).toBe(0);
      expect((await cli(['forecast', '--source', 'macro', '--provider', provider, '--out', b, '--concurrency', '1'])).code).toBe(0);
      expect(readFileSync(a, 'utf8')).toBe(readFileSync(b, 'utf8'));
      expect(datesIn(a)).toEqual(dates);
    }
  });
});
