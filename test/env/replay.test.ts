import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayFile } from '../../env/replay.ts';
import { FIXTURE_DIR, loadFixture } from '../helpers/fixture-frame.ts';

describe('exact replay of the original environment', () => {
  for (const f of ['random_2019.json', 'mixed_flip_2021.json', 'reallocation.json']) {
    it(`${f} replays bit-exact`, () => {
      const r = replayFile(join(FIXTURE_DIR, f));
      expect(r.firstMismatch).toBeNull();
      expect(r.mismatches).toBe(0);
      expect(r.maxAbsDiff).toBe(0);
      // Every step's account, holdings, executed, total and reward are compared.
      expect(r.compared).toBeGreaterThan(f === 'reallocation.json' ? 4000 : 20000);
    });
  }

  it('detects a one-ulp change in a recorded account value', () => {
    const fx = loadFixture('random_2019.json');
    const v = fx.steps[100].account[2];
    fx.steps[100].account[2] = v + Math.abs(v) * Number.EPSILON;
    const dir = mkdtempSync(join(tmpdir(), 'replay-'));
    const path = join(dir, 'tampered.json');
    writeFileSync(path, JSON.stringify(fx));
    const r = replayFile(path);
    expect(r.mismatches).toBe(1);
    expect(r.firstMismatch?.where).toContain('step 100');
    expect(r.firstMismatch?.field).toBe('account');
    expect(r.firstMismatch?.index).toBe(2);
  });

  it('detects a changed action (the trace no longer matches)', () => {
    const fx = loadFixture('mixed_flip_2021.json');
    fx.actions[5] = fx.actions[5].map((a: number) => -a);
    const dir = mkdtempSync(join(tmpdir(), 'replay-'));
    const path = join(dir, 'tampered.json');
    writeFileSync(path, JSON.stringify(fx));
    expect(replayFile(path).mismatches).toBeGreaterThan(0);
  });

  it('rejects a file that is not a trace with the field that is wrong', () => {
    const dir = mkdtempSync(join(tmpdir(), 'replay-'));
    const path = join(dir, 'bad.json');
    writeFileSync(path, JSON.stringify({ env_params: {}, dates: [] }));
    expect(() => replayFile(path)).toThrow(/bad\.json: not an episode trace: field "env_params\.hmax"/);
  });
});
