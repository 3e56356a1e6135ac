/**
 * Every command's flags come from its zod schema: `--help` lists each schema field's flag with its
 * description and default, and a bad value names the flag (or config key) and the allowed values.
 * In-process: the commander program is built and inspected, nothing is spawned.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { CompareSchema } from '../../agents/compare/config.ts';
import { EvaluateSchema } from '../../agents/pipelines/evaluate.ts';
import { TrainRunSchema } from '../../agents/pipelines/train.ts';
import { BacktestSchema } from '../../agents/portfolio/backtest.ts';
import { LlmExperimentSchema } from '../../agents/portfolio/llm-experiments.ts';
import { registerBacktestCommand } from '../../scripts/commands/backtest.ts';
import { COMPARE_FLAGS, registerCompareCommand } from '../../scripts/commands/compare.ts';
import { registerEnvCommands, RolloutSchema } from '../../scripts/commands/env.ts';
import { registerLlmPortfoliosCommand } from '../../scripts/commands/llm-portfolios.ts';
import { registerTrainCommands, TRAIN_FLAGS } from '../../scripts/commands/train.ts';
import { helpText, schemaFields, type FieldFlags } from '../../scripts/schema-flags.ts';

function program(): Command {
  const p = new Command('marginlab').exitOverride();
  registerEnvCommands(p);
  registerTrainCommands(p);
  registerCompareCommand(p);
  registerBacktestCommand(p);
  registerLlmPortfoliosCommand(p);
  const quiet = (c: Command) => {
    c.exitOverride()
      .configureHelp({ helpWidth: 100_000 })
      .configureOutput({ writeOut: () => {}, writeErr: () => {} });
    c.commands.forEach(quiet);
  };
  quiet(p);
  return p;
}

function sub(p: Command, path: string[]): Command {
  let c = p;
  for (const name of path) c = c.commands.find((x) => x.name() === name)!;
  return c;
}

const COMMANDS: { path: string[]; schema: z.ZodObject<z.ZodRawShape>; flags?: FieldFlags; skip?: string[] }[] = [
  { path: ['train'], schema: TrainRunSchema, flags: TRAIN_FLAGS },
  { path: ['evaluate'], schema: EvaluateSchema },
  { path: ['compare'], schema: CompareSchema, flags: COMPARE_FLAGS },
  { path: ['env', 'rollout'], schema: RolloutSchema },
  { path: ['backtest'], schema: BacktestSchema, skip: ['sectors'] },
  { path: ['llm-portfolios'], schema: LlmExperimentSchema },
];

describe('--help comes from the schema', () => {
  for (const { path, schema, flags, skip } of COMMANDS) {
    it(`${path.join(' ')}: every field's flag, description, allowed values and default`, () => {
      const help = sub(program(), path).helpInformation();
      for (const f of schemaFields(schema, flags)) {
        if (skip?.includes(f.key)) continue;
        expect(f.description, `${f.key} has no .describe()`).not.toBe('');
        const line = help.split('\n').find((l) => new RegExp(`^\\s*--${f.flag}\\s`).test(l));
        expect(line, `--${f.flag} in ${path.join(' ')} --help`).toBeDefined();
        expect(line).toContain(helpText(f));
        expect(line).toContain(f.description);
        if (f.defaultValue !== undefined) expect(line).toMatch(/\[default: [^\]]+\]/);
        for (const c of f.choices ?? []) expect(line).toContain(c);
      }
      expect(help).toMatch(/--config <file>/);
    });
  }

  it("the defaults shown are the schema's (nothing repeated in the command files)", () => {
    const help = sub(program(), ['compare']).helpInformation();
    expect(help).toMatch(/--freq <months> .*\[default: 6\]/);
    expect(help).toMatch(/--seeds <list> .*\[default: 0,1,2,3,4\]/);
    expect(help).toMatch(/--baseline-overlays .*\[default: mvo\]/);
    const train = sub(program(), ['train']).helpInformation();
    expect(train).toMatch(/--condition-ratio \[spec\] .*uniform=LO:HI.*\[default: off\]/);
    expect(train).toMatch(/--train <value> .*\[default: 2009-01-01:2018-12-31\]/);
  });
});

async function fails(argv: string[]): Promise<string> {
  try {
    await program().parseAsync(argv, { from: 'user' });
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`${argv.join(' ')} did not fail`);
}

describe('a bad value names the flag and the allowed values', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-schemas-'));
  it('compare --freq 5', async () => {
    expect(await fails(['compare', '--freq', '5', '--out', join(dir, 'c')])).toBe(
      '--freq (config key "freqMonths"): expected one of 3, 6, 12; got 5 (allowed: 3, 6, 12)',
    );
  });
  it('compare --agents foo', async () => {
    expect(await fails(['compare', '--agents', 'paper,foo', '--out', join(dir, 'c')])).toMatch(/^--agents: expected one of paper, conditioned; got "foo"/);
  });
  it('--preset x, for train and for compare', async () => {
    expect(await fails(['train', '--algo', 'ppo', '--preset', 'x', '--out', join(dir, 't')])).toMatch(
      /^--preset: expected one of paper, realistic, margintrader; got "x"/,
    );
    expect(await fails(['compare', '--preset', 'x', '--out', join(dir, 'c')])).toMatch(/^--preset: expected one of paper, realistic; got "x"/);
  });
  it('compare --seeds: ranges are parsed, repeats refused naming the flag', async () => {
    expect(await fails(['compare', '--seeds', '0-2,1', '--out', join(dir, 'c')])).toMatch(/^--seeds: /);
  });
  it('a bad --config key or value names the file and the key', async () => {
    const unknown = join(dir, 'unknown.json');
    writeFileSync(unknown, JSON.stringify({ freqMnths: 3 }));
    expect(await fails(['compare', '--config', unknown])).toMatch(/--config .*unknown\.json: unknown key "freqMnths" \(known: .*freqMonths/);
    expect(await fails(['train', '--algo', 'ppo', '--config', unknown, '--out', join(dir, 't')])).toMatch(/--config .*unknown\.json: unknown key "freqMnths"/);
    expect(await fails(['evaluate', '--checkpoint', dir, '--config', unknown])).toMatch(/--config .*unknown\.json: unknown key "freqMnths"/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ freqMonths: 5 }));
    expect(await fails(['compare', '--config', bad])).toMatch(/--config .*bad\.json: "freqMonths": expected one of 3, 6, 12/);
  });
  it('explicit flags override --config', async () => {
    const cfg = join(dir, 'cfg.json');
    writeFileSync(cfg, JSON.stringify({ freqMonths: 5 }));
    // the file's bad value is overridden by the flag; the next problem is the flag's own
    expect(await fails(['compare', '--config', cfg, '--freq', '3', '--rule', 'nope'])).toMatch(/^--rule: expected one of paper, direct/);
  });
  it('env rollout --policy and evaluate --backend', async () => {
    expect(await fails(['env', 'rollout', '--policy', 'x'])).toMatch(/^--policy: expected one of random, long, short, flat/);
    expect(await fails(['evaluate', '--checkpoint', dir, '--backend', 'gpu'])).toMatch(/^--backend: expected one of auto, wasm, cpu, tensorflow/);
  });
});
