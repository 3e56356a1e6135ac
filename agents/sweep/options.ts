/**
 * How a sweep is run (`sweep run`'s flags, `--config FILE`): one schema for the executor and its knobs.
 */
import { z } from 'zod';

export const EXECUTORS = ['local', 'slurm'] as const;

export const SweepRunSchema = z
  .object({
    executor: z.enum(EXECUTORS).default('local').describe('local: a process pool on this machine; slurm: job arrays submitted with sbatch'),
    workers: z.number().int().positive().optional().describe("local: tasks at once (default: the machine's cores); the results do not depend on it"),
    partition: z.string().optional().describe('slurm: the partition (sbatch --partition)'),
    time: z
      .string()
      .optional()
      .describe('slurm: the time limit of each task, e.g. 01:00:00 (sbatch --time); at the limit a task checkpoints and a rerun resumes it'),
    mem: z.string().optional().describe('slurm: memory per task, e.g. 4G (sbatch --mem)'),
    cpusPerTask: z.number().int().positive().default(1).describe('slurm: CPUs per task (sbatch --cpus-per-task)'),
    arrayLimit: z.number().int().positive().optional().describe('slurm: tasks of an array running at once (sbatch --array=…%K)'),
    sbatchArg: z.array(z.string()).default([]).describe('slurm: more sbatch arguments, e.g. --account=X,--qos=Y (comma-separated)'),
    maxArraySize: z
      .number()
      .int()
      .positive()
      .optional()
      .describe("slurm: the cluster's MaxArraySize (default: scontrol show config, else 1001); larger plans are submitted in chunks"),
    merge: z.boolean().default(true).describe('slurm: also submit "sweep merge" to run after every task (afterany)'),
    dryRun: z.boolean().default(false).describe('slurm: write the job scripts and print the sbatch commands without submitting'),
    leaseStaleS: z
      .number()
      .positive()
      .default(600)
      .describe('seconds after which the lease of a task whose holder stopped touching it is stale, on any host (a node that died)'),
  })
  .strict();
export type SweepRunConfig = z.infer<typeof SweepRunSchema>;
