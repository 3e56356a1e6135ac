import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSignals, readSignals, SignalsWriter, successfulSignals, type SignalRecord } from '../../overlays/signals.ts';
import { loadNews } from '../../src/data/news.ts';

const ok = (date: string, over: Partial<SignalRecord> = {}): SignalRecord => ({
  date,
  asOf: date,
  source: 'news',
  provider: 'openai',
  model: 'gpt-4o-mini',
  format: 'json',
  promptHash: 'b'.repeat(64),
  label: 'Bullish',
  score: 2,
  confidence: 0.7,
  explanation: 'e',
  keyFactors: ['k'],
  usage: { promptTokens: 10, completionTokens: 5, requests: 1, costUsd: 0.00001 },
  latencyMs: 12.5,
  cached: false,
  pointInTime: true,
  modelCutoff: { month: '2023-10', origin: 'table', approximate: false },
  ...over,
});
const failed = (date: string): SignalRecord => ({
  ...ok(date),
  label: null,
  score: null,
  confidence: null,
  explanation: null,
  keyFactors: [],
  failure: 'answer could not be validated',
  raw: ['{bad', '{bad'],
});

const dir = mkdtempSync(join(tmpdir(), 'marginlab-signals-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('signals file', () => {
  it('round-trips, and a later success supersedes a failure for the same date', () => {
    const text = [failed('2020-05-01'), ok('2020-08-01'), ok('2020-05-01', { label: 'Flat', score: 0 })].map((r) => JSON.stringify(r)).join('\n') + '\n';
    const f = parseSignals(text, 's.jsonl');
    expect(f.records).toHaveLength(3);
    expect(f.latest.map((r) => [r.date, r.label])).toEqual([
      ['2020-05-01', 'Flat'],
      ['2020-08-01', 'Bullish'],
    ]);
    expect(successfulSignals(f)).toHaveLength(2);
  });

  it('validates on read with file:line: field: problem', () => {
    const bad = { ...ok('2020-05-01'), score: 3 };
    expect(() => parseSignals(`${JSON.stringify(ok('2020-02-01'))}\n${JSON.stringify(bad)}\n`, 'x.jsonl')).toThrow(
      /^x\.jsonl:2: score: expected 2 for Bullish, got 3/,
    );
    expect(() => parseSignals(`${JSON.stringify({ ...ok('2020-05-01'), extra: 1 })}\n`, 'x.jsonl')).toThrow(/x\.jsonl:1: .*extra/);
    expect(() => parseSignals('not json\n', 'x.jsonl')).toThrow(/x\.jsonl:1: expected one JSON signal record per line/);
    expect(() => parseSignals(`${JSON.stringify({ ...ok('2020-05-01'), label: null })}\n`, 'x.jsonl')).toThrow(/x\.jsonl:1: label/);
    expect(() => parseSignals(`${JSON.stringify(ok('2020-05-01'))}\n${JSON.stringify(ok('2020-05-01'))}\n`, 'x.jsonl')).toThrow(
      /x\.jsonl:2: date 2020-05-01 already has a successful record/,
    );
    expect(() => parseSignals(`${JSON.stringify({ ...ok('2020-05-01'), cheating: false })}\n`, 'x.jsonl')).toThrow(/cheating/);
  });

  it('the writer appends one flushed line per record and cuts a partial last line left by a crash', () => {
    const path = join(dir, 'w.jsonl');
    const w = new SignalsWriter(path);
    w.append(ok('2020-05-01'));
    w.close();
    appendFileSync(path, '{"date":"2020-08-01","asO');
    expect(readSignals(path).partialLastLine).toBe(true);
    const w2 = new SignalsWriter(path);
    w2.append(ok('2020-08-01'));
    w2.close();
    const f = readSignals(path);
    expect(f.partialLastLine).toBe(false);
    expect(f.latest.map((r) => r.date)).toEqual(['2020-05-01', '2020-08-01']);
    expect(readFileSync(path, 'utf8').split('\n')).toHaveLength(3);
  });

  it('the writer refuses an invalid record', () => {
    const w = new SignalsWriter(join(dir, 'v.jsonl'));
    expect(() => w.append({ ...ok('2020-05-01'), score: 7 })).toThrow();
    w.close();
  });
});

describe('news files', () => {
  it('reads CSV (headline alias, extra columns ignored) and JSONL', () => {
    const csv = join(dir, 'n.csv');
    writeFileSync(csv, 'date,source,headline,other\n2020-04-01,Reuters,"Stocks rise, again",x\n2020-03-01,CNBC,Fed cuts,y\n');
    const s = loadNews(csv);
    expect(s.items.map((i) => i.text)).toEqual(['Fed cuts', 'Stocks rise, again']);
    expect(s.before('2020-04-01').map((i) => i.date)).toEqual(['2020-03-01']);
    const jsonl = join(dir, 'n.jsonl');
    writeFileSync(jsonl, '{"date":"2020-04-02","ticker":"AAPL","text":"Apple up"}\n\n{"date":"2020-04-01","text":"Market flat"}\n');
    expect(
      loadNews(jsonl)
        .before('2020-04-02')
        .map((i) => i.text),
    ).toEqual(['Market flat']);
  });

  it('rejects bad rows with file:line and what was expected', () => {
    const csv = join(dir, 'bad.csv');
    writeFileSync(csv, 'date,text\n2020-04-01,ok\n2020-02-30,bad date\n');
    expect(() => loadNews(csv)).toThrow(/bad\.csv:3: date: expected a calendar date YYYY-MM-DD/);
    const jsonl = join(dir, 'bad.jsonl');
    writeFileSync(jsonl, '{"date":"2020-04-01","text":"ok"}\n{"date":"2020-04-01","text":"x","url":"u"}\n');
    expect(() => loadNews(jsonl)).toThrow(/bad\.jsonl:2: .*url/);
    writeFileSync(jsonl, '{"date":"2020-04-01","text":""}\n');
    expect(() => loadNews(jsonl)).toThrow(/bad\.jsonl:1: text: expected non-empty text/);
    const noText = join(dir, 'notext.csv');
    writeFileSync(noText, 'date,body\n2020-04-01,x\n');
    expect(() => loadNews(noText)).toThrow(/notext\.csv:1: expected columns date and text/);
  });
});
