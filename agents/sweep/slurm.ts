/**
 * The Slurm executor: every unfinished task of a plan becomes an element of a job array whose script runs
 * `marginlab sweep run-task DIR --offset O` (the element's index comes from SLURM_ARRAY_TASK_ID).
 *
 *   - Only what is missing is submitted: a task that is done, holds a live lease, or is still pending or
 *     running in the queue (an earlier submission) is left out. Slurm does not retry a failed array
 *     element; a rerun of `sweep run` resubmits it.
 *   - Group 1 (agents, baselines) waits for group 0 (forecasts, schedules) with `--dependency=afterany`:
 *     with afterok one failed schedule would leave every agent pending forever. A group-1 task whose
 *     dependency failed exits 75 (waiting) and is resubmitted by the next run.
 *   - Array indices must lie below the cluster's MaxArraySize (1001 unless slurm.conf says otherwise), so a
 *     larger plan is cut into chunks of that many plan indices, each its own job with `--offset`.
 *   - The optional merge job runs `sweep merge DIR` after every submitted job (afterany).
 *
 * Scripts go to DIR/slurm/ (overwritten: their content depends only on the plan and the flags; the array
 * spec is on sbatch's command line), element logs to DIR/slurm/logs/JOB_ELEMENT.out (appended), and
 * every submitted job to DIR/slurm/jobs.jsonl, which `sweep status` reads to ask squeue about them.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ParameterError } from '../../src/parameter-error.ts';
import { loadPlan, type PlanTask } from './plan.ts';
import type { SweepRunConfig } from './options.ts';
import { taskState } from './status.ts';
import { PACKAGE_ROOT } from './version.ts';

export interface SlurmJob {
  /** sbatch's job id (null in a dry run). */
  jobId: string | null;
  group: 0 | 1 | 'merge';
  /** Plan indices of the tasks in this array job (empty for the merge job). */
  indices: number[];
  /** Added to SLURM_ARRAY_TASK_ID to give the plan index. */
  offset: number;
  script: string;
  /** The sbatch command line. */
  command: string[];
}

export interface SlurmSubmission {
  jobs: SlurmJob[];
  /** Tasks already done, running or queued: not submitted. */
  skipped: number;
}

/** Slurm's default MaxArraySize: array indices 0 … 1000. */
export const DEFAULT_MAX_ARRAY_SIZE = 1001;

/** Queue states in which an array element will still run (it must not be submitted again). */
const LIVE_STATES = new Set(['PENDING', 'RUNNING', 'CONFIGURING', 'COMPLETING', 'RESIZING', 'REQUEUED', 'SUSPENDED', 'STAGE_OUT', 'SIGNALING']);

/** `1,2,3,5,7,8` → `1-3,5,7-8`: the compressed form sbatch's --array takes. */
export function compressIndices(xs: readonly number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < s.length;) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j]! + 1) j++;
    parts.push(i === j ? String(s[i]) : `${s[i]}-${s[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** Plan indices cut into array jobs: chunk c holds indices [c·M, (c+1)·M) and runs with offset c·M. */
export function chunkIndices(indices: readonly number[], maxArraySize: number): { offset: number; elements: number[]; indices: number[] }[] {
  const byChunk = new Map<number, number[]>();
  for (const i of [...indices].sort((a, b) => a - b)) {
    const c = Math.floor(i / maxArraySize);
    byChunk.set(c, [...(byChunk.get(c) ?? []), i]);
  }
  return [...byChunk.entries()].map(([c, ix]) => ({ offset: c * maxArraySize, elements: ix.map((i) => i - c * maxArraySize), indices: ix }));
}

function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** The cluster's MaxArraySize from `scontrol show config`, or Slurm's default. */
export function clusterMaxArraySize(): number {
  try {
    const out = execFileSync('scontrol', ['show', 'config'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 20_000 });
    const m = /^MaxArraySize\s*=\s*(\d+)/m.exec(out);
    if (m) return Number(m[1]);
  } catch {
    // No scontrol, or no controller reachable: Slurm's default.
  }
  return DEFAULT_MAX_ARRAY_SIZE;
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The batch script of one array job (or of the merge job). */
export function slurmScript(dir: string, cfg: SweepRunConfig, job: { name: string; logName: string; command: string[] }): string {
  const lines = [
    '#!/bin/bash',
    `# Written by "marginlab sweep run --executor slurm"; the array indices are on sbatch's command line.`,
    `#SBATCH --job-name=${job.name}`,
    `#SBATCH --output=${join(dir, 'slurm', 'logs', job.logName)}`,
    '#SBATCH --open-mode=append',
    `#SBATCH --cpus-per-task=${cfg.cpusPerTask}`,
  ];
  if (cfg.partition) lines.push(`#SBATCH --partition=${cfg.partition}`);
  if (cfg.time) lines.push(`#SBATCH --time=${cfg.time}`);
  if (cfg.mem) lines.push(`#SBATCH --mem=${cfg.mem}`);
  lines.push(
    '',
    // The code the plan was made with: this checkout, on the shared filesystem.
    `cd ${shellQuote(PACKAGE_ROOT)} || exit 1`,
    // exec: Slurm's SIGTERM (time limit, preemption, scancel) reaches node, which checkpoints and exits.
    `exec "\${MARGINLAB_NODE:-node}" bin/marginlab.js ${job.command.map(shellQuote).join(' ')}`,
    '',
  );
  return lines.join('\n');
}

