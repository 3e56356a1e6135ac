import { describe, expect, it } from 'vitest';
import { MAX_SEEDS, SeedListError, parseSeedList } from '../../src/metrics/seeds.ts';

function errorOf(text: string): SeedListError {
  try {
    parseSeedList(text);
  } catch (e) {
    expect(e).toBeInstanceOf(SeedListError);
    return e as SeedListError;
  }
  throw new Error(`parseSeedList(${JSON.stringify(text)}) did not throw`);
}

describe('parseSeedList', () => {
  it('lists, ranges and mixes, in the order given', () => {
    expect(parseSeedList('0,1,2')).toEqual([0, 1, 2]);
    expect(parseSeedList('7')).toEqual([7]);
    expect(parseSeedList('0-19')).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(parseSeedList('0-4,10,12-13')).toEqual([0, 1, 2, 3, 4, 10, 12, 13]);
    expect(parseSeedList('5,3,4')).toEqual([5, 3, 4]);
    expect(parseSeedList(' 2 , 4 - 6 ,9 ')).toEqual([2, 4, 5, 6, 9]);
    expect(parseSeedList('3-3')).toEqual([3]);
  });

  it('a seed given twice is an error naming the seed and both entries', () => {
    let e = errorOf('0,1,3,3');
    expect(e.message).toMatch(/the same seed given twice is not two seeds: seed 3 appears twice/);
    expect(e.token).toBe('3');
    e = errorOf('0-4,10,3');
    expect(e.message).toMatch(/seed 3 appears twice \(first in "0-4", again in "3"\)/);
    e = errorOf('0-4,2-6');
    expect(e.message).toMatch(/seed 2 appears twice \(first in "0-4", again in "2-6"\)/);
    expect(e.token).toBe('2-6');
  });

  it('reversed ranges, negatives, non-integers, garbage', () => {
    let e = errorOf('0,5-3');
    expect(e.message).toMatch(/"5-3" is reversed: write 3-5/);
    expect(e.token).toBe('5-3');
    e = errorOf('1,-2');
    expect(e.message).toMatch(/"-2" is negative/);
    expect(errorOf('-2-3').message).toMatch(/negative/);
    expect(errorOf('2--1').message).toMatch(/negative/);
    e = errorOf('1,2.5');
    expect(e.message).toMatch(/"2\.5" is not an integer/);
    expect(errorOf('1.0-3').message).toMatch(/not an integer/);
    expect(errorOf('1-2.5').message).toMatch(/not an integer/);
    e = errorOf('1,two');
    expect(e.message).toMatch(/"two" is not a seed or a range/);
    expect(errorOf('0-4-6').token).toBe('0-4-6');
    expect(errorOf('1e3').message).toMatch(/not a seed/);
  });

  it('empty lists and entries', () => {
    expect(errorOf('').message).toMatch(/empty/);
    expect(errorOf('   ').message).toMatch(/empty/);
    expect(errorOf('1,,2').message).toMatch(/empty entry/);
    expect(errorOf('1,2,').message).toMatch(/empty entry/);
  });

  it('refuses to expand a typo into millions of seeds', () => {
    expect(parseSeedList(`0-${MAX_SEEDS - 1}`)).toHaveLength(MAX_SEEDS);
    expect(errorOf(`0-${MAX_SEEDS}`).message).toMatch(/more than 100000 seeds/);
    expect(errorOf('0-99999999999999999999').message).toMatch(/too large|more than/);
  });
});
