/**
 * Sweeps as library code: a spec → a plan of idempotent tasks (plan.json, tasks/<id>/) → any engine runs
 * them (runSweepTask one at a time, runLocal as a process pool, runSlurm as job arrays) → mergeSweep.
 */
export { expandCells, parseSweepSpec, readSweepSpec, SweepSpecSchema, type SweepCell, type SweepSpec } from './spec.ts';
export {
  buildPlan,
  canonicalJson,
  isDone,
  loadPlan,
  planSweep,
  PLAN_FORMAT,
  readPlan,
  taskId,
  type PlanCell,
  type PlanOptions,
  type PlanTask,
  type SweepPlan,
} from './plan.ts';
export { sweepCodeVersion } from './version.ts';
export { readTaskResult, runTaskWork, TaskInterrupted, type TaskConfig, type TaskKind, type TaskResult } from './tasks.ts';
export { readDone, runSweepTask, selectTask, type DoneRecord, type RunTaskOptions, type TaskOutcome } from './run-task.ts';
export { runLocal, type LocalRunOptions, type LocalRunSummary } from './local.ts';
export { chunkIndices, compressIndices, runSlurm, slurmQueue, type SlurmJob, type SlurmSubmission } from './slurm.ts';
export { mergeSweep, type CellMerge, type MergeOptions, type MergeSummary } from './merge.ts';
export { sweepStatus, taskState, type SweepStatus, type TaskState, type TaskStatus } from './status.ts';
export { SweepRunSchema, type SweepRunConfig } from './options.ts';
