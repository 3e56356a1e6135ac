/**
 * The pipelines are library code: nothing under agents/, env/, overlays/ or src/ imports scripts/ or
 * commander, and their errors speak of parameters, which the CLI renders with its flags.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePeriod } from '../../agents/pipelines/train.ts';
import { ParameterError } from '../../src/parameter-error.ts';
import { asUserError } from '../../scripts/schema-flags.ts';
import { COMPARE_FLAGS } from '../../scripts/commands/compare.ts';

const ROOT = join(import.meta.dirname, '..', '..');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return n === 'node_modules' ? [] : tsFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

describe('dependencies point one way: src ← env, overlays ← agents ← scripts', () => {
  it('library code never imports scripts/ or commander', () => {
    const offenders: string[] = [];
    for (const layer of ['src', 'env', 'overlays', 'agents']) {
      for (const f of tsFiles(join(ROOT, layer))) {
        const text = readFileSync(f, 'utf8');
        if (/from ['"](\.\.\/)+scripts\/|from ['"]commander['"]|import\(['"](\.\.\/)+scripts\//.test(text)) offenders.push(f.slice(ROOT.length + 1));
      }
    }
    expect(offenders).toEqual([]);
  });
});

describe('ParameterError', () => {
  it('speaks of config keys in the library and of flags on the command line', () => {
    const e = new ParameterError(['freqMonths', 'trade'], (n) => `${n('freqMonths')} must divide the ${n('trade')} period`);
    expect(e.message).toBe('freqMonths must divide the trade period');
    expect(e.param).toBe('freqMonths');
    expect((asUserError(e, COMPARE_FLAGS) as Error).message).toBe('--freq must divide the --trade period');
    expect((asUserError(e, COMPARE_FLAGS) as Error).name).toBe('UserError');
  });

  it('a period parameter names itself', () => {
    expect(() => parsePeriod('trade', '2021-01-01:2020-01-01')).toThrow(/^trade "2021-01-01:2020-01-01": start is after end/);
    try {
      parsePeriod('trade', '2021-01-01:2020-01-01');
    } catch (e) {
      expect((asUserError(e) as Error).message).toMatch(/^--trade "2021-01-01:2020-01-01": start is after end/);
    }
  });
});
