import { describe, expect, it } from 'vitest';
import { envConfig } from '../../env/config.ts';
import { MarginCore } from '../../env/core.ts';
import { argsort, pyFloorDiv } from '../../env/numpy-compat.ts';

/** A 2-stock core in a given state (prices p, holdings h, account a). */
function core2(a: number[], p: number[], h: number[], overrides = {}): MarginCore {
  const c = new MarginCore(2, envConfig('paper', overrides));
  c.restoreAccount(a, h, p);
  return c;
}

describe('numpy compatibility', () => {
  it('argsort reproduces numpy 1.24 tie order on 27 equal values', () => {
    expect(Array.from(argsort(new Array(27).fill(2000)))).toEqual([
      0, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 25, 13, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 12, 26,
    ]);
  });
  it('argsort sorts (NaN last) for any input', () => {
    const v = [3, -1, NaN, 2, 2, -5, 0, 7, 1, 1, 1, 9, -3, 4, 4, 6, 8, 2, 0, -2];
    const idx = Array.from(argsort(v));
    const sorted = idx.map((i) => v[i]);
    expect(sorted.slice(0, -1)).toEqual([...v.filter((x) => !Number.isNaN(x))].sort((a, b) => a - b));
    expect(Number.isNaN(sorted[sorted.length - 1])).toBe(true);
  });
  it('Python floor division differs from Math.floor(a/b) where Python does', () => {
    expect(pyFloorDiv(1.0, 0.1)).toBe(9);
    expect(Math.floor(1.0 / 0.1)).toBe(10);
    expect(pyFloorDiv(1000, 100.1)).toBe(9);
    expect(pyFloorDiv(-7, 2)).toBe(-4);
  });
});

describe('initial account (k = 2, 1:1)', () => {
  it('splits equity and levers each book', () => {
    const c = new MarginCore(2, envConfig('paper'));
    c.openAccount(1_000_000, { ratio: 1 }, [10, 20]);
    expect(c.accountVector()).toEqual([1_000_000, 500_000, 500_000, 1_000_000, 1_500_000, 500_000]);
  });
  it('ratio 3:1 puts 75% of equity long', () => {
    const c = new MarginCore(2, envConfig('paper'));
    c.openAccount(1_000_000, { ratio: 3 }, [10, 20]);
    expect(c.longEquity).toBe(750_000);
    expect(c.shortEquity).toBe(250_000);
    expect(c.cash).toBe(1_500_000);
    expect(c.credit).toBe(750_000);
  });
});

describe('trading primitives and fusion', () => {
  it('position fusion: long +0.5 and short −0.8 on a flat stock become a 30-share short sale', () => {
    const c = core2([1000, 500, 500, 1000, 1500, 500], [10, 10], [0, 0]);
    c.trade([0.5, 0, -0.8, 0]);
    expect(Array.from(c.fused)).toEqual([0, 0, -30, 0]);
    expect(c.holdings[0]).toBe(-30);
    // short sale: limit −= 300, fee 0.3 off credit and short equity
    expect(c.limit).toBe(700);
    expect(c.credit).toBeCloseTo(1499.7, 12);
    expect(c.shortEquity).toBeCloseTo(499.7, 12);
  });
  it('an existing long takes the net action of both legs (a sale, never a short)', () => {
    const c = core2([1000, 500, 500, 1000, 1500, 500], [10, 10], [20, 0]);
    c.trade([0.1, 0, -0.5, 0]); // net −40 shares on a 20-share long: sells 20, does not go short
    expect(c.holdings[0]).toBe(0);
    expect(Array.from(c.executed)).toEqual([-20, 0, 0, 0]);
    expect(c.cash).toBeCloseTo(1000 + 200 * 0.999, 10);
  });
  it('buys are limited by cash including the fee (floor division)', () => {
    const c = core2([1000, 500, 500, 1000, 1500, 500], [99.9, 10], [0, 0]);
    c.trade([1, 0, 0, 0]); // 100 shares wanted; 1000 // (99.9·1.001) = 10
    expect(c.holdings[0]).toBe(10);
    expect(c.cash).toBeCloseTo(1000 - 999 * 1.001, 10);
    expect(c.longEquity).toBeCloseTo(500 - 0.999, 10);
  });
  it('the warning level (0.4) blocks new buys but not sales', () => {
    // long MV 1000, equity 400 → maintenance exactly 0.4, not above it
    const c = core2([100, 700, 400, 1000, 1500, 500], [10, 10], [100, 0]);
    c.trade([0, 0.5, 0, 0]);
    expect(c.holdings[1]).toBe(0);
    c.trade([-0.1, 0, 0, 0]);
    expect(c.holdings[0]).toBe(90);
  });
  it('the warning level blocks new short sales', () => {
    // short MV 1000, short equity 300 → 0.3 ≤ 0.4
    const c = core2([1000, 500, 500, 1000, 2300, 300], [10, 10], [0, -100]);
    c.trade([0, 0, -0.5, 0]);
    expect(c.holdings[0]).toBe(0);
  });
});

