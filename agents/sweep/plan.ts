/**
 * `sweep plan`: a SPEC's cells expanded into idempotent tasks, written to `DIR/plan.json`.
 *
 * Every comparison (cell) is made of
 *   - one `schedules` task (its forecasts and ratio schedules), shared by every cell with the same overlays,
 *     trade period and stage-2 rule;
 *   - one `agent` task per (agent, seed): the trained agent and all its arm evaluations;
 *   - one `baseline` task per portfolio strategy (alone, and under the schedules when asked).
 * A task's id is the hash of its whole config (input files by content), so identical work in two cells is
 * one task, planning twice gives the same file, and adding values to an axis adds tasks while the finished
 * ones keep their ids, folders (`DIR/tasks/<id>/`) and places in the list (new tasks are appended).
 *
 * The code version (a hash of the source files) and the TensorFlow.js backend are fixed here and recorded;
 * `run-task` refuses to run under other code, and merge refuses results from mixed versions or backends.
 */
import { createHash } from 'node:crypto';
import { sha256OfFile } from '../../src/data/checksums.ts';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { writeFileAtomic } from '../../src/atomic.ts';
import { ParameterError } from '../../src/parameter-error.ts';
import { BACKEND_PREFS, type BackendPref } from '../backend-names.ts';
import { validateCompare } from '../compare/validate.ts';
import type { AgentKind, CompareConfig } from '../compare/config.ts';
import { conditionedRun, paperRun, type TrainRun } from '../pipelines/train.ts';
import { expandCells, type SweepCell, type SweepSpec } from './spec.ts';
import type { AgentTask, BaselineTask, InputFile, SchedulesTask, TaskConfig, TaskKind } from './tasks.ts';
import { sweepCodeVersion } from './version.ts';

export const PLAN_FORMAT = 'marginlab.sweep.plan.v1';

export interface PlanTask {
  /** Position in the plan (a job array's index); stable across re-plans. */
  index: number;
  id: string;
  kind: TaskKind;
  /** Engines run group 0 (schedules) before group 1 (agents, baselines). */
  group: 0 | 1;
  /** The task in words. */
  label: string;
  /** Ids of the tasks whose results it reads. */
  deps: string[];
  /** Its folder, relative to the plan's folder. */
  dir: string;
  /** The cells that read it. */
  cells: string[];
  config: TaskConfig;
}

export interface PlanCell {
  name: string;
  values: Record<string, unknown>;
  config: SweepCell['config'];
  schedules: string;
  /** In the comparison's order: agent kinds, then seeds. */
  agents: { agent: AgentKind; seed: number; task: string }[];
  /** In the comparison's order (baselines, then the other strategies traded under schedules). */
  baselines: { strategy: string; task: string }[];
}

export interface SweepPlan {
  format: typeof PLAN_FORMAT;
  name: string;
  /** The code that planned it (and must run it): see version.ts. */
  codeVersion: string;
  /** The TensorFlow.js backend every task runs on. */
  backend: Exclude<BackendPref, 'auto'>;
  spec: SweepSpec;
  cells: PlanCell[];
  tasks: PlanTask[];
}

export interface PlanOptions {
  /**
   * The backend of every task. Default: the cells' own choice; "auto" is resolved here, once, to the backend
   * this machine initialises (TensorFlow.js is loaded for it).
   */
  backend?: Exclude<BackendPref, 'auto'>;
  /** Where relative input paths of the spec (signals, scores, checkpoints, CSV universes) are resolved. */
  cwd?: string;
}

/** Canonical JSON (keys sorted at every level): the same config always hashes to the same id. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    .join(',')}}`;
}

/** A task's id: its kind and the first 16 hex digits of the sha256 of its canonical config. */
export function taskId(config: TaskConfig): string {
  return `${config.kind}-${createHash('sha256').update(canonicalJson(config)).digest('hex').slice(0, 16)}`;
}

