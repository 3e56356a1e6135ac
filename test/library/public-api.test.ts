/**
 * The public entry points: every name the README's "Use it as a library" names is exported
 * from the package root, and the subpaths resolve through package.json "exports" (self-reference).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as root from 'marginlab';
import * as agents from 'marginlab/agents';
import * as env from 'marginlab/env';
import * as metrics from 'marginlab/metrics';
import * as overlays from 'marginlab/overlays';
import * as portfolio from 'marginlab/portfolio';

const DOC = 'README.md';

describe('public API', () => {
  it('package.json maps the root and the subpaths to the .ts sources', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { exports: Record<string, string> };
    expect(pkg.exports).toMatchObject({
      '.': './index.ts',
      './env': './env/index.ts',
      './agents': './agents/index.ts',
      './overlays': './overlays/index.ts',
      './portfolio': './agents/portfolio/index.ts',
      './metrics': './src/metrics/index.ts',
    });
  });

  it('exports every name the library documentation lists', () => {
    const doc = readFileSync(DOC, 'utf8');
    // The functions table (first column: `name`) and the paragraph "Also at the root: …" (every `identifier`).
    const table = doc.slice(doc.indexOf('### The functions'), doc.indexOf('Also at the root'));
    const also = doc.slice(doc.indexOf('Also at the root'), doc.indexOf('| subpath |'));
    const names = [
      ...[...table.matchAll(/^\| `([A-Za-z_][A-Za-z0-9_]*)`/gm)].map((m) => m[1]),
      ...[...also.matchAll(/`([A-Za-z_][A-Za-z0-9_]*)`/g)].map((m) => m[1]),
    ];
    expect(names.length).toBeGreaterThan(25);
    const missing = names.filter((n) => !(n in root));
    expect(missing).toEqual([]);
  });

  it('the anchors: make an env, train, evaluate, strategies, stages, compare, metrics', () => {
    for (const n of [
      'makeEnv',
      'makeVecEnv',
      'trainPPO',
      'trainA2C',
      'evaluatePolicy',
      'evaluateStrategy',
      'evaluateEpisode',
      'runStage1',
      'runStage2',
      'runForecasts',
      'collectForecasts',
      'paperRuleSchedule',
      'runCompare',
      'perfStats',
      'loadPolicy',
    ]) {
      expect(typeof (root as Record<string, unknown>)[n], n).toBe('function');
    }
    expect(typeof root.CompareSchema.parse).toBe('function');
    expect(typeof root.metrics.perfStats).toBe('function');
    expect(typeof root.overlays.paperRuleSchedule).toBe('function');
    expect(typeof root.portfolio.backtestStrategy).toBe('function');
  });

  it('the subpaths hold each layer', () => {
    expect(typeof env.MarginTradingEnv).toBe('function');
    expect(typeof env.MarginVecEnv).toBe('function');
    expect(typeof env.envConfig).toBe('function');
    expect(typeof agents.trainPPO).toBe('function');
    expect(typeof agents.evaluateEpisode).toBe('function');
    expect(typeof agents.makeEnv).toBe('function');
    expect(typeof overlays.collectForecasts).toBe('function');
    expect(typeof overlays.scheduleFor).toBe('function');
    expect(typeof portfolio.backtestStrategy).toBe('function');
    expect(typeof portfolio.makeStrategy).toBe('function');
    expect(typeof metrics.perfStats).toBe('function');
    expect(typeof metrics.pairedDiff).toBe('function');
    // The root re-exports the same objects, not copies.
    expect(root.MarginTradingEnv).toBe(env.MarginTradingEnv);
    expect(root.trainPPO).toBe(agents.trainPPO);
  });
});
