import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { FIXTURE_DIR } from '../helpers/fixture-frame.ts';

describe('marginlab env (through the real CLI)', () => {
  it('replay prints one JSON line per file with 0 mismatches and exits 0', () => {
    const files = ['random_2019.json', 'mixed_flip_2021.json', 'reallocation.json'].map((f) => join(FIXTURE_DIR, f));
    const r = runCli(['env', 'replay', ...files]);
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    for (const l of lines) {
      expect(Object.keys(l)).toEqual(['file', 'steps', 'compared', 'mismatches', 'maxAbsDiff', 'firstMismatch']);
      expect(l.mismatches).toBe(0);
    }
  });

  it('replay exits 1 on a mismatching trace and names the first mismatch', () => {
    const fx = JSON.parse(readFileSync(join(FIXTURE_DIR, 'random_2019.json'), 'utf8'));
    fx.steps[10].holdings[3] += 1;
    const path = join(mkdtempSync(join(tmpdir(), 'cli-')), 'bad.json');
    writeFileSync(path, JSON.stringify(fx));
    const r = runCli(['env', 'replay', path]);
    expect(r.code).toBe(1);
    const line = JSON.parse(r.stdout.trim());
    expect(line.mismatches).toBe(1);
    expect(line.firstMismatch.field).toBe('holdings');
  });

  it('rollout prints a summary with the requested policy', () => {
    const r = runCli(['env', 'rollout', '--policy', 'long', '--start', '2019-01-01', '--end', '2019-03-31', '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.policy).toBe('long');
    expect(s.steps).toBeGreaterThan(55);
    expect(s.finalEquity).toBeGreaterThan(0);
    expect(s.fees).toBeGreaterThan(0);
    for (const k of ['return', 'marginCalls', 'forcedTrades']) expect(s).toHaveProperty(k);
  });

  it('bad flags give one-line errors naming the flag, without a stack trace', () => {
    const r = runCli(['env', 'rollout', '--start', '2019-13-01']);
    expect(r.code).toBe(1); // an input error (scripts/exit-codes.ts)
    expect(r.stderr).toMatch(/--start: expected a date YYYY-MM-DD, got "2019-13-01"/);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
    const p = runCli(['env', 'rollout', '--policy', 'yolo']);
    expect(p.stderr).toMatch(/--policy: expected one of random, long, short, flat/);
  });
});
