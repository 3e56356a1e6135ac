/**
 * `marginlab train` and `marginlab evaluate`: flag wiring over the training and evaluation pipelines
 * (agents/pipelines/train.ts, agents/pipelines/evaluate.ts). Flags, defaults, allowed values and help come
 * from TrainRunSchema / EvaluateSchema.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { parseConditioningFlag } from '../../agents/conditioning.ts';
import { EvaluateSchema, evaluateRun, loadSchedule } from '../../agents/pipelines/evaluate.ts';
import { parsePeriod, runTraining, TrainRunSchema } from '../../agents/pipelines/train.ts';
import { writeFileAtomic } from '../../src/atomic.ts';
import { ScheduleError, schedulePeriodCheck } from '../../src/schedule.ts';
import { checkBundledData, checkOutputDir, ensureOutputDir, UserError, withInterrupt } from '../errors.ts';
import { addSchemaOptions, parseSchemaOptions, withFlags, type FieldFlags } from '../schema-flags.ts';

/** How the training fields the schema cannot spell alone appear on the command line. */
export const TRAIN_FLAGS: FieldFlags = {
  conditioning: {
    flag: 'condition-ratio',
    value: '[spec]',
    help:
      'Each episode opens at a random long share and reallocates to random targets inside it, drawn from the run seed\'s "conditioning" stream. ' +
      "SPEC (optional) is a comma list: uniform=LO:HI (0.2:0.8), p=P (0.5: probability of the uniform part, else the paper's grid 0.35…0.65), grid=paper|V/V/…, gap=DAYS|off (63: mean trading days between reallocations); " +
      'in --config: {uniform, pUniform, grid, meanGapDays} or null',
    parse: (raw, flag) => {
      try {
        return parseConditioningFlag(raw, flag);
      } catch (e) {
        throw new UserError((e as Error).message);
      }
    },
  },
};

export function registerTrainCommands(program: Command): void {
  const train = program
    .command('train')
    .description('train an agent on the margin env over a training period; writes a run folder (config, manifest, metrics.jsonl, checkpoint) and can resume');
  addSchemaOptions(train, TrainRunSchema, { flags: TRAIN_FLAGS });
  train
    .requiredOption('--out <dir>', 'run folder, e.g. checkpoints/ppo-paper-s0')
    .option('--resume', 'continue the run in --out from its last checkpoint')
    .addHelpText(
      'after',
      '\nExamples:\n  marginlab train --algo a2c --preset margintrader --seed 0 --out checkpoints/a2c-paper\n  marginlab train --algo ppo --preset paper --timesteps 200000 --num-envs 4 --random-start --episode-length 256 --out checkpoints/ppo\n  marginlab train --algo ppo --num-envs 4 --random-start --episode-length 252 --timesteps 50000 --condition-ratio --out checkpoints/ppo-conditioned\n  marginlab train --algo ppo --condition-ratio uniform=0.3:0.7,p=1,gap=126 --out checkpoints/ppo-cond-uniform\n  marginlab train --algo ppo --out checkpoints/ppo --resume',
    )
    .action(async (o: Record<string, unknown>, cmd: Command) => {
      const run = parseSchemaOptions(TrainRunSchema, o, cmd, {}, undefined, TRAIN_FLAGS);
      const out = o.out as string;
      const res = await withInterrupt('finishing the current update and writing a checkpoint', (signal) =>
        withFlags(() => runTraining(run, out, { resume: Boolean(o.resume), signal }), TRAIN_FLAGS),
      );
      console.log(
        JSON.stringify({
          runDir: res.runDir,
          algo: res.algo,
          backend: res.backend,
          updates: res.updates,
          totalUpdates: res.totalUpdates,
          globalStep: res.globalStep,
          finished: res.finished,
        }),
      );
      if (!res.finished) console.error(`stopped early: resume with  marginlab train --algo ${run.algo} --out ${out} --resume`);
    });

  const evaluate = program
    .command('evaluate')
    .description(
      'evaluate a trained agent (deterministic policy) over a trade period: metrics JSON, a daily account CSV, and the DJIA buy-and-hold benchmark side by side',
    );
  addSchemaOptions(evaluate, EvaluateSchema);
  evaluate
    .addHelpText('after', '\nExample:\n  marginlab evaluate --checkpoint checkpoints/a2c-paper --trade 2020-05-01:2024-03-28')
    .action(async (o: Record<string, unknown>, cmd: Command) => {
      const cfg = parseSchemaOptions(EvaluateSchema, o, cmd);
      const res = await withFlags(async () => {
        const range = parsePeriod('trade', cfg.trade);
        const schedule = cfg.ratioSchedule ? loadSchedule(cfg.ratioSchedule) : null;
        checkBundledData(); // evaluation reads the bundled data: refuse a corrupted bundle, naming the file
        if (cfg.out) checkOutputDir(cfg.out);
        let r;
        try {
          r = await evaluateRun(cfg.checkpoint, range, { schedule, turbulence: cfg.turbulence, backend: cfg.backend, universe: cfg.universe });
        } catch (e) {
          if (e instanceof ScheduleError) throw new UserError(`--ratio-schedule ${cfg.ratioSchedule}: ${e.message}`);
          if ((e as Error).name === 'CheckpointError') throw new UserError(`--checkpoint ${cfg.checkpoint}: ${(e as Error).message}`);
          throw e;
        }
        // Events of the schedule that never act in the trade period (ignored, never firing, overridden).
        if (schedule)
          r.summary.warnings.push(
            ...schedulePeriodCheck(
              schedule,
              r.rows.map((x) => x.date),
            ).warnings.map((w) => `--ratio-schedule ${cfg.ratioSchedule}: ${w}`),
          );
        return { ...r, range };
      });
      const out = ensureOutputDir(cfg.out ?? join(cfg.checkpoint, `eval-${res.range.start}_${res.range.end}`));
      writeFileAtomic(join(out, 'metrics.json'), JSON.stringify(res.summary, null, 2) + '\n');
      writeFileAtomic(join(out, 'account.csv'), res.csv);
      for (const w of res.summary.warnings) console.error(`warning: ${w}`);
      console.log(JSON.stringify({ out, ...res.summary }));
    });
}