describe('re-margining (hand-computed)', () => {
  it('update_loan borrows more on a profit', () => {
    const c = core2([100, 500, 600, 1000, 1500, 500], [10, 10], [100, 0]);
    c.updateLoan('periodic');
    expect(c.loan).toBe(600);
    expect(c.cash).toBe(200);
  });
  it('update_loan repays from cash on a loss', () => {
    const c = core2([300, 500, 400, 1000, 1500, 500], [10, 10], [60, 0]);
    c.updateLoan('periodic');
    expect(c.loan).toBe(400);
    expect(c.cash).toBe(200);
  });
  it('update_loan force-sells whole positions, smallest market value first, when cash is short', () => {
    // cash 50, loan 500, equity 350 → d = −150; rest = 100; positions MV 300 (A) and 1000 (B)
    const c = core2([50, 500, 350, 1000, 1500, 500], [10, 20], [30, 50]);
    c.trace = { trades: [], margin: [] };
    c.updateLoan('maintenance_call');
    // A (MV 300) is sold whole: cash 300·0.999 = 299.7, then cash −= rest 100 → 199.7; B untouched
    expect(c.holdings[0]).toBe(0);
    expect(c.holdings[1]).toBe(50);
    expect(c.cash).toBeCloseTo(199.7, 10);
    expect(c.loan).toBe(350);
    expect(c.longEquity).toBeCloseTo(350 - 0.3, 10);
    expect(c.trace.margin[0].branch).toBe('forced_liquidation');
    expect(c.counters.forcedTrades).toBe(1);
  });
  it('update_credit raises, cuts, and forces a buy-in', () => {
    let c = core2([1000, 500, 500, 500, 1500, 500], [10, 10], [0, -50]); // 2·500 − (500+500) = 0 → cut (limit > 0)
    c.updateCredit('periodic');
    expect(c.limit).toBe(500);
    c = core2([1000, 500, 500, 400, 1500, 600], [10, 10], [0, -50]); // d = 1200 − 900 = 300 → raise
    c.updateCredit('periodic');
    expect(c.limit).toBe(700);
    expect(c.credit).toBe(1800);
    // d = 2·300 − (100 + 800) = −300; limit 100 ≤ 300 → buy-in; rest = −200
    c = core2([1000, 500, 500, 100, 1200, 300], [10, 20], [-30, -25]);
    c.updateCredit('maintenance_call');
    // smallest |MV| first: stock 0 (300): rest −200 vs market −300 → not >, limit = 300 − 200 = 100 after cover adds 300
    expect(c.holdings[0]).toBe(0);
    expect(c.holdings[1]).toBe(-25);
    expect(c.limit).toBeCloseTo(100, 10);
    expect(c.credit).toBeCloseTo(1200 - 0.3 - 300, 10);
  });
  it('a strict-level margin call (maintenance < 0.3) re-margins inside the step (hand-computed)', () => {
    // long MV 1000, equity 250 → 0.25 < 0.3 → update_loan: d = 250 − 750 = −500; cash 100 < 500 → rest 400,
    // cash 0; MVs [500, 500] (numpy order [0, 1]): sell stock 0 whole: cash 500·0.999 = 499.5, e^l −0.5;
    // 500 ≥ rest → cash −= 400 → 99.5, stop; loan −= 500 → 250.
    const c = core2([100, 750, 250, 1000, 1500, 500], [10, 10], [50, 50]);
    c.day = 1;
    c.trade([0, 0, 0, 0]);
    expect(c.counters.marginCalls).toBe(1);
    expect(c.counters.forcedTrades).toBe(1);
    expect(Array.from(c.holdings)).toEqual([0, 50]);
    expect(c.cash).toBeCloseTo(99.5, 10);
    expect(c.loan).toBe(250);
    expect(c.longEquity).toBeCloseTo(249.5, 10);
  });
  it('a short-side margin call forces a buy-in (hand-computed)', () => {
    // short MV 1000 (100 @ 10), equity 250 → 0.25 < 0.3 → update_credit: d = 2·250 − (100 + 1000) = −600;
    // limit 100 ≤ 600 → rest = −600 + 100 = −500, limit 0; cover 100 sh: limit += 1000, credit and e^s −1;
    // market −1000 > −500? no → limit −= 500 → 500; credit −= 600.
    const c = core2([1000, 500, 500, 100, 1350, 250], [10, 10], [-100, 0]);
    c.day = 1;
    c.trade([0, 0, 0, 0]);
    expect(c.counters.marginCalls).toBe(1);
    expect(Array.from(c.holdings)).toEqual([0, 0]);
    expect(c.limit).toBeCloseTo(500, 10);
    expect(c.credit).toBeCloseTo(1350 - 1 - 600, 10);
    expect(c.shortEquity).toBeCloseTo(249, 10);
  });
  it('the periodic re-margin runs on day 30, not on day 0', () => {
    const c = core2([100, 500, 600, 1000, 1500, 500], [10, 10], [100, 0]);
    c.day = 0;
    c.trade([0, 0, 0, 0]);
    expect(c.loan).toBe(500);
    c.day = 30;
    c.trade([0, 0, 0, 0]);
    expect(c.loan).toBe(600);
    expect(c.counters.periodicRemargins).toBe(1);
  });
});

