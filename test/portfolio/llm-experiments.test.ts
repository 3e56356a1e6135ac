import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { experimentTrade, LLM_EXPERIMENTS, runLlmExperiment } from '../../agents/portfolio/llm-experiments.ts';

const files = (dir: string): Record<string, string> => {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
      else if (e.name !== 'manifest.json' && e.name !== 'config.json') out[`${rel}${e.name}`] = readFileSync(join(d, e.name), 'utf8');
    }
  };
  walk(dir, '');
  return out;
};

describe('llm-portfolios: the named experiments', () => {
  it('sector-2019h1 runs the sector allocation and its benchmarks on both universes, with the published figures and the look-ahead warning', async () => {
    const out = mkdtempSync(join(tmpdir(), 'llm-exp-'));
    const res = await runLlmExperiment({ experiment: 'sector-2019h1', strategies: ['sector-topdown', 'xs-llm', 'xs-momentum'], out });
    expect(res.trade).toEqual({ start: '2019-01-01', end: '2019-06-30' });
    expect(res.arms.map((a) => a.arm)).toEqual([
      'dow30/sector-topdown',
      'dow30/xs-llm',
      'dow30/xs-momentum',
      'sectors/sector-topdown',
      'sectors/xs-llm',
      'sectors/xs-momentum',
    ]);
    // Daily decisions as published: one per trading day of the half year.
    for (const a of res.arms) expect(a.decisions, a.arm).toBe(123);
    expect(res.table).toMatch(/8\.79%/);
    expect(res.table).toMatch(/parametric look-ahead/);
    // The reasoning of every decision is in the run folder.
    const notes = readFileSync(join(out, 'decisions', 'dow30_sector-topdown.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect(notes).toHaveLength(123);
  });

  it('score strategies run once per scorer; the oracle is marked cheating and beats the random floor on rank IC; reruns give the same files', async () => {
    const cfg = { experiment: 'compare-period' as const, trade: '2021-01-01:2021-12-31', strategies: ['llm-score'], out: '' };
    const a = mkdtempSync(join(tmpdir(), 'llm-exp-a-'));
    const b = mkdtempSync(join(tmpdir(), 'llm-exp-b-'));
    const ra = await runLlmExperiment({ ...cfg, out: a });
    await runLlmExperiment({ ...cfg, out: b });
    expect(ra.arms.map((x) => `${x.arm}:${x.cheating}`)).toEqual(['llm-score[momentum]:false', 'llm-score[random]:false', 'llm-score[oracle]:true']);
    const q = Object.fromEntries(ra.quality.map((x) => [x.scorer, x.report.rankIc.mean]));
    expect(q.oracle).toBeGreaterThan(0.8);
    expect(Math.abs(q.random)).toBeLessThan(0.2);
    expect(ra.table).toMatch(/llm-score\[oracle\] \(cheating\)/);
    expect(files(b)).toEqual(files(a));
  });

  it('post-cutoff starts the month after the cutoff, and needs one', () => {
    const spec = LLM_EXPERIMENTS['post-cutoff'];
    expect(experimentTrade(spec, { modelCutoff: '2023-10' }, null)).toEqual({ start: '2023-11-01', end: '2024-12-06' });
    expect(experimentTrade(spec, { modelCutoff: '2023-12' }, null).start).toBe('2024-01-01');
    expect(() => experimentTrade(spec, {}, null)).toThrow(/knowledge cutoff/);
    expect(() => experimentTrade(spec, { modelCutoff: '2025-01' }, null)).toThrow(/no post-cutoff window/);
  });

  it('a scores file is a scorer arm; trading before its cutoff is flagged as parametric look-ahead', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llm-exp-file-'));
    // A first run's oracle scores, relabelled as an LLM's with a cutoff inside the trade period.
    const first = await runLlmExperiment({
      experiment: 'compare-period',
      trade: '2021-01-01:2021-06-30',
      strategies: ['llm-score'],
      scorers: ['oracle'],
      out: join(dir, 'a'),
    });
    expect(first.arms).toHaveLength(1);
    const lines = readFileSync(join(dir, 'a', 'scores', 'dow30-oracle.jsonl'), 'utf8')
      .trim()
      .split('\n');
    const llm = lines.map((l) => {
      const { cheating: _c, ...r } = JSON.parse(l);
      return JSON.stringify({ ...r, provider: 'openai', model: 'some-model', modelCutoff: { month: '2021-03', origin: 'flag', approximate: false } });
    });
    writeFileSync(join(dir, 'llm.jsonl'), llm.join('\n') + '\n');
    const res = await runLlmExperiment({
      experiment: 'compare-period',
      trade: '2021-01-01:2021-06-30',
      strategies: ['llm-score'],
      scorers: ['random'],
      scores: [`gpt=${join(dir, 'llm.jsonl')}`],
      out: join(dir, 'b'),
    });
    expect(res.arms.map((x) => x.arm)).toEqual(['llm-score[random]', 'llm-score[gpt]']);
    expect(res.warnings.join('\n')).toMatch(/before the model's knowledge cutoff 2021-03.*parametric look-ahead/);
    // post-cutoff takes its window from the file's recorded cutoff.
    const post = await runLlmExperiment({
      experiment: 'post-cutoff',
      strategies: ['equal-weight'],
      scorers: [],
      scores: [`gpt=${join(dir, 'llm.jsonl')}`],
      out: join(dir, 'c'),
    });
    expect(post.trade.start).toBe('2021-04-01');
  });
});