function inputFile(path: string, cwd: string, param: string): InputFile {
  const abs = isAbsolute(path) ? path : resolve(cwd, path);
  try {
    return { path: abs, sha256: sha256OfFile(abs) };
  } catch (e) {
    throw new ParameterError([param], (n) => `${n(param)} ${path}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** A universe given as a CSV file is read by every task, wherever it runs: by its absolute path. */
function universePath(u: string, cwd: string): string {
  return /\.csv(\.gz)?$/i.test(u) && !isAbsolute(u) ? resolve(cwd, u) : u;
}

async function resolveBackend(cells: SweepCell[], opts: PlanOptions): Promise<Exclude<BackendPref, 'auto'>> {
  if (opts.backend) {
    if (!BACKEND_PREFS.includes(opts.backend) || (opts.backend as string) === 'auto')
      throw new ParameterError(['backend'], (n) => `${n('backend')} ${String(opts.backend)}: expected one of wasm, cpu, tensorflow`);
    return opts.backend;
  }
  const prefs = [...new Set(cells.map((c) => c.config.backend))];
  if (prefs.length > 1)
    throw new ParameterError(
      ['backend'],
      `the cells ask for different backends (${prefs.join(', ')}): one sweep runs on one backend, so that its results can be merged; give one backend`,
    );
  if (prefs[0] !== 'auto') return prefs[0] as Exclude<BackendPref, 'auto'>;
  const { initBackend } = await import('../backend.ts');
  return (await initBackend('auto')) as Exclude<BackendPref, 'auto'>;
}

/** The tasks of one comparison (validated first: a bad config is an error now, not on a cluster node). */
function cellTasks(
  cell: SweepCell,
  backend: Exclude<BackendPref, 'auto'>,
  cwd: string,
): {
  tasks: TaskConfig[];
  planCell: Omit<PlanCell, 'schedules' | 'agents' | 'baselines'> & { ids: { schedules: string; agents: PlanCell['agents']; baselines: PlanCell['baselines'] } };
} {
  const cfg = cell.config;
  const checked = validateCompare({ ...cfg, out: '.' } as CompareConfig);
  const universe = universePath(cfg.universe, cwd);
  const sched: SchedulesTask = {
    kind: 'schedules',
    trade: cfg.trade,
    overlays: [...cfg.overlays],
    signals: checked.signals.map((s) => ({ name: s.name, ...inputFile(s.path, cwd, 'signals') })),
    rule: cfg.rule,
    freqMonths: cfg.freqMonths,
    oracleAccuracy: cfg.oracleAccuracy,
    oracleSeed: cfg.seeds[0],
  };
  const schedId = taskId(sched);
  const tasks: TaskConfig[] = [sched];
  const agents: PlanCell['agents'] = [];
  const runs: TrainRun[] = [];
  if (cfg.checkpoints.length > 0) {
    const dirs = cfg.checkpoints.map((d) => (isAbsolute(d) ? d : resolve(cwd, d)));
    cfg.seeds.forEach((seed, k) => {
      const t: AgentTask = {
        kind: 'agent',
        agent: 'checkpoint',
        seed,
        run: null,
        checkpoint: dirs[k],
        describe: `trained run folders ${cfg.checkpoints.join(', ')}`,
        trade: cfg.trade,
        turbulence: cfg.turbulence,
        schedules: schedId,
        backend,
      };
      tasks.push(t);
      agents.push({ agent: 'checkpoint', seed, task: taskId(t) });
    });
  } else {
    for (const kind of cfg.agents) {
      for (const seed of cfg.seeds) {
        const common = { seed, train: cfg.train, timesteps: cfg.timesteps, backend, universe };
        const run = kind === 'paper' ? paperRun(common) : conditionedRun({ ...common, algo: cfg.algo, preset: cfg.preset });
        if (runs.length === 0) runs.push(run);
        const t: AgentTask = {
          kind: 'agent',
          agent: kind,
          seed,
          run,
          checkpoint: null,
          describe:
            kind === 'paper'
              ? "the paper's A2C (margintrader preset, trained at the fixed 1:1 split: it has never seen the ratio vary)"
              : `${cfg.algo.toUpperCase()} (${cfg.preset} preset) trained with random long-share targets and reallocations (ratio-conditioned)`,
          trade: cfg.trade,
          turbulence: cfg.turbulence,
          schedules: schedId,
          backend,
        };
        tasks.push(t);
        agents.push({ agent: kind, seed, task: taskId(t) });
      }
    }
  }
  // The baselines trade through the first agent's account (its env config and tickers).
  const envFrom: BaselineTask['envFrom'] =
    runs.length > 0
      ? { account: { universe: runs[0].universe, train: runs[0].train, preset: runs[0].preset, env: runs[0].env } }
      : { checkpoint: (tasks[1] as AgentTask).checkpoint! };
  const signals0 = checked.signals[0];
  const baselines: PlanCell['baselines'] = [];
  const strategies = [...cfg.baselines, ...cfg.baselineOverlays.filter((b) => !cfg.baselines.includes(b))];
  const hasOverlays = cfg.overlays.length + checked.signals.length > 0;
  for (const b of strategies) {
    const underSchedules = hasOverlays && cfg.baselineOverlays.includes(b);
    const t: BaselineTask = {
      kind: 'baseline',
      strategy: b,
      options: cfg.strategyOptions[b] ?? {},
      trade: cfg.trade,
      turbulence: cfg.turbulence,
      envFrom,
      scores: cfg.scores !== undefined ? inputFile(cfg.scores, cwd, 'scores') : null,
      views: signals0 ? inputFile(signals0.path, cwd, 'signals') : null,
      plain: cfg.baselines.includes(b),
      underSchedules,
      schedules: underSchedules ? schedId : null,
    };
    if (!t.plain && !t.underSchedules) continue;
    tasks.push(t);
    baselines.push({ strategy: b, task: taskId(t) });
  }
  return { tasks, planCell: { name: cell.name, values: cell.values, config: cfg, ids: { schedules: schedId, agents, baselines } } };
}

function labelOf(t: TaskConfig): string {
  if (t.kind === 'schedules') return `schedules ${t.trade} overlays=${[...t.overlays, ...t.signals.map((s) => s.name)].join('+') || 'none'} rule=${t.rule}`;
  if (t.kind === 'agent')
    return `agent ${t.agent} seed ${t.seed}${t.run ? ` (${t.run.algo}, ${t.run.preset}, ${t.run.timesteps ?? 'default'} steps)` : ''} on ${t.trade}`;
  return `baseline ${t.strategy}${t.underSchedules ? ' (+ schedules)' : ''} on ${t.trade}`;
}

/** The plan of `spec` (see the top of this file), without writing it. `previous`: the plan already in the folder. */
export async function buildPlan(spec: SweepSpec, opts: PlanOptions & { previous?: SweepPlan | null } = {}): Promise<SweepPlan> {
  const cwd = opts.cwd ?? process.cwd();
  const cells = expandCells(spec);
  const backend = await resolveBackend(cells, opts);
  const byId = new Map<string, { config: TaskConfig; cells: string[] }>();
  const planCells: PlanCell[] = [];
  for (const cell of cells) {
    const { tasks, planCell } = cellTasks(cell, backend, cwd);
    for (const t of tasks) {
      const id = taskId(t);
      const e = byId.get(id);
      if (e) {
        if (!e.cells.includes(cell.name)) e.cells.push(cell.name);
      } else byId.set(id, { config: t, cells: [cell.name] });
    }
    const { ids, ...rest } = planCell;
    planCells.push({ ...rest, schedules: ids.schedules, agents: ids.agents, baselines: ids.baselines });
  }
  // Finished work keeps its place: the previous plan's tasks first, in their order, then the new ones.
  const order: string[] = [];
  for (const t of opts.previous?.tasks ?? []) if (byId.has(t.id)) order.push(t.id);
  const kept = new Set(order);
  for (const group of [0, 1] as const) for (const [id, e] of byId) if (!kept.has(id) && (e.config.kind === 'schedules' ? 0 : 1) === group) order.push(id);
  const tasks: PlanTask[] = order.map((id, index) => {
    const { config, cells: c } = byId.get(id)!;
    const deps = config.kind === 'agent' ? [config.schedules] : config.kind === 'baseline' && config.schedules ? [config.schedules] : [];
    return { index, id, kind: config.kind, group: config.kind === 'schedules' ? 0 : 1, label: labelOf(config), deps, dir: `tasks/${id}`, cells: c, config };
  });
  return { format: PLAN_FORMAT, name: spec.name, codeVersion: sweepCodeVersion(), backend, spec, cells: planCells, tasks };
}

/** Reads `DIR/plan.json` (null when there is none). */
export function readPlan(dir: string): SweepPlan | null {
  const path = join(dir, 'plan.json');
  if (!existsSync(path)) return null;
  let plan: SweepPlan;
  try {
    plan = JSON.parse(readFileSync(path, 'utf8')) as SweepPlan;
  } catch (e) {
    throw new ParameterError(['dir'], `${path}: not valid JSON (${(e as Error).message}): the sweep folder is damaged; plan it again into a new folder`);
  }
  if (plan.format !== PLAN_FORMAT)
    throw new ParameterError(['dir'], `${path}: not a sweep plan (format ${JSON.stringify(plan.format)}, expected ${PLAN_FORMAT})`);
  return plan;
}

/** Reads the plan of `dir`, or says how to make one. */
export function loadPlan(dir: string): SweepPlan {
  const plan = readPlan(dir);
  if (!plan) throw new ParameterError(['dir'], `${dir} has no plan.json: make one with "marginlab sweep plan SPEC --out ${dir}"`);
  return plan;
}

/** Whether a task of the plan has finished (its done.json, written last). */
export function isDone(dir: string, t: Pick<PlanTask, 'dir'>): boolean {
  return existsSync(join(dir, t.dir, 'done.json'));
}

/**
 * Plans `spec` into `dir` (plan.json; the task folders are made when the tasks run). Re-planning a folder
 * keeps its finished tasks; planning with other code or another backend over finished tasks is refused,
 * since their results could not be merged with the new ones.
 */
export async function planSweep(spec: SweepSpec, dir: string, opts: PlanOptions = {}): Promise<SweepPlan> {
  const previous = readPlan(dir);
  const plan = await buildPlan(spec, { ...opts, previous });
  if (previous && (previous.codeVersion !== plan.codeVersion || previous.backend !== plan.backend)) {
    const done = previous.tasks.filter((t) => isDone(dir, t)).length;
    if (done > 0)
      throw new ParameterError(
        ['out'],
        (n) =>
          `${dir} holds ${done} finished task(s) made by code ${previous.codeVersion} on backend ${previous.backend}; this is code ${plan.codeVersion} on backend ${plan.backend}, and results of different code or backends are never merged. Use a new ${n('out')}, or delete ${dir} to start over`,
      );
  }
  mkdirSync(join(dir, 'tasks'), { recursive: true });
  writeFileAtomic(join(dir, 'plan.json'), JSON.stringify(plan, null, 1) + '\n');
  return plan;
}
