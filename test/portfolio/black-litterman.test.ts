import { inverse, Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { backtestConfig, backtestStrategy } from '../../agents/portfolio/backtest.ts';
import { blackLittermanPosterior, forecastOnOrBefore, heLittermanOmega, idzorekOmega, impliedPrior } from '../../agents/portfolio/black-litterman.ts';
import { makeStrategy } from '../../agents/portfolio/strategies.ts';
import { exposures } from '../../agents/portfolio/strategy.ts';
import { ScoreBook } from '../../overlays/scoring/record.ts';
import { resolveUniverse } from '../../src/data/universe.ts';
import { forecast, historyAt, recordWithComposite, syntheticFrame } from './score-fixtures.ts';

// Annual Σ of three assets (vols 20%, 25%, 15%; correlations 0.5, 0.3, 0.4).
const vol = [0.2, 0.25, 0.15];
const rho = [
  [1, 0.5, 0.3],
  [0.5, 1, 0.4],
  [0.3, 0.4, 1],
];
const SIGMA = Float64Array.from({ length: 9 }, (_, k) => rho[Math.floor(k / 3)][k % 3] * vol[Math.floor(k / 3)] * vol[k % 3]);
const N = 3;
const W_MKT = [1 / 3, 1 / 3, 1 / 3];

/** The precision form, computed independently: M = [(τΣ)⁻¹ + PᵀΩ⁻¹P]⁻¹, μ = M[(τΣ)⁻¹Π + PᵀΩ⁻¹Q]. */
function precisionForm(prior: number[], tau: number, P: number[][], Q: number[], omega: number[]): { mean: number[]; cov: number[][] } {
  const S = new Matrix(Array.from({ length: N }, (_, i) => Array.from({ length: N }, (_, j) => SIGMA[i * N + j])));
  // ml-matrix's mul/add work in place: clone first.
  const tSinv = inverse(S.clone().mul(tau));
  const Pm = new Matrix(P);
  const Oinv = Matrix.diag(omega.map((w) => 1 / w));
  const M = inverse(tSinv.clone().add(Pm.transpose().mmul(Oinv).mmul(Pm)));
  const mean = M.mmul(tSinv.mmul(Matrix.columnVector(prior)).add(Pm.transpose().mmul(Oinv).mmul(Matrix.columnVector(Q))));
  return { mean: mean.to1DArray(), cov: S.clone().add(M).to2DArray() };
}

describe('Black–Litterman: pure functions', () => {
  const delta = 2.5;
  const tau = 0.05;
  const prior = impliedPrior(SIGMA, N, W_MKT, delta);

  it('the implied prior is δ·Σ·w_mkt', () => {
    for (let i = 0; i < N; i++) expect(prior[i]).toBeCloseTo((delta * (SIGMA[i * 3] + SIGMA[i * 3 + 1] + SIGMA[i * 3 + 2])) / 3, 15);
  });

  it('one relative view: mean and covariance equal the precision form to 1e-10 (He–Litterman Ω)', () => {
    const P = [[1, -1, 0]];
    const Q = [0.02];
    const omega = heLittermanOmega(P, SIGMA, N, tau);
    // ω = τ·pᵀΣp = τ(σ₁² + σ₂² − 2σ₁₂)
    expect(omega[0]).toBeCloseTo(tau * (0.04 + 0.0625 - 2 * 0.025), 15);
    const post = blackLittermanPosterior({ prior, cov: SIGMA, n: N, tau, P, Q, omega });
    const ref = precisionForm(Array.from(prior), tau, P, Q, Array.from(omega));
    for (let i = 0; i < N; i++) {
      expect(Math.abs(post.mean[i] - ref.mean[i])).toBeLessThan(1e-10);
      for (let j = 0; j < N; j++) expect(Math.abs(post.cov[i * N + j] - ref.cov[i][j])).toBeLessThan(1e-10);
    }
  });

  it('one absolute view on two assets, by hand: μ₀ = Π₀ + τσ₀²/(τσ₀² + ω)·(q − Π₀), μ₁ = Π₁ + τσ₀₁/(τσ₀² + ω)·(q − Π₀)', () => {
    const cov2 = Float64Array.from([0.04, 0.01, 0.01, 0.09]);
    const pi2 = impliedPrior(cov2, 2, [0.5, 0.5], 2); // [0.05, 0.1]
    expect(Array.from(pi2).map((x) => Number(x.toFixed(15)))).toEqual([0.05, 0.1]);
    const q = 0.15;
    const w = 0.001;
    const post = blackLittermanPosterior({ prior: pi2, cov: cov2, n: 2, tau: 0.1, P: [[1, 0]], Q: [q], omega: [w] });
    const g = 0.004 / (0.004 + w); // τσ₀² = 0.004
    expect(Math.abs(post.mean[0] - (0.05 + g * (q - 0.05)))).toBeLessThan(1e-12);
    expect(Math.abs(post.mean[1] - (0.1 + (0.001 / (0.004 + w)) * (q - 0.05)))).toBeLessThan(1e-12);
    // M = τΣ − τΣp(pᵀτΣp + ω)⁻¹pᵀτΣ: M₀₀ = 0.004 − 0.004²/0.005, M₀₁ = 0.001 − 0.004·0.001/0.005, M₁₁ = 0.009 − 0.001²/0.005
    expect(Math.abs(post.cov[0] - (0.04 + 0.004 - 0.004 ** 2 / 0.005))).toBeLessThan(1e-12);
    expect(Math.abs(post.cov[1] - (0.01 + 0.001 - (0.004 * 0.001) / 0.005))).toBeLessThan(1e-12);
    expect(Math.abs(post.cov[3] - (0.09 + 0.009 - 0.001 ** 2 / 0.005))).toBeLessThan(1e-12);
  });

  it('three absolute views with Idzorek Ω agree with the precision form to 1e-10', () => {
    const P = [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ];
    const Q = [0.08, -0.02, 0.05];
    const c = [0.3, 0.6, 0.9];
    const omega = idzorekOmega(P, SIGMA, N, tau, c);
    for (let k = 0; k < 3; k++) expect(omega[k]).toBeCloseTo((1 / c[k] - 1) * tau * SIGMA[k * 4], 15);
    const post = blackLittermanPosterior({ prior, cov: SIGMA, n: N, tau, P, Q, omega });
    const ref = precisionForm(Array.from(prior), tau, P, Q, Array.from(omega));
    for (let i = 0; i < N; i++) {
      expect(Math.abs(post.mean[i] - ref.mean[i])).toBeLessThan(1e-10);
      for (let j = 0; j < N; j++) expect(Math.abs(post.cov[i * N + j] - ref.cov[i][j])).toBeLessThan(1e-10);
    }
  });

  it('no views: the posterior mean is the prior exactly and Σ_BL = (1 + τ)Σ', () => {
    const post = blackLittermanPosterior({ prior, cov: SIGMA, n: N, tau, P: [], Q: [], omega: [] });
    expect(Array.from(post.mean)).toEqual(Array.from(prior));
    for (let k = 0; k < 9; k++) expect(post.cov[k]).toBeCloseTo((1 + tau) * SIGMA[k], 15);
  });

  it('Idzorek c = 1 pulls the view asset to its Q; c → 0 leaves the prior; c = 0 drops the view', () => {
    const P = [[0, 1, 0]];
    const Q = [0.2];
    const sure = blackLittermanPosterior({ prior, cov: SIGMA, n: N, tau, P, Q, omega: idzorekOmega(P, SIGMA, N, tau, [1]) });
    expect(Math.abs(sure.mean[1] - 0.2)).toBeLessThan(1e-12);
    const near = blackLittermanPosterior({ prior, cov: SIGMA, n: N, tau, P, Q, omega: idzorekOmega(P, SIGMA, N, tau, [1 - 1e-9]) });
    expect(Math.abs(near.mean[1] - 0.2)).toBeLessThan(1e-8);
    const faint = blackLittermanPosterior({ prior, cov: SIGMA, n: N, tau, P, Q, omega: idzorekOmega(P, SIGMA, N, tau, [1e-9]) });
    for (let i = 0; i < N; i++) expect(Math.abs(faint.mean[i] - prior[i])).toBeLessThan(1e-9);
    const none = blackLittermanPosterior({ prior, cov: SIGMA, n: N, tau, P, Q, omega: idzorekOmega(P, SIGMA, N, tau, [0]) });
    expect(none.used).toEqual([false]);
    expect(Array.from(none.mean)).toEqual(Array.from(prior));
    // c = 0.5: ω = pᵀτΣp, so a lone absolute view moves its asset halfway
    const half = blackLittermanPosterior({ prior, cov: SIGMA, n: N, tau, P, Q, omega: idzorekOmega(P, SIGMA, N, tau, [0.5]) });
    expect(half.mean[1]).toBeCloseTo((prior[1] + 0.2) / 2, 14);
  });

  it('He–Litterman Ω: τ cancels in the mean, not in the covariance', () => {
    const P = [
      [1, -1, 0],
      [0, 0, 1],
    ];
    const Q = [0.02, 0.07];
    const a = blackLittermanPosterior({ prior, cov: SIGMA, n: N, tau: 0.05, P, Q, omega: heLittermanOmega(P, SIGMA, N, 0.05) });
    const b = blackLittermanPosterior({ prior, cov: SIGMA, n: N, tau: 0.5, P, Q, omega: heLittermanOmega(P, SIGMA, N, 0.5) });
    for (let i = 0; i < N; i++) expect(a.mean[i]).toBeCloseTo(b.mean[i], 14);
    expect(Math.abs(a.cov[0] - b.cov[0])).toBeGreaterThan(1e-4);
  });

  it('certain views that are linearly dependent are an error; bad inputs are named', () => {
    const P = [
      [1, 0, 0],
      [2, 0, 0],
    ];
    expect(() => blackLittermanPosterior({ prior, cov: SIGMA, n: N, tau, P, Q: [0.1, 0.2], omega: [0, 0] })).toThrow(
      /not positive definite.*linearly dependent/,
    );
    expect(() => idzorekOmega([[1, 0, 0]], SIGMA, N, tau, [1.5])).toThrow(/confidence must be in \[0, 1\], got 1.5/);
    expect(() => blackLittermanPosterior({ prior, cov: SIGMA, n: N, tau: 0, P: [], Q: [], omega: [] })).toThrow(/τ must be > 0/);
    expect(() => impliedPrior(SIGMA, N, [0.5, 0.5], 2.5)).toThrow(/2 market weights for 3 assets/);
  });

  it('forecastOnOrBefore never returns a later forecast', () => {
    const fs = [forecast('2021-01-04', 'Bullish'), forecast('2021-02-01', 'Bearish'), forecast('2021-03-01', 'Flat')];
    expect(forecastOnOrBefore(fs, '2021-01-03')).toBeNull();
    expect(forecastOnOrBefore(fs, '2021-01-04')!.date).toBe('2021-01-04');
    expect(forecastOnOrBefore(fs, '2021-02-28')!.date).toBe('2021-02-01');
    expect(forecastOnOrBefore(fs, '2030-01-01')!.date).toBe('2021-03-01');
  });
});

describe('black-litterman strategy', () => {
  const tickers = ['AAA', 'BBB', 'CCC', 'DDD', 'EEE'];
  const frame = syntheticFrame(tickers, 320);
  const t = 300;
  const date = frame.dates[t];
  const ctx = (h = historyAt(frame, t)) => ({ date: h.date, history: h, previous: new Float64Array(tickers.length), periodsPerYear: 252 });

  it('journals the views with their date, cutoff, prompt hash, Q, confidence and ω, the prior and posterior; unscored assets 0', () => {
    const recs = [
      recordWithComposite(frame.dates[290], 'AAA', 6.2, { confidence: 0.8 }),
      recordWithComposite(frame.dates[290], 'BBB', 4.4),
      recordWithComposite(frame.dates[290], 'CCC', 5.1, { confidence: 0 }),
    ];
    const s = makeStrategy('black-litterman', { window: 120, maxWeight: 0.6 }, { scores: new ScoreBook(recs), scoresSource: 'hand.jsonl' });
    const w = s.decide(ctx());
    expect(w[3]).toBe(0);
    expect(w[4]).toBe(0);
    expect(exposures(w).long).toBeCloseTo(1, 9);
    const note = s.journal!()[0] as Record<string, any>;
    expect(note.date).toBe(date);
    const d = note.decisions[0];
    expect(d.unscored).toEqual(['DDD', 'EEE']);
    expect(d.views).toHaveLength(3);
    expect(d.views[0]).toMatchObject({ on: 'AAA', ticker: 'AAA', date: frame.dates[290], modelCutoff: '2023-10', confidence: 0.8, used: true });
    expect(d.views[0].promptHashes[0]).toMatch(/^a{64}$/);
    expect(d.views[2]).toMatchObject({ on: 'CCC', used: false, omega: 'infinite (confidence 0: dropped)' });
    // Q = viewScale·z, z over the three scored composites
    const c = [6.2, 4.4, 5.1];
    const m = (6.2 + 4.4 + 5.1) / 3;
    const sd = Math.sqrt(c.reduce((a, x) => a + (x - m) ** 2, 0) / 3);
    expect(d.views[0].Q).toBeCloseTo((0.05 * (6.2 - m)) / sd, 9);
    expect(Object.keys(d.prior)).toEqual(['AAA', 'BBB', 'CCC']);
    expect(Object.keys(d.posterior)).toEqual(['AAA', 'BBB', 'CCC']);
    expect(s.describe()).toMatch(/hand\.jsonl/);
    expect(s.describe()).toMatch(/equal market weights \(no market caps in the bundle\)/);
  });

  it('views from forecasts: one view on the equal-weight market from the latest successful forecast dated ≤ the decision', () => {
    const signals = [
      forecast(frame.dates[280], 'Bullish'),
      forecast(frame.dates[299], 'Bearish', { failure: 'timeout' }),
      forecast(frame.dates[301], 'Strongly Bearish'),
    ];
    const s = makeStrategy('black-litterman', { window: 120, views: 'forecasts', maxWeight: 0.6 }, { signals });
    s.decide(ctx());
    const d = (s.journal!()[0] as Record<string, any>).decisions[0];
    expect(d.views).toHaveLength(1);
    expect(d.views[0]).toMatchObject({
      on: 'market',
      date: frame.dates[280],
      score: 2,
      Q: 0.1,
      confidence: 0.7,
      promptHash: 'b'.repeat(64),
      modelCutoff: '2023-10',
      model: 'hand-made',
    });
    // A bullish market view lifts every asset's posterior above its prior here (positive correlations)
    for (const k of tickers) expect(d.posterior[k]).toBeGreaterThan(d.prior[k]);
    // before any forecast: no view, posterior = prior
    const s2 = makeStrategy('black-litterman', { window: 120, views: 'forecasts', maxWeight: 0.6 }, { signals: [forecast(frame.dates[310], 'Bullish')] });
    s2.decide(ctx());
    const n2 = s2.journal!()[0] as Record<string, any>;
    expect(n2.decisions[0].views).toEqual([]);
    expect(n2.decisions[0].posterior).toEqual(n2.decisions[0].prior);
    expect(n2.notes[0]).toMatch(/no successful forecast dated ≤/);
  });

  it('viewAnchor prior: Q = Π + viewScale·z, so equal composites (z = 0) leave the posterior at the prior', () => {
    const recs = tickers.map((k) => recordWithComposite(frame.dates[290], k, 5, { confidence: 0.9 }));
    const s = makeStrategy('black-litterman', { window: 120, maxWeight: 0.6, viewAnchor: 'prior' }, { scores: new ScoreBook(recs) });
    s.decide(ctx());
    const d = (s.journal!()[0] as Record<string, any>).decisions[0];
    for (const k of tickers) expect(d.posterior[k]).toBeCloseTo(d.prior[k], 9);
    d.views.forEach((v: any) => expect(v.Q).toBeCloseTo(d.prior[v.on], 9));
    expect(s.describe()).toMatch(/Q = Π \+ 0.05·z\(composite\)/);
  });

  it('a forecast without a confidence gets the He–Litterman ω, and the journal says so', () => {
    const s = makeStrategy(
      'black-litterman',
      { window: 120, views: 'forecasts', maxWeight: 0.6 },
      { signals: [forecast(frame.dates[280], 'Bullish', { confidence: null })] },
    );
    s.decide(ctx());
    const n = s.journal!()[0] as Record<string, any>;
    expect(n.notes[0]).toMatch(/view on market has no confidence: He–Litterman ω used for it/);
    expect(n.decisions[0].views[0].confidence).toBeNull();
  });

  it('says what is missing, refuses unsafe shorts, and marks cheating inputs', () => {
    expect(() => makeStrategy('black-litterman', { views: 'forecasts' }, {})).toThrow(/needs market forecasts \(StrategyInputs.signals/);
    expect(() => makeStrategy('black-litterman', { views: 'forecasts' }, { signals: [forecast('2021-01-04', 'Flat', { failure: 'x' })] })).toThrow(
      /no successful forecast/,
    );
    expect(() => makeStrategy('black-litterman', { minWeight: -0.1 }, {})).toThrow(/no gross exposure limit/);
    expect(() =>
      makeStrategy('black-litterman', { views: 'forecasts', personaAggregation: 'portfolios' }, { signals: [forecast('2021-01-04', 'Flat')] }),
    ).toThrow(/applies to score views/);
    const cheat = makeStrategy('black-litterman', { views: 'forecasts' }, { signals: [forecast('2021-01-04', 'Flat', { cheating: true })] });
    expect(cheat.cheating).toBe(true);
    expect(cheat.describe()).toMatch(/CHEATING/);
    const stand = makeStrategy('black-litterman', {}, {});
    expect(stand.cheating).toBe(false);
    expect(stand.describe()).toMatch(/offline stand-in: the transparent price-momentum scorer/);
  });

  it('long/short with a gross limit stays within its design', () => {
    const recs = tickers.map((k, i) => recordWithComposite(frame.dates[290], k, 4 + 0.5 * i));
    const s = makeStrategy('black-litterman', { window: 120, minWeight: -0.3, maxWeight: 0.6, gross: 1.6, net: 1 }, { scores: new ScoreBook(recs) });
    const w = s.decide(ctx());
    const e = exposures(w);
    expect(e.net).toBeCloseTo(1, 7);
    expect(e.gross).toBeLessThanOrEqual(1.6 + 1e-7);
    expect(s.design.long).toBeCloseTo(1.3, 14);
    expect(s.design.short).toBeCloseTo(0.3, 14);
  });
});

describe('black-litterman backtests on the Dow stocks', () => {
  const dow = resolveUniverse('dow30');
  const trade = '2021-01-04:2021-03-31';

  it('runs with the stand-in, a hand-made ScoreBook and forecasts, within the design and bounds, one journal note per decision', () => {
    const recs = dow.tickers.flatMap((k, i) => ['2020-12-31', '2021-02-01'].map((d, j) => recordWithComposite(d, k, 3.9 + ((i * 7 + j * 3) % 26) / 10)));
    const runs = [
      { inputs: {}, views: 'scores' },
      { inputs: { scores: new ScoreBook(recs), scoresSource: 'hand' }, views: 'scores' },
      { inputs: { signals: [forecast('2020-12-31', 'Bullish'), forecast('2021-02-26', 'Bearish')] }, views: 'forecasts' },
    ] as const;
    for (const r of runs) {
      const res = backtestStrategy(backtestConfig({ strategy: 'black-litterman', trade, maxWeight: 0.2, views: r.views }), { universe: dow, inputs: r.inputs });
      expect(res.decisions.length).toBe(3);
      expect(res.journal.map((n) => n.date)).toEqual(res.decisions.map((d) => d.date));
      for (const d of res.decisions) {
        const e = exposures(d.weights);
        expect(e.long).toBeLessThanOrEqual(1 + 1e-7);
        expect(e.short).toBeLessThan(1e-9);
        for (const x of d.weights) expect(x).toBeLessThanOrEqual(0.2 + 1e-7);
      }
    }
  });
});
