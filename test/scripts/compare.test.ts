import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CompareSchema, runCompare } from '../../scripts/commands/compare.ts';

const base = { seeds: [3, 4], timesteps: 300, trade: '2020-05-01:2021-06-30', overlays: ['momentum', 'oracle'], backend: 'cpu' } as const;

describe('compare (the main job)', () => {
  const out = mkdtempSync(join(tmpdir(), 'compare-'));
  let first: Awaited<ReturnType<typeof runCompare>>;

  it('writes a complete run folder with every arm for every seed', async () => {
    first = await runCompare(CompareSchema.parse({ ...base, out }));
    for (const f of ['config.json', 'manifest.json', 'results.json', 'table.md', 'table.csv', 'equity.svg', 'report.html']) expect(existsSync(join(out, f)), f).toBe(true);
    for (const s of [3, 4]) {
      expect(existsSync(join(out, 'agents', `seed-${s}`, 'checkpoint.json'))).toBe(true);
      for (const arm of ['no-overlay', 'control-c0', 'overlay-momentum', 'overlay-oracle']) expect(existsSync(join(out, 'episodes', `${arm}-seed${s}.csv`)), arm).toBe(true);
    }
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(Object.keys(results.perSeed).sort()).toEqual(['DJIA', 'control-c0', 'no-overlay', 'overlay:momentum', 'overlay:oracle'].sort());
    expect(results.arms.find((a: any) => a.name === 'overlay:oracle').cheating).toBe(true);
    expect(first.table).toMatch(/overlay:oracle \(cheating\)/);
    const md = readFileSync(join(out, 'table.md'), 'utf8');
    expect(md.split('\n')[0]).toMatch(/Annual return.*Sharpe ratio.*Max drawdown.*Calmar ratio/);
    // paired differences against both baselines
    expect(Object.keys(first.paired)).toContain('overlay:momentum vs no-overlay');
    expect(Object.keys(first.paired)).toContain('overlay:momentum vs control-c0');
    // forecasts with explanations reach the report
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/Trend following/);
    expect(html).toMatch(/cheating upper bound/);
  });

  it('arms differ only by the schedule: same agent, same start, overlay moves the long share on its dates', () => {
    const csv = (arm: string) => readFileSync(join(out, 'episodes', `${arm}-seed3.csv`), 'utf8').trim().split('\n');
    const none = csv('no-overlay');
    const mom = csv('overlay-momentum');
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
    const fc = readFileSync(join(out, 'forecasts', 'momentum.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    for (const d of sched.decisions) expect(d.score).toBe(fc.find((r: any) => r.date === d.boundary).score);
  });

  it('a rerun reuses the trained agents and reproduces every number', async () => {
    const metricsBefore = readFileSync(join(out, 'agents', 'seed-3', 'metrics.jsonl'), 'utf8');
    const again = await runCompare(CompareSchema.parse({ ...base, out }));
    expect(readFileSync(join(out, 'agents', 'seed-3', 'metrics.jsonl'), 'utf8')).toBe(metricsBefore);
    expect(again.perSeed).toEqual(first.perSeed);
  });

  it('an LLM signals file is an arm, and dates before the model cutoff are flagged as parametric look-ahead', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'compare-llm-'));
    const fc = readFileSync(join(out, 'forecasts', 'momentum.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const llm = fc.map((r: any) => ({ ...r, provider: 'openai', model: 'gpt-4o-2024-05-13', modelCutoff: { month: '2023-10', origin: 'table', approximate: false }, cached: false }));
    const path = join(dir, 'gpt4o.jsonl');
    writeFileSync(path, llm.map((r: any) => JSON.stringify(r)).join('\n') + '\n');
    const res = await runCompare(CompareSchema.parse({ ...base, seeds: [3], overlays: [], signals: [path], checkpoints: [join(out, 'agents', 'seed-3')], out: join(dir, 'run') }));
    expect(Object.keys(res.perSeed)).toContain('overlay:gpt4o');
    expect(res.warnings.join('\n')).toMatch(/cutoff|look-ahead/i);
    expect(readFileSync(join(dir, 'run', 'report.html'), 'utf8')).toMatch(/cutoff|look-ahead/i);
  });

  it('refuses a trade period that overlaps training', async () => {
    await expect(runCompare(CompareSchema.parse({ ...base, trade: '2018-06-01:2019-06-01', out: join(out, 'x') }))).rejects.toThrow(/look-ahead/);
  });
});
