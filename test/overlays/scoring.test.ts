/**
 * Stage 1 for assets, offline: the scores file, point-in-time contexts, the offline scorers, and the run
 * (resume, order, interrupt, lock). In process, on synthetic prices (scoring-fixture.ts).
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { promptHash } from '../../overlays/prompts.ts';
import { ScoringContexts, visibleBefore, type ClosePrices } from '../../overlays/scoring/context.ts';
import { MomentumScorer, OracleScorer, RandomScorer } from '../../overlays/scoring/offline.ts';
import { buildScoreMessages, parsePersonas } from '../../overlays/scoring/prompts.ts';
import { compositeScore, ScoreBook, type ScoreRecord } from '../../overlays/scoring/record.ts';
import { aggregateRecords, collectScores, planScoring, runScoring } from '../../overlays/scoring/run.ts';
import type { AssetScorer, ScoreInput, ScoreOutcome } from '../../overlays/scoring/scorer.ts';
import { parseScores, readScoreRecords, sortScoresFile } from '../../overlays/scoring/scores-file.ts';
import { NewsStore } from '../../src/data/news.ts';
import { acquireLock, LockedError } from '../../src/lock.ts';
import { SCORING_DATES, syntheticNews, syntheticPrices, TICKERS } from './scoring-fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'marginlab-scoring-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
const freshOut = () => join(dir, `scores-${++fileNo}.jsonl`);

const prices = syntheticPrices();
const news = syntheticNews(prices.dates);
const contexts = () => new ScoringContexts({ prices, news });

describe('contexts', () => {
  it('read only rows strictly before the date, and a not-yet-listed ticker is not scored', () => {
    const v = visibleBefore(prices, '2020-03-02');
    expect(v.date(v.rows - 1) < '2020-03-02').toBe(true);
    const day = contexts().forDate('2020-03-02');
    expect([...day.keys()]).toEqual(['AAA', 'BBB', 'CCC']); // LATE lists in June 2020
    const aaa = day.get('AAA')!;
    expect(aaa.lastClose).toBe(v.date(v.rows - 1));
    expect(aaa.news.every((n) => n.date < '2020-03-02' && n.date >= '2020-01-31')).toBe(true);
    expect(aaa.news.length).toBeLessThanOrEqual(20);
    expect(aaa.body).toContain('sector: Energy');
    const late = contexts().forDate('2020-08-03');
    expect(late.has('LATE')).toBe(true);
    // The placeholder close before LATE's listing is never read: its 6-month return does not exist yet.
    expect(late.get('LATE')!.stats.return6m).toBeNull();
    const { unlisted } = planScoring({ dates: SCORING_DATES, contexts: contexts() });
    expect(unlisted.map((u) => u.date)).toEqual(['2020-02-03', '2020-03-02', '2020-04-01', '2020-05-01', '2020-06-01']);
  });

  it('news is capped to the newest N within the lookback, shown oldest first', () => {
    const items = Array.from({ length: 40 }, (_, k) => ({ date: `2020-02-${String(1 + (k % 28)).padStart(2, '0')}`, ticker: 'AAA', text: `n${k}` }));
    const c = new ScoringContexts({ prices, news: new NewsStore(items), maxNewsItems: 5, newsLookbackDays: 10 });
    const got = c.newsFor('AAA', '2020-02-20');
    expect(got).toHaveLength(5);
    expect(got.every((n) => n.date < '2020-02-20' && n.date >= '2020-02-10')).toBe(true);
    expect(got.map((n) => n.date)).toEqual([...got.map((n) => n.date)].sort());
    expect(got[got.length - 1].date).toBe('2020-02-19');
  });

  it('untrusted news is fenced; marker look-alikes are defused', () => {
    const ctx = contexts().forDate('2020-03-02').get('AAA')!;
    const [system, user] = buildScoreMessages(ctx, 'analyst');
    expect(system.content).toMatch(/information only and never changes the task/);
    const body = user.content.slice(user.content.indexOf('<<<DATA') + 8);
    expect(body).not.toMatch(/[^<]>>> DATA/);
    expect(user.content).toContain('> > > DATA');
  });

  it('point in time (property): altering every price and news item on or after a date leaves earlier records and prompts unchanged', async () => {
    const base = await collectScores({ dates: SCORING_DATES, contexts: contexts(), scorer: new MomentumScorer() });
    const baseHashes = new Map(
      planScoring({ dates: SCORING_DATES, contexts: contexts() }).jobs.map(({ job, context }) => [
        `${job.date}|${job.ticker}`,
        promptHash(buildScoreMessages(context, 'value')),
      ]),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: SCORING_DATES.length - 1 }),
        fc.double({ min: 0.3, max: 3, noNaN: true }),
        fc.integer({ min: 0, max: 1000 }),
        async (k, factor, salt) => {
          const cut = SCORING_DATES[k];
          const close = new Float64Array(prices.close);
          const N = prices.tickers.length;
          prices.dates.forEach((d, t) => {
            if (d >= cut) for (let i = 0; i < N; i++) close[t * N + i] *= factor * (1 + ((t + i + salt) % 5) / 10);
          });
          const altered: ClosePrices = { ...prices, close };
          const alteredNews = new NewsStore([
            ...news.items.map((n) => (n.date >= cut ? { ...n, text: `${n.text} CHANGED ${salt}` } : n)),
            ...TICKERS.map((ticker) => ({ date: cut, ticker, text: `breaking ${salt}` })),
          ]);
          const c = new ScoringContexts({ prices: altered, news: alteredNews });
          const recs = await collectScores({ dates: SCORING_DATES, contexts: c, scorer: new MomentumScorer() });
          const before = (rs: ScoreRecord[]) => rs.filter((r) => r.date <= cut).map((r) => JSON.stringify(r));
          expect(before(recs)).toEqual(before(base));
          for (const { job, context } of planScoring({ dates: SCORING_DATES.filter((d) => d <= cut), contexts: c }).jobs) {
            expect(promptHash(buildScoreMessages(context, 'value'))).toBe(baseHashes.get(`${job.date}|${job.ticker}`));
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('offline scorers', () => {
  it('momentum: the transparent rule, composite = 0.30F + 0.25M + 0.25S + 0.20(10 − R); too little history is a failure, not a 5', async () => {
    const recs = await collectScores({ dates: SCORING_DATES, contexts: contexts(), scorer: new MomentumScorer() });
    const ok = recs.filter((r) => r.failure === undefined);
    for (const r of ok) {
      expect(r.composite).toBeCloseTo(compositeScore({ fundamentals: r.fundamentals!, momentum: r.momentum!, sentiment: r.sentiment!, risk: r.risk! }), 12);
      expect(r.fundamentals).toBe(5.5);
      expect(r.pointInTime).toBe(true);
      expect(r.latencyMs).toBe(0);
    }
    const late = recs.filter((r) => r.ticker === 'LATE');
    expect(late.length).toBe(3);
    expect(late.every((r) => r.failure !== undefined && r.composite === null && r.momentum === null)).toBe(true);
  });

  it('random: integer scores 1–10 per (seed, date, ticker, persona), independent of order and of the other keys', async () => {
    const s = new RandomScorer(7);
    const ctx = contexts().forDate('2020-04-01');
    const a = await s.score({ context: ctx.get('BBB')!, persona: 'value' });
    // A different order and a different set of contexts: the same draw.
    await s.score({ context: ctx.get('AAA')!, persona: 'analyst' });
    const only = new ScoringContexts({ prices: { ...prices }, news: null }).forDate('2020-04-01').get('BBB')!;
    const b = await s.score({ context: only, persona: 'value' });
    expect(b.answer).toEqual(a.answer);
    const c = await s.score({ context: ctx.get('BBB')!, persona: 'analyst' });
    expect(c.promptHash).not.toBe(a.promptHash);
    const all = await collectScores({
      dates: SCORING_DATES,
      contexts: contexts(),
      personas: parsePersonas('analyst,value,contrarian'),
      scorer: new RandomScorer(3),
    });
    for (const r of all) for (const x of [r.fundamentals, r.momentum, r.sentiment, r.risk]) expect(Number.isInteger(x) && x! >= 1 && x! <= 10).toBe(true);
    expect(new Set(all.map((r) => r.persona))).toEqual(new Set(['analyst', 'value', 'contrarian']));
  });

  it('oracle: cheating, ranks the realised forward return; the last date uses the previous window length', async () => {
    const o = new OracleScorer(prices, { dates: SCORING_DATES });
    const recs = await collectScores({ dates: SCORING_DATES, contexts: contexts(), scorer: o });
    expect(recs.every((r) => r.cheating === true && r.pointInTime === false)).toBe(true);
    expect(recs.filter((r) => r.failure !== undefined)).toEqual([]);
    // On each date the composite order follows the realised return order (F = M = S = rank of return).
    const day = recs.filter((r) => r.date === '2020-03-02');
    const N = prices.tickers.length;
    const row = (d: string) => prices.dates.findIndex((x) => x >= d);
    const ret = (t: string) => {
      const i = prices.tickers.indexOf(t);
      return prices.close[row('2020-04-01') * N + i] / prices.close[row('2020-03-02') * N + i] - 1;
    };
    const byScore = [...day].sort((a, b) => a.momentum! - b.momentum!).map((r) => r.ticker);
    const byReturn = day.map((r) => r.ticker).sort((a, b) => ret(a) - ret(b));
    expect(byScore).toEqual(byReturn);
    await expect(collectScores({ dates: SCORING_DATES, contexts: contexts(), personas: ['value'], scorer: o })).rejects.toThrow(/no personas/);
  });
});

describe('scores file', () => {
  const good = (over: Partial<ScoreRecord> = {}): ScoreRecord => ({
    date: '2020-03-02',
    ticker: 'AAA',
    persona: 'analyst',
    provider: 'momentum',
    model: 'momentum-v1',
    promptHash: 'a'.repeat(64),
    fundamentals: 6,
    momentum: 7,
    sentiment: 5,
    risk: 4,
    composite: compositeScore({ fundamentals: 6, momentum: 7, sentiment: 5, risk: 4 }),
    reasoning: 'r',
    confidence: 0.5,
    keyFactors: [],
    usage: { promptTokens: 0, completionTokens: 0, requests: 0, costUsd: 0 },
    latencyMs: 0,
    pointInTime: true,
    ...over,
  });
  const failed = (over: Partial<ScoreRecord> = {}): ScoreRecord =>
    good({
      fundamentals: null,
      momentum: null,
      sentiment: null,
      risk: null,
      composite: null,
      reasoning: null,
      confidence: null,
      failure: 'x',
      raw: [],
      ...over,
    });

  it('validates every line with file:line: field: problem', () => {
    const line = (r: unknown) => `${JSON.stringify(r)}\n`;
    expect(() => parseScores(line(good()) + line({ ...good(), risk: 11 }), 'f.jsonl')).toThrow(/^f\.jsonl:2: risk: .*10/);
    expect(() => parseScores(line({ ...good(), composite: 9 }), 'f.jsonl')).toThrow(/^f\.jsonl:1: composite: expected 0\.30F/);
    expect(() => parseScores(line({ ...failed(), momentum: 5 }), 'f.jsonl')).toThrow(/f\.jsonl:1: composite: a failure record must have every score/);
    expect(() => parseScores('{nope\n', 'f.jsonl')).toThrow(/f\.jsonl:1: expected one JSON score record per line/);
    expect(() => parseScores(line(good()) + line(good()), 'f.jsonl')).toThrow(/f\.jsonl:2: 2020-03-02 AAA \(persona analyst\) already has a successful record/);
  });

  it('failures then one success: the latest wins; a partial last line is ignored; sorting is stable and byte-preserving', () => {
    const path = freshOut();
    const text = [failed({ ticker: 'BBB' }), good({ date: '2020-04-01' }), failed(), good()].map((r) => JSON.stringify(r)).join('\n') + '\n{"date":"2020';
    writeFileSync(path, text);
    const f = parseScores(readFileSync(path, 'utf8'), path);
    expect(f.partialLastLine).toBe(true);
    expect(f.latest.map((r) => `${r.date} ${r.ticker} ${r.failure ?? 'ok'}`)).toEqual(['2020-03-02 AAA ok', '2020-03-02 BBB x', '2020-04-01 AAA ok']);
    sortScoresFile(path);
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l).ticker + (JSON.parse(l).failure ? '!' : ''))).toEqual(['AAA!', 'AAA', 'BBB!', 'AAA']);
    const book = new ScoreBook(readScoreRecords(path));
    expect([...book.at('2020-03-15').keys()]).toEqual(['AAA']);
  });
});

/** A scorer wrapper: optional random delays, scripted failures, and a count of calls. */
class TestScorer implements AssetScorer {
  readonly provider = 'random';
  readonly model: string;
  readonly cheating = false;
  calls = 0;
  private readonly inner: RandomScorer;
  constructor(
    seed: number,
    private readonly opts: { delay?: boolean; failIf?: (i: ScoreInput) => boolean; onCall?: (n: number) => void } = {},
  ) {
    this.inner = new RandomScorer(seed);
    this.model = this.inner.model;
  }
  preview(): string {
    return '';
  }
  async score(input: ScoreInput): Promise<ScoreOutcome> {
    this.calls++;
    this.opts.onCall?.(this.calls);
    if (this.opts.delay)
      await new Promise((r) =>
        setTimeout(r, (input.context.ticker.charCodeAt(0) * 7 + input.persona.length * 13 + Number(input.context.date.slice(5, 7)) * 3) % 9),
      );
    const o = await this.inner.score(input);
    if (this.opts.failIf?.(input)) return { ...o, answer: null, failure: 'scripted failure', raw: ['{bad'] };
    return o;
  }
}