function jobsFile(dir: string): string {
  return join(dir, 'slurm', 'jobs.jsonl');
}

interface JobRecord {
  jobId: string;
  group: 0 | 1 | 'merge';
  offset: number;
  indices: number[];
  submitted: string;
}

function readJobs(dir: string): JobRecord[] {
  const f = jobsFile(dir);
  if (!existsSync(f)) return [];
  const out: JobRecord[] = [];
  for (const line of readFileSync(f, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as JobRecord);
    } catch {
      // A line cut short by a crash mid-append: the others still count.
    }
  }
  return out;
}

/** Every element squeue still knows, as [array job id, element, state]; null when squeue is absent or fails. */
function squeueElements(): [string, number, string][] | null {
  if (!hasCommand('squeue')) return null;
  const r = spawnSync('squeue', ['-h', '-r', '-o', '%F %K %T'], { encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) return null;
  const out: [string, number, string][] = [];
  for (const line of r.stdout.split('\n')) {
    const [job, el, state] = line.trim().split(/\s+/);
    if (!job || el === undefined || !state || !/^\d+$/.test(el)) continue;
    out.push([job, Number(el), state]);
  }
  return out;
}

/**
 * The scheduler's state of each plan index this sweep submitted and squeue still lists (finished jobs
 * leave the queue after Slurm's MinJobAge); null when squeue is absent or nothing was submitted. Never
 * throws: status works without a scheduler.
 */
export function slurmQueue(dir: string): Map<number, string> | null {
  try {
    const jobs = readJobs(dir).filter((j) => j.group !== 'merge');
    if (!jobs.length) return null;
    const elements = squeueElements();
    if (!elements) return null;
    const byId = new Map(jobs.map((j) => [j.jobId, j]));
    const out = new Map<number, string>();
    for (const [job, el, state] of elements) {
      const rec = byId.get(job);
      if (!rec) continue;
      const index = el + rec.offset;
      // Of two submissions of one index, a live one is the one that counts.
      if (!out.has(index) || LIVE_STATES.has(state)) out.set(index, state.toLowerCase());
    }
    return out;
  } catch {
    return null;
  }
}

/** Ids of this sweep's jobs that squeue still lists as live (for dependencies of a new submission). */
function liveJobIds(dir: string, group: 0 | 1): string[] {
  const jobs = readJobs(dir).filter((j) => j.group === group);
  if (!jobs.length) return [];
  const elements = squeueElements() ?? [];
  const live = new Set(elements.filter(([, , s]) => LIVE_STATES.has(s)).map(([j]) => j));
  return jobs.map((j) => j.jobId).filter((id) => live.has(id));
}

function sbatch(args: string[]): string {
  const r = spawnSync('sbatch', args, { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`sbatch ${args.join(' ')} failed (exit ${r.status ?? r.signal}): ${(r.stderr || r.stdout || '').trim()}`);
  // --parsable prints "jobid" or "jobid;cluster".
  const id = r.stdout.trim().split(';')[0]!;
  if (!/^\d+$/.test(id)) throw new Error(`sbatch printed "${r.stdout.trim()}", expected a job id`);
  return id;
}

/**
 * Submits every missing task of the plan in `dir` as Slurm job arrays (see the top of this file), or with
 * `cfg.dryRun` writes the scripts and returns the commands without submitting.
 */
export async function runSlurm(dir: string, cfg: SweepRunConfig, opts: { log?: (line: string) => void } = {}): Promise<SlurmSubmission> {
  const log = opts.log ?? (() => {});
  const abs = resolve(dir);
  const plan = loadPlan(abs);
  if (!cfg.dryRun && !hasCommand('sbatch'))
    throw new ParameterError(
      ['executor'],
      (n) => `${n('executor')} slurm: sbatch is not on PATH (run on a login node of the cluster, or use --dry-run to write the scripts)`,
    );
  const queue = cfg.dryRun ? null : slurmQueue(abs);
  const missing: PlanTask[] = [];
  let skipped = 0;
  for (const t of plan.tasks) {
    const st = taskState(abs, t, cfg.leaseStaleS * 1000).state;
    const q = queue?.get(t.index);
    if (st === 'done' || st === 'running' || (q !== undefined && LIVE_STATES.has(q.toUpperCase()))) skipped++;
    else missing.push(t);
  }
  const M = cfg.maxArraySize ?? clusterMaxArraySize();
  mkdirSync(join(abs, 'slurm', 'logs'), { recursive: true });
  const jobs: SlurmJob[] = [];
  const record = (j: SlurmJob) => {
    jobs.push(j);
    if (j.jobId)
      appendFileSync(
        jobsFile(abs),
        JSON.stringify({ jobId: j.jobId, group: j.group, offset: j.offset, indices: j.indices, submitted: new Date().toISOString() } satisfies JobRecord) +
          '\n',
      );
  };
  const base = `marginlab-${plan.name}`.replace(/[^\w.-]/g, '_');
  const common = ['--parsable', ...cfg.sbatchArg];
  const group0Ids: string[] = cfg.dryRun ? [] : liveJobIds(abs, 0);
  for (const group of [0, 1] as const) {
    const tasks = missing.filter((t) => t.group === group);
    if (!tasks.length) continue;
    for (const chunk of chunkIndices(
      tasks.map((t) => t.index),
      M,
    )) {
      const script = join(abs, 'slurm', `group${group}-offset${chunk.offset}.sh`);
      writeFileSync(
        script,
        slurmScript(abs, cfg, {
          name: `${base}-g${group}`,
          logName: '%A_%a.out',
          command: ['sweep', 'run-task', abs, '--offset', String(chunk.offset), '--lease-stale-s', String(cfg.leaseStaleS)],
        }),
        { mode: 0o755 },
      );
      const array = `--array=${compressIndices(chunk.elements)}${cfg.arrayLimit ? `%${cfg.arrayLimit}` : ''}`;
      const dep = group === 1 && group0Ids.length ? [`--dependency=afterany:${group0Ids.join(':')}`] : [];
      const command = ['sbatch', ...common, array, ...dep, script];
      const jobId = cfg.dryRun ? null : sbatch(command.slice(1));
      log(
        `${jobId ? `submitted job ${jobId}` : 'would submit'}: group ${group}, ${chunk.indices.length} task(s) (plan indices ${compressIndices(chunk.indices)})`,
      );
      if (group === 0) group0Ids.push(jobId ?? `<group-0 job ${group0Ids.length + 1}>`);
      record({ jobId, group, indices: chunk.indices, offset: chunk.offset, script, command });
    }
  }
  if (cfg.merge && jobs.length) {
    const script = join(abs, 'slurm', 'merge.sh');
    writeFileSync(script, slurmScript(abs, cfg, { name: `${base}-merge`, logName: 'merge_%j.out', command: ['sweep', 'merge', abs] }), { mode: 0o755 });
    const after = cfg.dryRun ? '<every job above>' : jobs.map((j) => j.jobId).join(':');
    const command = ['sbatch', ...common, `--dependency=afterany:${after}`, script];
    const jobId = cfg.dryRun ? null : sbatch(command.slice(1));
    log(`${jobId ? `submitted job ${jobId}` : 'would submit'}: merge after every task`);
    record({ jobId, group: 'merge', indices: [], offset: 0, script, command });
  }
  if (!jobs.length) log(`nothing to submit: all ${plan.tasks.length} task(s) are done, running or queued`);
  return { jobs, skipped };
}
