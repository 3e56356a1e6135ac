/**
 * `marginlab compare`: flag wiring over the comparison (agents/compare/): flags, defaults, allowed values
 * and help come from CompareSchema; the run, its report and the training workers are library code.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { CompareSchema } from '../../agents/compare/config.ts';
import { rebuildCompareReport } from '../../agents/compare/report.ts';
import { runCompare, signalArms } from '../../agents/compare/run.ts';
import { parseSeedList } from '../../src/metrics/seeds.ts';
import { UserError, withInterrupt } from '../errors.ts';
import { addSchemaOptions, givenOnCli, parseSchemaOptions, withFlags, type FieldFlags } from '../schema-flags.ts';

/** How the comparison's fields the schema cannot spell alone appear on the command line. */
export const COMPARE_FLAGS: FieldFlags = {
  seeds: {
    value: '<list>',
    parse: (raw, flag) => {
      try {
        return parseSeedList(String(raw));
      } catch (e) {
        throw new UserError(`${flag}: ${(e as Error).message}`);
      }
    },
  },
  freqMonths: { flag: 'freq', value: '<months>' },
  reportOnly: { flag: 'report-only' },
};

export function registerCompareCommand(program: Command): void {
  const cmd = program
    .command('compare')
    .description(
      'the main job: train (or load) agents for several seeds and trade the same period without the overlay, with a zero-change ' +
        'reallocation control, and with each overlay; writes a metrics table (mean ± sd across seeds), paired differences, ' +
        'daily accounts, forecasts with explanations, an equity chart and report.html. Offline by default (no API key).',
    );
  addSchemaOptions(cmd, CompareSchema, { flags: COMPARE_FLAGS });
  cmd
    .option('--report-only <dir>', 'rebuild the tables, statistics and report of a finished run folder without training or trading (bootstrap flags apply)')
    .addHelpText(
      'after',
      '\nExamples:\n  marginlab compare\n  marginlab compare --seeds 0-19 --agents conditioned --overlays momentum,macro,oracle --out runs/twenty-seeds\n' +
        '  marginlab compare --baselines mvo,risk-parity --baseline-overlays none --out runs/baselines\n' +
        '  marginlab compare --signals runs/gpt4o-macro.jsonl --checkpoints runs/compare/agents/paper/seed-0 --seeds 0\n' +
        '  marginlab compare --report-only runs/compare --bootstrap-seed 1',
    )
    .action(async (o: Record<string, unknown>, c: Command) => {
      const cfg = parseSchemaOptions(CompareSchema, o, c, {}, undefined, COMPARE_FLAGS);
      const explicit = (key: 'bootstrapResamples' | 'bootstrapSeed' | 'blockLength') =>
        givenOnCli(c, { flag: key.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`) });
      const t0 = Date.now();
      const res = await withFlags(async () => {
        for (const { path } of signalArms(cfg.signals, cfg.overlays)) if (!existsSync(path)) throw new UserError(`--signals: no such file ${path}`);
        if (cfg.scores !== undefined && !existsSync(cfg.scores)) throw new UserError(`--scores: no such file ${cfg.scores}`);
        return typeof o.reportOnly === 'string'
          ? rebuildCompareReport(o.reportOnly, {
              ...(explicit('bootstrapResamples') ? { bootstrapResamples: cfg.bootstrapResamples } : {}),
              ...(explicit('bootstrapSeed') ? { bootstrapSeed: cfg.bootstrapSeed } : {}),
              ...(explicit('blockLength') ? { blockLength: cfg.blockLength } : {}),
            })
          : await withInterrupt('finishing the current training update and writing a checkpoint', (signal) => runCompare(cfg, { signal }));
      }, COMPARE_FLAGS);
      console.log(res.table);
      console.log(
        '\ncomparisons (ΔSharpe, 95% interval: paired t over seeds, or a day block bootstrap where both arms are one path; Holm within each family):',
      );
      for (const x of res.stats.comparisons) {
        const ci = Number.isFinite(x.ci[0]) ? `[${x.ci[0].toFixed(3)}, ${x.ci[1].toFixed(3)}]` : '[n/a]';
        console.log(
          `  ${`${x.arm} vs ${x.base}`.padEnd(58)} ΔSharpe ${x.meanDiff >= 0 ? '+' : ''}${x.meanDiff.toFixed(3)} ${ci.padEnd(18)} Holm p ${x.pHolm.toFixed(3)}  P(arm > base) ${x.improvement.estimate.toFixed(2)}`,
        );
      }
      console.log('\nin words (Holm-adjusted within each family):');
      for (const x of res.stats.comparisons) console.log(`  - ${x.sentence}`);
      for (const w of res.warnings) console.log(`warning: ${w}`);
      console.log(
        `run folder: ${res.out} (report.html, table.md, results.json, episodes/, forecasts/, schedules/) in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
      );
    });
}
