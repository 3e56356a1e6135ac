/**
 * `marginlab sweep plan|run-task|run|merge|status`: flag wiring over agents/sweep/ (a study as a plan of
 * idempotent tasks, run by any engine, then merged).
 */
import type { Command } from 'commander';
import { runLocal } from '../../agents/sweep/local.ts';
import { mergeSweep } from '../../agents/sweep/merge.ts';
import { SweepRunSchema } from '../../agents/sweep/options.ts';
import { planSweep } from '../../agents/sweep/plan.ts';
import { runSweepTask } from '../../agents/sweep/run-task.ts';
import { runSlurm, slurmQueue } from '../../agents/sweep/slurm.ts';
import { readSweepSpec } from '../../agents/sweep/spec.ts';
import { sweepStatus } from '../../agents/sweep/status.ts';
import { EXIT, interruptExitCode } from '../exit-codes.ts';
import { numberFlag, UserError } from '../errors.ts';
import { trapInterrupts } from '../interrupt.ts';
import { addSchemaOptions, parseSchemaOptions, withFlags, type FieldFlags } from '../schema-flags.ts';

const RUN_FLAGS: FieldFlags = {
  sbatchArg: { flag: 'sbatch-arg', value: '<args>' },
};

const err = (line: string) => void process.stderr.write(`[sweep] ${line}\n`);