describe('turbulence rule', () => {
  it('on the constant −hmax override, long sales follow numpy order and ignore the requested size', () => {
    const c = new MarginCore(27, envConfig('paper', { turbulenceThreshold: 70 }));
    c.restoreAccount(
      [0, 500_000, 500_000, 1_000_000, 1_500_000, 500_000],
      Array.from({ length: 27 }, (_, i) => (i % 2 ? 300 : 0)),
      new Array(27).fill(50),
    );
    c.trace = { trades: [], margin: [] };
    c.turbulence = 75;
    c.trade(new Array(54).fill(0.01)); // tiny buys requested: overridden to −hmax, every long sold whole
    const sells = c.trace.trades.filter((t) => t.op === 'SL');
    expect(sells.map((t) => t.i)).toEqual([0, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 25, 13, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 12, 26]);
    expect(sells.filter((t) => t.delta !== 0).every((t) => t.delta === -300 && t.requested === -100)).toBe(true);
    expect(c.holdings.every((h) => h === 0)).toBe(true);
  });
  it('an unknown (NaN) risk value blocks new buys but does not fire the rule (the original tests turbulence < threshold)', () => {
    const c = core2([1000, 500, 500, 1000, 1500, 500], [10, 10], [20, 0], { turbulenceThreshold: 70 });
    c.turbulence = NaN;
    c.trade([-0.1, 0.5, 0, 0]);
    expect(c.holdings[0]).toBe(10); // a normal sale of 10, not the whole position
    expect(c.holdings[1]).toBe(0); // buy refused
  });
  it('sells every long, blocks buys and new shorts, leaves shorts open (paper)', () => {
    const c = core2([1000, 500, 500, 1000, 1500, 500], [10, 10], [20, -20], { turbulenceThreshold: 70 });
    c.turbulence = 80;
    c.trade([1, 1, -1, -1]);
    expect(c.holdings[0]).toBe(0);
    expect(c.holdings[1]).toBe(-20);
  });
  it('covers shorts too with coverShortsOnTurbulence', () => {
    const c = core2([1000, 500, 500, 1000, 1500, 500], [10, 10], [20, -20], { turbulenceThreshold: 70, coverShortsOnTurbulence: true });
    c.turbulence = 80;
    c.trade([0, 0, 0, 0]);
    expect(Array.from(c.holdings)).toEqual([0, 0]);
  });
});

