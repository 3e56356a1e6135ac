import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { addSchemaOptions, parseSchemaOptions } from '../../scripts/schema-flags.ts';

const Schema = z
  .object({
    window: z.number().int().min(2).default(252).describe('estimation window, days'),
    rebalance: z.enum(['daily', 'monthly']).default('monthly').describe('decision days'),
    riskFree: z.number().default(0).describe('annual risk-free rate'),
    turbulence: z.number().nullable().default(null).describe('threshold'),
    shortBottom: z.boolean().default(false).describe('short the bottom k'),
    names: z.array(z.string()).default([]).describe('tickers'),
  })
  .strict();

function parse(argv: string[]) {
  const cmd = new Command('t').exitOverride();
  addSchemaOptions(cmd, Schema);
  let out: unknown;
  cmd.action((o, c) => {
    out = parseSchemaOptions(Schema, o, c);
  });
  cmd.parse(argv, { from: 'user' });
  return out as z.infer<typeof Schema>;
}

describe('flags from the schema', () => {
  it("help shows each field's description, its allowed values and its default", () => {
    const cmd = new Command('t');
    addSchemaOptions(cmd, Schema);
    const help = cmd.helpInformation();
    expect(help).toMatch(/--window <value>\s+estimation window, days \[default: 252\]/);
    expect(help).toMatch(/--rebalance <value>\s+decision days \(daily \| monthly\) \[default: monthly\]/);
    expect(help).toMatch(/--risk-free <value>/);
    expect(help).toMatch(/--turbulence <value>\s+threshold \("off" for none\) \[default: off\]/);
    expect(help).toMatch(/--config <file>/);
  });

  it('parses typed values and fills defaults from the schema', () => {
    expect(parse(['--window', '60', '--turbulence', '70', '--short-bottom', '--names', 'A,B'])).toEqual({
      window: 60,
      rebalance: 'monthly',
      riskFree: 0,
      turbulence: 70,
      shortBottom: true,
      names: ['A', 'B'],
    });
    expect(parse(['--turbulence', 'off']).turbulence).toBeNull();
  });

  it('a bad value names the flag and the allowed values', () => {
    expect(() => parse(['--rebalance', 'fortnightly'])).toThrow(/--rebalance: .*\(allowed: daily, monthly\)/);
    expect(() => parse(['--window', 'abc'])).toThrow(/--window: expected an integer, got "abc"/);
    expect(() => parse(['--window', '1'])).toThrow(/--window: /);
  });

  it('reads --config once; explicit flags win; unknown keys and bad values name the file and key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flags-'));
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ window: 120, rebalance: 'daily' }));
    expect(parse(['--config', good, '--window', '30'])).toMatchObject({ window: 30, rebalance: 'daily' });
    const unknown = join(dir, 'unknown.json');
    writeFileSync(unknown, JSON.stringify({ windw: 120 }));
    expect(() => parse(['--config', unknown])).toThrow(/unknown.json: unknown key "windw" \(known: window, rebalance/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ rebalance: 'hourly' }));
    expect(() => parse(['--config', bad])).toThrow(/--config .*bad.json: "rebalance": .*\(allowed: daily, monthly\)/);
  });
});