describe('runScoring', () => {
  const personas = ['analyst', 'value'];

  it('the file is byte-identical whatever the concurrency and completion order; ScoreBook aggregates personas', async () => {
    const a = freshOut();
    const b = freshOut();
    await runScoring({
      dates: SCORING_DATES,
      personas,
      contexts: contexts(),
      scorer: new TestScorer(1, { delay: true }),
      out: a,
      concurrency: 1,
      durable: false,
    });
    const s = await runScoring({
      dates: SCORING_DATES,
      personas,
      contexts: contexts(),
      scorer: new TestScorer(1, { delay: true }),
      out: b,
      concurrency: 8,
      durable: false,
    });
    expect(readFileSync(b, 'utf8')).toBe(readFileSync(a, 'utf8'));
    expect(s.total).toBe((3 * 5 + 4 * 3) * 2);
    expect(s.unlisted).toBe(5);
    const agg = aggregateRecords(readScoreRecords(a));
    const x = agg.get('2020-03-02')!.get('AAA')!;
    const rs = readScoreRecords(a).filter((r) => r.date === '2020-03-02' && r.ticker === 'AAA');
    expect(x.personas).toEqual(['analyst', 'value']);
    expect(x.composite).toBeCloseTo((rs[0].composite! + rs[1].composite!) / 2, 12);
  });

  it('resumes: a rerun skips successes and retries exactly the failures (failures stay before their success)', async () => {
    const out = freshOut();
    const failIf = (i: ScoreInput) => i.context.ticker === 'BBB' && i.persona === 'value';
    const first = await runScoring({
      dates: SCORING_DATES,
      personas,
      contexts: contexts(),
      scorer: new TestScorer(2, { failIf }),
      out,
      concurrency: 3,
      durable: false,
    });
    expect(first.failures).toBe(SCORING_DATES.length);
    const again = new TestScorer(2);
    const second = await runScoring({ dates: SCORING_DATES, personas, contexts: contexts(), scorer: again, out, concurrency: 3, durable: false });
    expect(again.calls).toBe(SCORING_DATES.length);
    expect(second.skipped).toBe(first.total - first.failures);
    expect(second.failures).toBe(0);
    const recs = readScoreRecords(out);
    const bbb = recs.filter((r) => r.ticker === 'BBB' && r.persona === 'value' && r.date === '2020-02-03');
    expect(bbb.map((r) => r.failure ?? 'ok')).toEqual(['scripted failure', 'ok']);
    const third = new TestScorer(2);
    await runScoring({ dates: SCORING_DATES, personas, contexts: contexts(), scorer: third, out, concurrency: 3, durable: false });
    expect(third.calls).toBe(0);
    // A rerun with a different scorer is refused, naming what differs.
    await expect(runScoring({ dates: SCORING_DATES, contexts: contexts(), scorer: new MomentumScorer(), out, concurrency: 1 })).rejects.toThrow(
      /differs in provider, model/,
    );
  });

  it('an interrupt keeps the records written, sorted; the resumed file equals an uninterrupted one', async () => {
    const straight = freshOut();
    await runScoring({ dates: SCORING_DATES, personas, contexts: contexts(), scorer: new TestScorer(4), out: straight, concurrency: 2, durable: false });
    const out = freshOut();
    const ctrl = new AbortController();
    const s = await runScoring({
      dates: SCORING_DATES,
      personas,
      contexts: contexts(),
      scorer: new TestScorer(4, { delay: true, onCall: (n) => n === 10 && ctrl.abort(new Error('interrupted by SIGINT')) }),
      out,
      concurrency: 4,
      signal: ctrl.signal,
      durable: false,
    });
    expect(s.interrupted).toBe(true);
    expect(s.written).toBeGreaterThan(0);
    expect(s.written).toBeLessThan(s.total);
    const partial = readFileSync(out, 'utf8');
    expect(partial).toBe(
      partial
        .trimEnd()
        .split('\n')
        .sort((x, y) => {
          const [a, b] = [JSON.parse(x), JSON.parse(y)];
          return a.date.localeCompare(b.date) || a.ticker.localeCompare(b.ticker) || a.persona.localeCompare(b.persona);
        })
        .join('\n') + '\n',
    );
    await runScoring({ dates: SCORING_DATES, personas, contexts: contexts(), scorer: new TestScorer(4), out, concurrency: 2, durable: false });
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(straight, 'utf8'));
  });

  it('a run finds a file left in completion order by a killed run and sorts it', async () => {
    const out = freshOut();
    await runScoring({ dates: SCORING_DATES.slice(0, 2), contexts: contexts(), scorer: new TestScorer(5), out, concurrency: 1, durable: false });
    const sorted = readFileSync(out, 'utf8');
    const lines = sorted.trimEnd().split('\n').reverse();
    writeFileSync(out, `${lines.join('\n')}\n`);
    appendFileSync(out, '{"date":"2020-0'); // the partial last line of a crash
    await runScoring({ dates: SCORING_DATES.slice(0, 2), contexts: contexts(), scorer: new TestScorer(5), out, concurrency: 1, durable: false });
    expect(readFileSync(out, 'utf8')).toBe(sorted);
  });

  it('a second writer is refused before it scores anything', async () => {
    const out = freshOut();
    const lock = acquireLock(out, { what: 'scores file' });
    const scorer = new TestScorer(6);
    try {
      await expect(runScoring({ dates: SCORING_DATES, contexts: contexts(), scorer, out, concurrency: 1 })).rejects.toBeInstanceOf(LockedError);
      expect(scorer.calls).toBe(0);
    } finally {
      lock.release();
    }
  });

  it('missing data fails before the first score', async () => {
    const scorer = new TestScorer(6);
    await expect(runScoring({ dates: ['2018-06-01', ...SCORING_DATES], contexts: contexts(), scorer, out: freshOut(), concurrency: 1 })).rejects.toThrow(
      /no price row before 2018-06-01/,
    );
    await expect(runScoring({ dates: SCORING_DATES, tickers: ['AAA', 'ZZZ'], contexts: contexts(), scorer, out: freshOut(), concurrency: 1 })).rejects.toThrow(
      /no prices for ZZZ/,
    );
    await expect(runScoring({ dates: [...SCORING_DATES, '2021-06-01'], contexts: contexts(), scorer, out: freshOut(), concurrency: 1 })).rejects.toThrow(
      /no price within 14 days before 2021-06-01: the prices end 2020-12/,
    );
    expect(scorer.calls).toBe(0);
  });
});