describe('reallocation (update_ratio)', () => {
  it('moves equity long → short keeping k = 2 on both books', () => {
    const c = core2([1000, 500, 500, 1000, 1500, 500], [10, 10], [0, 0]);
    const r = c.reallocate({ target: 0.3 });
    expect(r.target).toBe(0.3);
    // d = 500 − 300 = 200 (free cash 500 suffices)
    expect(c.accountVector()).toEqual([600, 300, 300, 1400, 2100, 700]);
    expect(c.totalEquity).toBe(1000);
  });
  it('clips the paper rule f·(1+c) to [0.1, 0.9]', () => {
    const c = core2([1000, 500, 500, 1000, 1500, 500], [10, 10], [0, 0]);
    expect(c.reallocate({ change: 0.9 }).target).toBe(0.9); // 0.5·1.9 = 0.95 → 0.9
  });
  it('closes whole positions when free cash is short, and only the fees change total equity', () => {
    // long book fully invested: cash 500 = loan 500 → no free cash
    const c = core2([500, 500, 500, 1000, 1500, 500], [10, 10], [30, 20]);
    const before = c.totalEquity;
    c.reallocate({ target: 0.4 });
    expect(c.holdings[1]).toBe(0); // smallest MV (200) sold first
    expect(c.totalEquity).toBeCloseTo(before - 200 * 0.001, 10);
    expect(c.longEquity / c.totalEquity).toBeCloseTo(0.4, 12);
  });
});

describe('execution order with ties', () => {
  it('argsortSelected equals numpy-order argsort restricted to the selected entries (property)', async () => {
    const fc = (await import('fast-check')).default;
    const { argsortSelected } = await import('../../env/numpy-compat.ts');
    const sc = { idx: new Int32Array(64), stack: new Int32Array(192), leaves: new Int32Array(400) };
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -4, max: 4 }), { minLength: 1, maxLength: 60 }), (vals) => {
        const v = Float64Array.from(vals);
        const full = Array.from(argsort(v)).filter((i) => v[i] !== 0);
        const out = new Int32Array(v.length);
        const m = argsortSelected(v, v.length, (x) => x !== 0, out, sc);
        expect(Array.from(out.slice(0, m))).toEqual(full);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('execution order of a leg equals numpy argsort order (property, with many ties)', () => {
  it.each([
    ['small share counts (int32 fast path)', 3],
    ['huge share counts (comparison path)', 3e8],
  ])('sells ascending and buys descending in numpy tie order: %s', async (_label, hmax) => {
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 27, maxLength: 27 }), (ints) => {
        // every stock held long, so the whole net action goes to the long leg; plenty of cash for every buy
        const c = new MarginCore(27, envConfig('paper', { hmax }));
        c.restoreAccount([1e20, 0, 1e20, 1e9, 1.5e9, 5e8], new Array(27).fill(1e9), new Array(27).fill(10));
        c.trace = { trades: [], margin: [] };
        const actions = [...ints.map((x) => x / 3), ...new Array(27).fill(0)];
        c.trade(actions);
        const la = Float64Array.from(ints.map((x) => Math.trunc((x / 3) * hmax)));
        const order = Array.from(argsort(la));
        const expectedSells = order.filter((i) => la[i] < 0);
        const expectedBuys = [...order].reverse().filter((i) => la[i] > 0);
        expect(c.trace.trades.filter((t) => t.op === 'SL').map((t) => t.i)).toEqual(expectedSells);
        expect(c.trace.trades.filter((t) => t.op === 'BL').map((t) => t.i)).toEqual(expectedBuys);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("numpy's heapsort fallback (reached only for very deep introsort recursions)", () => {
  it('sorts any range ascending', async () => {
    const fc = (await import('fast-check')).default;
    const { heapsortRange } = await import('../../env/numpy-compat.ts');
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 80 }), (vals) => {
        const idx = Int32Array.from(vals.map((_, i) => i));
        heapsortRange(vals, idx, 0, vals.length);
        const sorted = Array.from(idx).map((i) => vals[i]);
        expect(sorted).toEqual([...vals].sort((a, b) => a - b));
        expect(new Set(idx).size).toBe(vals.length);
      }),
      { numRuns: 500 },
    );
  });
});