export function registerSweepCommands(program: Command): void {
  const sweep = program
    .command('sweep')
    .description(
      'studies larger than one machine: plan a grid of comparisons as idempotent tasks (one trained agent with all its arm ' +
        'evaluations, one baseline, one set of forecasts and schedules), run them locally or as Slurm job arrays, and merge ' +
        'them into the comparison\'s tables and statistics. "compare" is a sweep of one cell.',
    );

  sweep
    .command('plan')
    .argument('<spec>', 'the study: a JSON or YAML file (name, base, axes, cells; see the README)')
    .requiredOption('--out <dir>', 'the sweep folder (plan.json, tasks/); re-planning keeps finished tasks')
    .option('--backend <name>', 'TensorFlow.js backend of every task (wasm | cpu | tensorflow; default: the spec\'s, "auto" resolved here)')
    .description('expand SPEC into DIR/plan.json: one task per unit of work, each with a stable id (the hash of its config)')
    .addHelpText('after', '\nExamples:\n  marginlab sweep plan study.yaml --out runs/study\n  marginlab sweep plan study.json --out runs/study --backend cpu')
    .action(async (spec: string, o: { out: string; backend?: string }) => {
      const plan = await withFlags(() => planSweep(readSweepSpec(spec), o.out, { backend: o.backend as never }));
      const kinds = (k: string) => plan.tasks.filter((t) => t.kind === k).length;
      console.log(
        `${o.out}/plan.json: ${plan.cells.length} cell(s), ${plan.tasks.length} task(s) (${kinds('agent')} agent, ${kinds('baseline')} baseline, ${kinds('schedules')} schedules); code ${plan.codeVersion}, backend ${plan.backend}`,
      );
    });

  sweep
    .command('run-task')
    .argument('<dir>', 'the sweep folder')
    .option('--index <i>', "the task's index in the plan (default: $SLURM_ARRAY_TASK_ID or $JOB_COMPLETION_INDEX)")
    .option('--offset <n>', 'added to the index (job arrays above MaxArraySize are chunks)', '0')
    .option('--id <id>', "the task's id instead of its index")
    .option('--lease-stale-s <s>', 'seconds after which an untouched lease is stale on any host', '600')
    .description(
      'run exactly one task (idempotent: a done task is skipped, an interrupted one resumes from its checkpoint, a task another ' +
        'worker holds is left alone). Exit: 0 done, 1 permanent error (do not retry), 70 failed (may retry), 75 held or waiting for a ' +
        'dependency (try later), 143/130 stopped at a checkpoint by SIGTERM/Ctrl-C',
    )
    .action(async (dir: string, o: { index?: string; offset: string; id?: string; leaseStaleS: string }) => {
      const trap = trapInterrupts({
        notice: (s) => `\n[sweep] ${s}: stopping at the next checkpoint\n`,
        repeat: 'exit',
        signals: ['SIGINT', 'SIGTERM'],
      });
      try {
        const outcome = await withFlags(() =>
          runSweepTask(dir, {
            index: numberFlag('--index', o.index, { integer: true, min: 0 }),
            offset: numberFlag('--offset', o.offset, { integer: true, min: 0 }),
            id: o.id,
            leaseStaleMs: (numberFlag('--lease-stale-s', o.leaseStaleS, { min: 1 }) ?? 600) * 1000,
            signal: trap.signal,
            log: err,
          }),
        );
        const t = outcome.task;
        if (outcome.status === 'done' || outcome.status === 'skipped') {
          console.log(JSON.stringify({ id: t.id, index: t.index, status: outcome.status }));
          return;
        }
        err(`${t.id} (${t.label}): ${outcome.status}: ${outcome.message}`);
        process.exitCode =
          outcome.status === 'interrupted'
            ? interruptExitCode(trap.received ?? 'SIGTERM')
            : outcome.status === 'held' || outcome.status === 'waiting'
              ? EXIT.locked
              : outcome.permanent
                ? EXIT.input
                : EXIT.internal;
      } finally {
        trap.dispose();
      }
    });

  const run = sweep
    .command('run')
    .argument('<dir>', 'the sweep folder (planned with "sweep plan")')
    .description('run every unfinished task: a local process pool, or Slurm job arrays (a rerun submits only what is missing)');
  addSchemaOptions(run, SweepRunSchema, { flags: RUN_FLAGS });
  run
    .addHelpText(
      'after',
      '\nExamples:\n  marginlab sweep run runs/study --workers 2\n' +
        '  marginlab sweep run runs/study --executor slurm --partition cpu --time 02:00:00 --mem 4G --array-limit 50\n' +
        '  marginlab sweep run runs/study --executor slurm --dry-run',
    )
    .action(async (dir: string, o: Record<string, unknown>, c: Command) => {
      const cfg = parseSchemaOptions(SweepRunSchema, o, c, {}, undefined, RUN_FLAGS);
      if (cfg.executor === 'slurm') {
        const sub = await withFlags(() => runSlurm(dir, cfg, { log: err }), RUN_FLAGS);
        for (const j of sub.jobs)
          console.log(`${j.jobId ?? '(dry run)'}\t${j.group === 'merge' ? 'merge' : `group ${j.group}`}\t${j.indices.length} task(s)\t${j.command.join(' ')}`);
        console.log(`${sub.jobs.length} job(s)${cfg.dryRun ? ' written, not submitted' : ' submitted'}; ${sub.skipped} task(s) done or running were left out`);
        return;
      }
      const trap = trapInterrupts({
        notice: () => '\n[sweep] stopping: every running task checkpoints; a rerun continues\n',
        repeat: 'exit',
        signals: ['SIGINT', 'SIGTERM'],
      });
      try {
        const s = await withFlags(
          () => runLocal(dir, { workers: cfg.workers, signal: trap.signal, log: err, taskArgs: ['--lease-stale-s', String(cfg.leaseStaleS)] }),
          RUN_FLAGS,
        );
        console.log(
          `${s.done} task(s) run, ${s.skipped} already done, ${s.failed.length} failed, ${s.blocked.length} blocked, ${s.held.length} held elsewhere, of ${s.total}`,
        );
        for (const f of s.failed)
          console.log(`failed: ${f.label} (${f.id})${f.permanent ? ' [permanent]' : ''}: ${f.message} — log: ${dir}/tasks/${f.id}/run.log`);
        for (const b of s.blocked) console.log(`blocked: ${b.label}: ${b.reason}`);
        if (s.interrupted) process.exitCode = interruptExitCode(trap.received ?? 'SIGINT');
        else if (s.failed.length || s.blocked.length || s.held.length) process.exitCode = EXIT.partial;
      } finally {
        trap.dispose();
      }
    });

  sweep
    .command('merge')
    .argument('<dir>', 'the sweep folder')
    .option('--cells <names>', 'only these cells (comma-separated)')
    .option('--collect', "copy the tasks' daily accounts, weights, forecasts and schedules into each cell's report folder")
    .description(
      "aggregate every finished task into the comparison's tables, paired statistics and report, one per cell (DIR/merged/CELL/), " +
        'and DIR/summary.md; says what is missing (exit 2 when something is)',
    )
    .action((dir: string, o: { cells?: string; collect?: boolean }) => {
      const s = mergeSweepOrThrow(dir, o);
      for (const c of s.cells)
        console.log(
          `${c.cell}: ${c.out ? `${c.seeds.complete.length} of ${c.seeds.planned.length} seed(s) → ${c.out}` : 'nothing merged yet'}${c.missing.length ? `; ${c.missing.length} task(s) missing` : ''}`,
        );
      console.log(`${s.tasks - s.missing} of ${s.tasks} task(s) done; summary: ${dir}/summary.md`);
      if (s.missing) process.exitCode = EXIT.partial;
    });

  sweep
    .command('status')
    .argument('<dir>', 'the sweep folder')
    .option('--json', 'one JSON object: every task with its state')
    .option('--all', 'list every task, not only the ones that are not done')
    .description("where every task stands (done / running / failed / stalled / pending), from the task files, and the scheduler's view where squeue is present")
    .action((dir: string, o: { json?: boolean; all?: boolean }) => {
      const s = sweepStatusOrThrow(dir);
      const queue = slurmQueue(dir);
      if (o.json) {
        console.log(JSON.stringify({ counts: s.counts, tasks: s.tasks.map((t) => ({ ...t, slurm: queue?.get(t.index) ?? null })) }, null, 2));
        return;
      }
      console.log(
        `${s.plan.name}: ${s.tasks.length} task(s): ${Object.entries(s.counts)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ')}`,
      );
      for (const t of s.tasks) {
        if (!o.all && t.state === 'done') continue;
        const q = queue?.get(t.index);
        console.log(
          `${String(t.index).padStart(5)}  ${t.state.padEnd(8)} ${t.id}  ${t.label}${q ? `  [slurm: ${q}]` : ''}${t.detail ? `  — ${t.detail}` : ''}`,
        );
      }
    });
}

function mergeSweepOrThrow(dir: string, o: { cells?: string; collect?: boolean }) {
  try {
    return mergeSweep(dir, { cells: o.cells?.split(',').map((x) => x.trim()), collect: o.collect, log: err });
  } catch (e) {
    throw e instanceof Error && e.name === 'ParameterError' ? new UserError(e.message) : e;
  }
}

function sweepStatusOrThrow(dir: string) {
  try {
    return sweepStatus(dir);
  } catch (e) {
    throw e instanceof Error && e.name === 'ParameterError' ? new UserError(e.message) : e;
  }
}
