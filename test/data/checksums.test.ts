import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLED_DATA_DIR, parseChecksumList, sha256OfFile, verifyBundledData } from '../../src/data/checksums.ts';

const BUNDLED = [
  'crypto_daily_ohlcv.csv.gz',
  'dow30_daily_ohlcv.csv.gz',
  'dow30_sectors.csv',
  'dow30_ticker_news.csv.gz',
  'etf_dia_daily_ohlcv.csv.gz',
  'etf_sectors_daily_ohlcv.csv.gz',
  'index_daily_ohlc.csv.gz',
  'macro_fred_long.csv.gz',
  'margintrader_llm/firm_news.json',
  'margintrader_llm/macro_indicator.json',
];

describe('verifyBundledData', () => {
  it('verifies every bundled file and returns their sha256 for the run manifest', () => {
    const sums = verifyBundledData();
    expect(Object.keys(sums).sort()).toEqual(BUNDLED);
    for (const [file, sum] of Object.entries(sums)) expect(sum).toBe(sha256OfFile(join(BUNDLED_DATA_DIR, file)));
    // The LLM prompt files are byte-for-byte copies of the published ones (shared data README).
    expect(sums['margintrader_llm/firm_news.json']).toBe('b3c80e04f41c11399969c9515e73e52997b5a8172d3e1ba7097350a47323f411');
    expect(sums['margintrader_llm/macro_indicator.json']).toBe('bf4656247db362774c8cb603eafd5747a9edada27cb262a24decf4d7b2195314');
  });

  it('keeps the bundle small', () => {
    const bytes = BUNDLED.reduce((n, f) => n + readFileSync(join(BUNDLED_DATA_DIR, f)).length, 0);
    expect(bytes).toBeLessThan(10 * 2 ** 20);
  });

  it('detects a corrupted copy and a missing file, naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'marginlab-data-'));
    try {
      cpSync(BUNDLED_DATA_DIR, dir, { recursive: true });
      expect(Object.keys(verifyBundledData(dir))).toHaveLength(BUNDLED.length);
      const victim = join(dir, 'margintrader_llm', 'firm_news.json');
      const bytes = readFileSync(victim);
      bytes[100] ^= 1;
      writeFileSync(victim, bytes);
      expect(() => verifyBundledData(dir)).toThrow(/firm_news\.json does not match SHA256SUMS/);
      rmSync(victim);
      expect(() => verifyBundledData(dir)).toThrow(/firm_news\.json is missing/);
      rmSync(join(dir, 'SHA256SUMS'));
      expect(() => verifyBundledData(dir)).toThrow(/SHA256SUMS is missing/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parses sha256sum format and rejects anything else', () => {
    const h = 'a'.repeat(64);
    expect([...parseChecksumList(`${h}  x.csv.gz\n${h} *sub/y.json\n`)]).toEqual([
      ['x.csv.gz', h],
      ['sub/y.json', h],
    ]);
    expect(() => parseChecksumList('abc  x.csv\n', 'LIST')).toThrow(/LIST:1: expected "<64 hex digits> {2}<file>"/);
    expect(() => parseChecksumList('\n')).toThrow(/lists no files/);
  });
});
