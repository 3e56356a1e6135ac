import type { Command } from 'commander';
import { z } from 'zod';
import { PRESETS, type PresetName } from '../../env/config.ts';
import { replayFile } from '../../env/replay.ts';
import { ROLLOUT_POLICIES, rolloutEpisode } from '../../env/rollout.ts';
import { checkBundledData, dateFlag, UserError } from '../errors.ts';
import { addSchemaOptions, parseSchemaOptions } from '../schema-flags.ts';

/** `env replay`: the trace files to replay (its positional arguments). */
export const ReplaySchema = z
  .object({
    files: z.array(z.string()).min(1).describe('trace files in the fixtures format (test/fixtures/margintrader/*.json)'),
  })
  .strict();

/** `env rollout`: one episode with a fixed policy. */
export const RolloutSchema = z
  .object({
    policy: z.enum(ROLLOUT_POLICIES).default('random').describe('random | long (all long, max size) | short (all short) | flat (no trades)'),
    start: z.string().default('2019-01-01').describe('first trading day (YYYY-MM-DD)'),
    end: z.string().default('2019-12-31').describe('last trading day (YYYY-MM-DD)'),
    seed: z.number().int().default(0).describe('seed of the random policy'),
    preset: z
      .enum(Object.keys(PRESETS) as [PresetName, ...PresetName[]])
      .default('paper')
      .describe('env preset'),
    hmax: z.number().int().min(1).optional().describe('max shares per stock per day (default 100)'),
    longShare: z.number().min(0.01).max(0.99).optional().describe('initial long share of equity in (0, 1) (default 0.5)'),
    turbulence: z.number().optional().describe('turbulence threshold on VIX (the paper trades with 70; default off)'),
    json: z.boolean().default(false).describe('print the summary as one JSON object'),
  })
  .strict();
export type RolloutConfig = z.infer<typeof RolloutSchema>;

export function registerEnvCommands(program: Command): void {
  const env = program.command('env').description('the margin-trading environment: exact replays and quick rollouts');

  env
    .command('replay')
    .description(
      'replay reference traces of the original Python environment (episode files and the reallocation file) and compare ' +
        'account, holdings, executed shares, total asset and reward bit for bit; prints one JSON line per file, exits 1 on any mismatch',
    )
    .argument('<files...>', ReplaySchema.shape.files.description)
    .addHelpText('after', '\nExample:\n  marginlab env replay test/fixtures/margintrader/*.json')
    .action((args: string[]) => {
      const { files } = ReplaySchema.parse({ files: args });
      let bad = 0;
      for (const f of files) {
        // One unreadable or malformed trace must not hide the results of the others.
        try {
          const r = replayFile(f);
          if (r.mismatches > 0) bad++;
          console.log(JSON.stringify(r));
        } catch (e) {
          bad++;
          console.log(JSON.stringify({ file: f, error: (e as Error).message }));
        }
      }
      if (bad > 0) process.exitCode = 1;
    });

  const rollout = env
    .command('rollout')
    .description('run one episode with a fixed policy and print a summary (final equity, return, margin calls, forced trades, fees)');
  addSchemaOptions(rollout, RolloutSchema);
  rollout
    .addHelpText('after', '\nExample:\n  marginlab env rollout --policy long --start 2020-01-01 --end 2020-12-31 --preset realistic')
    .action((opts: Record<string, unknown>, cmd: Command) => {
      const o = parseSchemaOptions(RolloutSchema, opts, cmd);
      const start = dateFlag('start', o.start);
      const end = dateFlag('end', o.end);
      if (end <= start) throw new UserError(`--end (${end}) must be after --start (${start})`);
      checkBundledData(); // the rollout reads the bundled Dow file: refuse a corrupted bundle, naming the file
      let summary;
      try {
        summary = rolloutEpisode({ ...o, start, end });
      } catch (e) {
        throw new UserError(`--start ${start} --end ${end}: ${(e as Error).message}`);
      }
      const steps = summary.steps;
      const maxDrawdown = summary.maxDrawdown;
      if (o.json) {
        console.log(JSON.stringify(summary));
        return;
      }
      const money = (x: number) => `$${x.toLocaleString('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 })}`;
      console.log(`policy ${summary.policy}, preset ${summary.preset}, ${summary.start} … ${summary.end} (${steps} steps, ended by ${summary.endedBy})`);
      console.log(`  equity        ${money(summary.initialEquity)} → ${money(summary.finalEquity)}  (${(summary.return * 100).toFixed(2)}%)`);
      console.log(`  max drawdown  ${(maxDrawdown * 100).toFixed(2)}%    final long share ${(summary.finalLongShare * 100).toFixed(1)}%`);
      console.log(`  margin calls  ${summary.marginCalls}    periodic re-margins ${summary.periodicRemargins}    forced trades ${summary.forcedTrades}`);
      console.log(`  fees          ${money(summary.fees)}    financing ${money(summary.financing)}    trades ${summary.trades}`);
    });
}
