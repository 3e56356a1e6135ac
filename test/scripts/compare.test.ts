import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CompareSchema, rebuildCompareReport, runCompare } from '../../agents/compare/index.ts';
import { buildPlan } from '../../agents/sweep/plan.ts';
import { ScoringContexts, universeClosePrices } from '../../overlays/scoring/context.ts';
import { OracleScorer } from '../../overlays/scoring/offline.ts';
import { collectScores } from '../../overlays/scoring/run.ts';
import { resolveUniverse } from '../../src/data/universe.ts';

const base = { seeds: [3, 4], timesteps: 300, trade: '2020-05-01:2021-06-30', overlays: ['momentum', 'oracle'], backend: 'cpu' } as const;
const AGENT_ARMS = ['no-overlay', 'control-c0', 'overlay:momentum', 'overlay:oracle'];
const file = (arm: string) => arm.replace(/[/:+]/g, '-');
/** The training run folder of an agent of a comparison (a task of its plan). */
const agentDir = (out: string, agent: string, seed: number) => {
  const plan = JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8'));
  const id = plan.cells[0].agents.find((a: any) => a.agent === agent && a.seed === seed).task;
  return join(out, 'tasks', id, 'agent');
};

describe('compare (the main job)', () => {
  const out = mkdtempSync(join(tmpdir(), 'compare-'));
  let first: Awaited<ReturnType<typeof runCompare>>;

  it('writes a complete run folder with every arm for every seed', async () => {
    first = await runCompare(CompareSchema.parse({ ...base, out }));
    for (const f of ['config.json', 'manifest.json', 'results.json', 'table.md', 'table.csv', 'equity.svg', 'report.html'])
      expect(existsSync(join(out, f)), f).toBe(true);
    for (const s of [3, 4]) {
      for (const agent of ['paper', 'conditioned']) {
        expect(existsSync(join(agentDir(out, agent, s), 'checkpoint.json'))).toBe(true);
        for (const arm of AGENT_ARMS) expect(existsSync(join(out, 'episodes', `${file(`${agent}/${arm}`)}-seed${s}.csv`)), arm).toBe(true);
      }
    }
    // the conditioned agent was trained with the ratio curriculum, the paper's agent was not
    expect(JSON.parse(readFileSync(join(agentDir(out, 'conditioned', 3), 'config.json'), 'utf8')).run.conditioning).not.toBeNull();
    expect(JSON.parse(readFileSync(join(agentDir(out, 'paper', 3), 'config.json'), 'utf8')).run.algo).toBe('a2c');
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    const baselines = ['mvo', 'min-variance', 'equal-weight', 'risk-parity', 'momentum', 'finrl-mvo'];
    const mvoArms = ['mvo+control-c0', 'mvo+overlay:momentum', 'mvo+overlay:oracle'];
    const agentArms = ['paper', 'conditioned'].flatMap((a) => AGENT_ARMS.map((x) => `${a}/${x}`));
    expect(Object.keys(results.perSeed).sort()).toEqual(['DJIA', ...agentArms, ...baselines, ...mvoArms].sort());
    // A baseline is one path: the same numbers beside every seed; its daily account and weights are in the folder.
    expect(results.perSeed.mvo['3']).toEqual(results.perSeed.mvo['4']);
    for (const b of [...baselines, ...mvoArms]) {
      expect(existsSync(join(out, 'episodes', `${file(b)}.csv`)), b).toBe(true);
      expect(existsSync(join(out, 'weights', `${file(b)}.csv`)), b).toBe(true);
    }
    expect(results.arms.find((a: any) => a.name === 'mvo+overlay:oracle').cheating).toBe(true);
    expect(results.arms.find((a: any) => a.name === 'mvo').kind).toBe('baseline');
    expect(results.arms.find((a: any) => a.name === 'paper/overlay:oracle').cheating).toBe(true);
    expect(first.table).toMatch(/conditioned\/overlay:oracle \(cheating\)/);
    const md = readFileSync(join(out, 'table.md'), 'utf8');
    expect(md.split('\n')[0]).toMatch(/Annual return.*Sharpe ratio.*Max drawdown.*Calmar ratio/);
    // paired differences against both baselines
    for (const a of ['paper', 'conditioned']) {
      expect(Object.keys(first.paired)).toContain(`${a}/overlay:momentum vs ${a}/no-overlay`);
      expect(Object.keys(first.paired)).toContain(`${a}/overlay:momentum vs ${a}/control-c0`);
    }
    expect(Object.keys(first.paired)).toContain('paper/no-overlay vs mvo');
    expect(Object.keys(first.paired)).toContain('conditioned/no-overlay vs mvo');
    expect(Object.keys(first.paired)).toContain('mvo+overlay:momentum vs mvo+control-c0');
    // the reviewer's statistics: Holm within families, sentences, bootstrap settings recorded
    const vsMvo = first.stats.comparisons.find((c) => c.arm === 'conditioned/no-overlay' && c.base === 'mvo')!;
    expect(vsMvo.block).toBeDefined();
    expect(vsMvo.sentence).toMatch(/the mvo baseline in \d of 2 seeds; ΔSharpe/);
    const mvoOverlay = first.stats.comparisons.find((c) => c.arm === 'mvo+overlay:momentum')!;
    expect(mvoOverlay.pSource).toBe('block-bootstrap');
    expect(results.stats.options).toMatchObject({ resamples: 2000, seed: 0 });
    expect(md).toMatch(/Holm/);
    // forecasts with explanations reach the report
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/Trend following/);
    expect(html).toMatch(/cheating upper bound/);
    expect(html).toMatch(/What is and is not significant/);
    expect(html).toMatch(/: (not )?significant\./);
    expect(html).toMatch(/hmax lifted/);
  });

  it('--report-only rebuilds the same tables and statistics from the run folder, and a new bootstrap seed is recorded', async () => {
    const md = readFileSync(join(out, 'table.md'), 'utf8');
    const results = readFileSync(join(out, 'results.json'), 'utf8');
    const again = rebuildCompareReport(out);
    expect(readFileSync(join(out, 'table.md'), 'utf8')).toBe(md);
    expect(readFileSync(join(out, 'results.json'), 'utf8')).toBe(results);
    expect(again.stats).toEqual(first.stats);
    const other = rebuildCompareReport(out, { bootstrapSeed: 5 });
    expect(other.stats.options.seed).toBe(5);
    expect(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')).config.bootstrapSeed).toBe(5);
    rebuildCompareReport(out, { bootstrapSeed: 0 });
  });

  it('arms differ only by the schedule: same agent, same start, overlay moves the long share on its dates', () => {
    const csv = (arm: string) =>
      readFileSync(join(out, 'episodes', `${file(arm)}-seed3.csv`), 'utf8')
        .trim()
        .split('\n');
    const none = csv('paper/no-overlay');
    const mom = csv('paper/overlay:momentum');
    expect(none.length).toBe(mom.length);
    const col = (rows: string[], name: string) => {
      const i = rows[0].split(',').indexOf(name);
      return rows.slice(1).map((r) => Number(r.split(',')[i]));
    };
    expect(col(none, 'equity')[0]).toBe(col(mom, 'equity')[0]);
    expect(new Set(col(none, 'target_long_share'))).toEqual(new Set([0.5]));
    // momentum's first forecast (2020-05-01) moves the target away from 0.5 right away
    const sched = JSON.parse(readFileSync(join(out, 'schedules', 'momentum.json'), 'utf8'));
    expect(sched.reallocations[0].date).toBe('2020-05-01');
    expect(col(mom, 'target_long_share')[1]).toBeCloseTo(sched.targets[0].longShare, 12);
    // the stage-2 decision at each boundary uses the forecast dated AT that boundary
    const fc = readFileSync(join(out, 'forecasts', 'momentum.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    for (const d of sched.decisions) expect(d.score).toBe(fc.find((r: any) => r.date === d.boundary).score);
  });

  it('a rerun reuses the trained agents and reproduces every number', async () => {
    const metricsBefore = readFileSync(join(agentDir(out, 'conditioned', 3), 'metrics.jsonl'), 'utf8');
    const again = await runCompare(CompareSchema.parse({ ...base, out }));
    expect(readFileSync(join(agentDir(out, 'conditioned', 3), 'metrics.jsonl'), 'utf8')).toBe(metricsBefore);
    expect(again.perSeed).toEqual(first.perSeed);
  });

  it('an LLM signals file is an arm, and dates before the model cutoff are flagged as parametric look-ahead', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'compare-llm-'));
    const fc = readFileSync(join(out, 'forecasts', 'momentum.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const llm = fc.map((r: any) => ({
      ...r,
      provider: 'openai',
      model: 'gpt-4o-2024-05-13',
      modelCutoff: { month: '2023-10', origin: 'table', approximate: false },
      cached: false,
    }));
    const path = join(dir, 'gpt4o.jsonl');
    writeFileSync(path, llm.map((r: any) => JSON.stringify(r)).join('\n') + '\n');
    const res = await runCompare(
      CompareSchema.parse({ ...base, seeds: [3], overlays: [], signals: [path], checkpoints: [agentDir(out, 'paper', 3)], out: join(dir, 'run') }),
    );
    expect(Object.keys(res.perSeed)).toContain('checkpoint/overlay:gpt4o');
    expect(res.warnings.join('\n')).toMatch(/cutoff|look-ahead/i);
    expect(readFileSync(join(dir, 'run', 'report.html'), 'utf8')).toMatch(/cutoff|look-ahead/i);
  });

  it('never presents a result as something it is not: stale agents, checkpoints, arm names, look-ahead marks', async () => {
    // A request for agents trained on another period plans other tasks: the agents trained for this one are never reused.
    const { out: _o, workers: _w, ...cell } = CompareSchema.parse({ ...base, train: '2010-01-01:2018-12-31', out });
    const other = await buildPlan({ name: 'compare', base: cell, axes: {}, cells: [] });
    const planned = JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8'));
    const agentIds = (p: any) => p.tasks.filter((t: any) => t.kind === 'agent').map((t: any) => t.id);
    expect(agentIds(other).filter((id: string) => agentIds(planned).includes(id))).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), 'compare-marks-'));
    const ckpt = agentDir(out, 'paper', 3);
    // A checkpoint stands for its own seed, and its training period must not overlap the trade period.
    await expect(runCompare(CompareSchema.parse({ ...base, seeds: [4], overlays: [], checkpoints: [ckpt], out: join(dir, 'a') }))).rejects.toThrow(
      /trained with seed 3, but stands for seed 4/,
    );
    await expect(
      runCompare(
        CompareSchema.parse({
          ...base,
          seeds: [3],
          trade: '2018-06-01:2019-06-30',
          train: '2009-01-01:2009-12-31',
          overlays: [],
          checkpoints: [ckpt],
          out: join(dir, 'b'),
        }),
      ),
    ).rejects.toThrow(/trained on 2009-01-02 … 2018-12-31, which overlaps the trade period 2018-06-01/);
    // Arm names: explicit, unique, never an offline overlay's.
    const fc = readFileSync(join(out, 'forecasts', 'momentum.jsonl'), 'utf8');
    mkdirSync(join(dir, 'x'));
    mkdirSync(join(dir, 'y'));
    writeFileSync(join(dir, 'x', 'run.jsonl'), fc);
    writeFileSync(join(dir, 'y', 'run.jsonl'), fc);
    writeFileSync(join(dir, 'momentum.jsonl'), fc);
    const common = { ...base, seeds: [3], checkpoints: [ckpt], baselines: [], baselineOverlays: [] };
    await expect(
      runCompare(CompareSchema.parse({ ...common, overlays: [], signals: [join(dir, 'x', 'run.jsonl'), join(dir, 'y', 'run.jsonl')], out: join(dir, 'c') })),
    ).rejects.toThrow(/two signals files make the arm "run"/);
    await expect(
      runCompare(CompareSchema.parse({ ...common, overlays: ['momentum'], signals: [join(dir, 'momentum.jsonl')], out: join(dir, 'd') })),
    ).rejects.toThrow(/"momentum" is also an offline overlay/);
    // Forecasts that are not point in time mark the arm in every table.
    const notPit =
      fc
        .trim()
        .split('\n')
        .map((l) => JSON.stringify({ ...JSON.parse(l), pointInTime: false }))
        .join('\n') + '\n';
    writeFileSync(join(dir, 'paper-prompts.jsonl'), notPit);
    const res = await runCompare(
      CompareSchema.parse({
        ...common,
        overlays: [],
        signals: [`a=${join(dir, 'x', 'run.jsonl')}`, `b=${join(dir, 'paper-prompts.jsonl')}`],
        out: join(dir, 'e'),
      }),
    );
    expect(Object.keys(res.perSeed)).toEqual(expect.arrayContaining(['checkpoint/overlay:a', 'checkpoint/overlay:b']));
    expect(res.table).toMatch(/checkpoint\/overlay:b \(look-ahead\)/);
    expect(res.table).not.toMatch(/overlay:a \(look-ahead\)/);
    expect(readFileSync(join(dir, 'e', 'report.html'), 'utf8')).toMatch(/look-ahead\)?: not a result a real forecaster could have had/);
    const config = JSON.parse(readFileSync(join(dir, 'e', 'manifest.json'), 'utf8'));
    expect(config.checkpoints[0]).toMatchObject({ seed: 3, trainPeriod: { start: '2009-01-02', end: '2018-12-31' } });
  });

  it('LLM portfolios are baseline arms: the score strategies read --scores, the sector allocation its stand-ins, each with its decisions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'compare-llm-portfolios-'));
    const ckpt = agentDir(out, 'paper', 3);
    // Oracle scores (cheating) for the monthly decision days of the trade period, as "marginlab score" would write them.
    const u = resolveUniverse('dow30');
    const prices = universeClosePrices(u, ['2020-05-01'], { through: '2021-07-31' });
    const days = prices.dates.filter((d) => d >= '2020-05-01' && d <= '2021-06-30');
    const dates = days.filter((d, i) => i === 0 || d.slice(0, 7) !== days[i - 1].slice(0, 7));
    const records = await collectScores({ dates, contexts: new ScoringContexts({ prices }), scorer: new OracleScorer(prices, { dates }) });
    const scores = join(dir, 'oracle-scores.jsonl');
    writeFileSync(scores, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const res = await runCompare(
      CompareSchema.parse({
        ...base,
        seeds: [3],
        overlays: [],
        checkpoints: [ckpt],
        baselines: ['llm-score', 'black-litterman', 'sector-topdown'],
        baselineOverlays: [],
        scores,
        out: join(dir, 'run'),
      }),
    );
    expect(Object.keys(res.perSeed)).toEqual(expect.arrayContaining(['llm-score', 'black-litterman', 'sector-topdown']));
    // Oracle scores peek at the future: both score arms are marked, the sector allocation (no scores) is not.
    expect(res.table).toMatch(/llm-score \(cheating\)/);
    expect(res.table).toMatch(/black-litterman \(cheating\)/);
    expect(res.table).not.toMatch(/sector-topdown \(cheating\)/);
    // Each decision's reasoning is in the run folder, in date order.
    for (const arm of ['llm-score', 'black-litterman', 'sector-topdown']) {
      const notes = readFileSync(join(dir, 'run', 'decisions', `${arm}.jsonl`), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(notes.length, arm).toBeGreaterThan(0);
      expect(notes.map((n) => n.date)).toEqual([...notes.map((n) => n.date)].sort());
    }
    // A scores file that is not one is refused before anything runs, naming the file and line.
    writeFileSync(join(dir, 'bad.jsonl'), '{"date":"2020-05-01"}\n');
    await expect(
      runCompare(
        CompareSchema.parse({
          ...base,
          seeds: [3],
          overlays: [],
          checkpoints: [ckpt],
          baselines: ['llm-score'],
          baselineOverlays: [],
          scores: join(dir, 'bad.jsonl'),
          out: join(dir, 'bad'),
        }),
      ),
    ).rejects.toThrow(/bad\.jsonl:1/);
  });

  it('refuses a trade period that overlaps training', async () => {
    await expect(runCompare(CompareSchema.parse({ ...base, trade: '2018-06-01:2019-06-01', out: join(out, 'x') }))).rejects.toThrow(/look-ahead/);
  });
});
