/**
 * agents/sweep/spec.ts and plan.ts: a SPEC is read strictly (unknown keys, `out`/`workers`, a seeds axis are
 * errors naming the field), expands into cells in odometer order, and plans into content-addressed tasks:
 * stable ids, shared work deduplicated, byte-identical re-plans, appended tasks when an axis grows, and no
 * re-plan over finished tasks made by other code or on another backend. Planning only (backend "cpu"
 * given, so TensorFlow.js is never initialised); nothing is trained.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expandCells, parseSweepSpec, readSweepSpec, SweepSpecSchema, type SweepSpec } from '../../agents/sweep/spec.ts';
import { buildPlan, canonicalJson, isDone, loadPlan, planSweep, readPlan, taskId, type SweepPlan } from '../../agents/sweep/plan.ts';
import type { TaskConfig } from '../../agents/sweep/tasks.ts';
import { sweepCodeVersion } from '../../agents/sweep/version.ts';
import { ParameterError } from '../../src/parameter-error.ts';

const root = mkdtempSync(join(tmpdir(), 'marginlab-sweep-plan-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (name = 'sweep') => join(root, `${name}-${n++}`);

/** A tiny comparison: two seeds, one overlay, one baseline (plain only), the paper's agent. */
const BASE = {
  seeds: [1, 2],
  timesteps: 200,
  trade: '2020-05-01:2020-12-31',
  overlays: ['momentum'],
  agents: ['paper'],
  baselines: ['equal-weight'],
  baselineOverlays: [],
  backend: 'cpu',
};

const spec = (s: Partial<Record<keyof SweepSpec, unknown>>): SweepSpec => parseSweepSpec({ name: 'unit', base: BASE, ...s });

function writeSpec(name: string, text: string): string {
  const dir = fresh('spec');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The error `f` throws (it must throw). */
function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('readSweepSpec / SweepSpecSchema', () => {
  it('reads JSON and YAML specs to the same spec, with defaults filled in', () => {
    const json = writeSpec(
      's.json',
      JSON.stringify({ name: 'algo-study', base: { seeds: [0, 1], trade: '2020-05-01:2020-12-31' }, axes: { algo: ['ppo', 'a2c'] } }),
    );
    const yaml = writeSpec(
      's.yaml',
      ['name: algo-study', 'base:', '  seeds: [0, 1]', '  trade: 2020-05-01:2020-12-31', 'axes:', '  algo: [ppo, a2c]', ''].join('\n'),
    );
    const yml = writeSpec('s.YML', 'name: algo-study\nbase: { seeds: [0, 1], trade: "2020-05-01:2020-12-31" }\naxes: { algo: [ppo, a2c] }\n');
    const a = readSweepSpec(json);
    expect(a).toEqual({ name: 'algo-study', base: { seeds: [0, 1], trade: '2020-05-01:2020-12-31' }, axes: { algo: ['ppo', 'a2c'] }, cells: [] });
    expect(readSweepSpec(yaml)).toEqual(a);
    expect(readSweepSpec(yml)).toEqual(a);
    expect(SweepSpecSchema.parse({})).toEqual({ name: 'sweep', base: {}, axes: {}, cells: [] });
  });

  it('names the file when it cannot be read or parsed', () => {
    const missing = join(fresh('nope'), 'missing.json');
    const e1 = thrown(() => readSweepSpec(missing));
    expect(e1).toBeInstanceOf(ParameterError);
    expect(e1.message).toContain(missing);
    expect(e1.message).toMatch(/cannot be read \(ENOENT\)/);
    const bad = writeSpec('bad.json', '{"name": ');
    expect(() => readSweepSpec(bad)).toThrow(/not valid JSON/);
    const badYaml = writeSpec('bad.yaml', 'base: [unclosed\n');
    expect(() => readSweepSpec(badYaml)).toThrow(/not valid YAML/);
  });

  it('refuses unknown top-level keys, naming the key and the file', () => {
    const path = writeSpec('typo.yaml', 'name: x\naxis:\n  algo: [ppo]\n');
    const e = thrown(() => readSweepSpec(path));
    expect(e).toBeInstanceOf(ParameterError);
    expect(e.message).toContain(path);
    expect(e.message).toMatch(/axis/);
    expect(() => parseSweepSpec({ base: {}, cell: [] })).toThrow(/"cell"/);
  });

  it('refuses bad names and empty axes', () => {
    expect(() => parseSweepSpec({ name: 'a b' })).toThrow(/name: letters, digits/);
    expect(() => parseSweepSpec({ axes: { algo: [] } })).toThrow(/axes\.algo: an axis needs at least one value/);
  });

  it('refuses unknown fields inside base, axes and cells, naming the field', () => {
    expect(() => expandCells(spec({ base: { ...BASE, seed: [1] } }))).toThrow(/base\.seed: unknown field/);
    expect(() => expandCells(spec({ axes: { overlay: [['momentum']] } }))).toThrow(/axes\.overlay: unknown field/);
    expect(() => expandCells(spec({ cells: [{ name: 'x', timestep: 5 }] }))).toThrow(/cells\[0\]\.timestep: unknown field/);
    // `name` is a cell's own key, not a compare field, and only there.
    expect(() => expandCells(spec({ base: { ...BASE, name: 'x' } }))).toThrow(/base\.name: unknown field/);
  });

  it('refuses out and workers anywhere in the spec (they belong to "sweep run" / "sweep merge")', () => {
    for (const k of ['out', 'workers']) {
      const v = k === 'out' ? 'runs/x' : 2;
      expect(() => expandCells(spec({ base: { ...BASE, [k]: v } }))).toThrow(new RegExp(`base\\.${k}: set by "sweep run"`));
      expect(() => expandCells(spec({ axes: { [k]: [v] } }))).toThrow(new RegExp(`axes\\.${k}: set by "sweep run"`));
      expect(() => expandCells(spec({ cells: [{ [k]: v }] }))).toThrow(new RegExp(`cells\\[0\\]\\.${k}: set by "sweep run"`));
    }
  });

  it('refuses seeds as an axis (they are the paired samples of a cell)', () => {
    const e = thrown(() => expandCells(spec({ axes: { seeds: [[0], [1]] } })));
    expect(e).toBeInstanceOf(ParameterError);
    expect(e.message).toMatch(/axes\.seeds/);
    expect(e.message).toMatch(/base\.seeds/);
  });

  it('validates every cell as a whole comparison, naming the cell', () => {
    expect(() => expandCells(spec({ axes: { timesteps: [100, -1] } }))).toThrow(/axes \(timesteps=-1\)/);
    expect(() => expandCells(spec({ cells: [{ name: 'ok' }, { name: 'bad', algo: 'dqn' }] }))).toThrow(/cells\[1\].*algo/);
    expect(() => expandCells(spec({ cells: [{ name: 'a b' }] }))).toThrow(/cells\[0\]\.name/);
  });
});

describe('expandCells', () => {
  it('expands the grid in odometer order (last axis fastest), naming cells k=v,…', () => {
    const cells = expandCells(spec({ axes: { algo: ['ppo', 'a2c'], timesteps: [100, 200, 300] } }));
    expect(cells.map((c) => c.name)).toEqual([
      'algo=ppo,timesteps=100',
      'algo=ppo,timesteps=200',
      'algo=ppo,timesteps=300',
      'algo=a2c,timesteps=100',
      'algo=a2c,timesteps=200',
      'algo=a2c,timesteps=300',
    ]);
    expect(cells[4].values).toEqual({ algo: 'a2c', timesteps: 200 });
    // Each cell is the base with its values, parsed as a comparison (defaults filled in).
    expect(cells[4].config).toMatchObject({ algo: 'a2c', timesteps: 200, seeds: [1, 2], overlays: ['momentum'], rule: 'paper', freqMonths: 6 });
    expect(cells[0].config.algo).toBe('ppo');
    expect(cells[4].config).not.toHaveProperty('out');
    expect(cells[4].config).not.toHaveProperty('workers');
  });

  it('makes one cell named "main" from the base alone', () => {
    const cells = expandCells(spec({}));
    expect(cells).toHaveLength(1);
    expect(cells[0]).toMatchObject({ name: 'main', values: {} });
    expect(cells[0].config).toMatchObject({ seeds: [1, 2], timesteps: 200 });
  });

  it('names cells by safe words for structured values', () => {
    const cells = expandCells(spec({ axes: { overlays: [['momentum'], ['momentum', 'macro']] } }));
    expect(cells).toHaveLength(2);
    for (const c of cells) expect(c.name).toMatch(/^overlays=[A-Za-z0-9._:-]+$/);
    expect(cells[0].name).not.toBe(cells[1].name);
    expect(cells[1].config.overlays).toEqual(['momentum', 'macro']);
  });

  it('takes an explicit list of cells (without a main cell), after the grid when there is one', () => {
    const only = expandCells(spec({ cells: [{ name: 'realistic', preset: 'realistic' }, { timesteps: 500 }, {}] }));
    expect(only.map((c) => c.name)).toEqual(['realistic', 'timesteps=500', 'cell-2']);
    expect(only[0].config.preset).toBe('realistic');
    expect(only[0].values).toEqual({ preset: 'realistic' });
    expect(only[1].config.timesteps).toBe(500);
    expect(only[2].config.timesteps).toBe(200);

    const both = expandCells(spec({ axes: { algo: ['ppo', 'a2c'] }, cells: [{ name: 'realistic', preset: 'realistic' }] }));
    expect(both.map((c) => c.name)).toEqual(['algo=ppo', 'algo=a2c', 'realistic']);
  });

  it('refuses two cells of the same name', () => {
    expect(() => expandCells(spec({ axes: { algo: ['ppo', 'a2c'] }, cells: [{ algo: 'a2c' }] }))).toThrow(/two cells are named "algo=a2c" \(cells 1 and 2\)/);
    expect(() => expandCells(spec({ cells: [{ name: 'x' }, { name: 'x', preset: 'realistic' }] }))).toThrow(/two cells are named "x"/);
  });
});

describe('taskId / canonicalJson', () => {
  it('hashes a config independently of key order, and changes with any field', () => {
    const cfg: TaskConfig = {
      kind: 'schedules',
      trade: '2020-05-01:2020-12-31',
      overlays: ['momentum'],
      signals: [],
      rule: 'paper',
      freqMonths: 6,
      oracleAccuracy: 0.8,
      oracleSeed: 1,
    };
    const id = taskId(cfg);
    expect(id).toMatch(/^schedules-[0-9a-f]{16}$/);
    const reordered = Object.fromEntries(Object.entries(cfg).reverse()) as unknown as TaskConfig;
    expect(taskId(reordered)).toBe(id);
    expect(taskId({ ...cfg, oracleSeed: 2 })).not.toBe(id);
    expect(taskId({ ...cfg, overlays: ['macro'] })).not.toBe(id);
    expect(canonicalJson({ b: [1, { d: 2, c: undefined, a: null }], a: 'x' })).toBe('{"a":"x","b":[1,{"a":null,"d":2}]}');
  });
});

describe('buildPlan / planSweep', () => {
  it('plans twice into one folder byte for byte, with ids that are hashes of the task configs', async () => {
    const dir = fresh();
    const s = spec({ axes: { timesteps: [200, 300] } });
    const p1 = await planSweep(s, dir, { backend: 'cpu' });
    const text1 = readFileSync(join(dir, 'plan.json'), 'utf8');
    const p2 = await planSweep(s, dir, { backend: 'cpu' });
    expect(readFileSync(join(dir, 'plan.json'), 'utf8')).toBe(text1);
    expect(p2).toEqual(p1);
    // And the same plan in another folder.
    const other = fresh();
    await planSweep(s, other, { backend: 'cpu' });
    expect(readFileSync(join(other, 'plan.json'), 'utf8')).toBe(text1);

    expect(p1.codeVersion).toBe(sweepCodeVersion());
    expect(p1.backend).toBe('cpu');
    expect(p1.name).toBe('unit');
    expect(readPlan(dir)).toEqual(p1);
    for (const t of p1.tasks) {
      expect(t.id).toMatch(/^(schedules|agent|baseline)-[0-9a-f]{16}$/);
      expect(t.id.startsWith(`${t.kind}-`)).toBe(true);
      expect(t.id).toBe(taskId(t.config));
      expect(t.dir).toBe(`tasks/${t.id}`);
    }
    expect(new Set(p1.tasks.map((t) => t.id)).size).toBe(p1.tasks.length);
    expect(p1.tasks.map((t) => t.index)).toEqual(p1.tasks.map((_, i) => i));
  });

  it('lays out one comparison: schedules first (group 0), then the agents per seed and the baselines, with their deps', async () => {
    const plan = await buildPlan(spec({}), { backend: 'cpu' });
    expect(plan.tasks.map((t) => [t.kind, t.group])).toEqual([
      ['schedules', 0],
      ['agent', 1],
      ['agent', 1],
      ['baseline', 1],
    ]);
    const [sched, a1, a2, base] = plan.tasks;
    expect(a1.deps).toEqual([sched.id]);
    expect(a2.deps).toEqual([sched.id]);
    expect(base.deps).toEqual([]); // plain only: it reads no schedules
    expect(plan.cells).toHaveLength(1);
    const cell = plan.cells[0];
    expect(cell.name).toBe('main');
    expect(cell.schedules).toBe(sched.id);
    expect(cell.agents).toEqual([
      { agent: 'paper', seed: 1, task: a1.id },
      { agent: 'paper', seed: 2, task: a2.id },
    ]);
    expect(cell.baselines).toEqual([{ strategy: 'equal-weight', task: base.id }]);
    expect(a1.config).toMatchObject({ kind: 'agent', agent: 'paper', seed: 1, backend: 'cpu', schedules: sched.id });
    expect(a1.label).toMatch(/agent paper seed 1/);
    for (const t of plan.tasks) expect(t.cells).toEqual(['main']);
  });

  it('trades a baseline under the schedules when asked (then it depends on them)', async () => {
    const plan = await buildPlan(spec({ base: { ...BASE, baselines: [], baselineOverlays: ['equal-weight'] } }), { backend: 'cpu' });
    const base = plan.tasks.find((t) => t.kind === 'baseline')!;
    const sched = plan.tasks.find((t) => t.kind === 'schedules')!;
    expect(base.config).toMatchObject({ plain: false, underSchedules: true, schedules: sched.id });
    expect(base.deps).toEqual([sched.id]);
  });

  it('makes work shared by cells one task, listing every cell that reads it', async () => {
    // The paper's agent ignores algo; the conditioned one does not. Schedules, paper agents and the
    // baseline (trading through the paper agent's account) are shared by both cells.
    const plan = await buildPlan(spec({ base: { ...BASE, agents: ['paper', 'conditioned'] }, axes: { algo: ['ppo', 'a2c'] } }), { backend: 'cpu' });
    const both = ['algo=ppo', 'algo=a2c'];
    const byKind = (k: string) => plan.tasks.filter((t) => t.kind === k);
    expect(byKind('schedules')).toHaveLength(1);
    expect(byKind('schedules')[0].cells).toEqual(both);
    expect(byKind('baseline')).toHaveLength(1);
    expect(byKind('baseline')[0].cells).toEqual(both);
    const paper = plan.tasks.filter((t) => t.config.kind === 'agent' && t.config.agent === 'paper');
    expect(paper).toHaveLength(2);
    for (const t of paper) expect(t.cells).toEqual(both);
    const conditioned = plan.tasks.filter((t) => t.config.kind === 'agent' && t.config.agent === 'conditioned');
    expect(conditioned).toHaveLength(4);
    expect(conditioned.map((t) => t.cells)).toEqual([['algo=ppo'], ['algo=ppo'], ['algo=a2c'], ['algo=a2c']]);
    expect(plan.tasks).toHaveLength(1 + 2 + 4 + 1);
    // Both cells point at the shared tasks.
    expect(plan.cells[0].schedules).toBe(plan.cells[1].schedules);
    expect(plan.cells[0].baselines).toEqual(plan.cells[1].baselines);
    expect(plan.cells[0].agents.filter((a) => a.agent === 'paper')).toEqual(plan.cells[1].agents.filter((a) => a.agent === 'paper'));

    // An overlays axis: one schedules task per value, agents per value, the plain baseline shared.
    const ov = await buildPlan(spec({ axes: { overlays: [['momentum'], ['macro']] } }), { backend: 'cpu' });
    expect(ov.tasks.filter((t) => t.kind === 'schedules')).toHaveLength(2);
    expect(ov.tasks.filter((t) => t.kind === 'agent')).toHaveLength(4);
    const baselines = ov.tasks.filter((t) => t.kind === 'baseline');
    expect(baselines).toHaveLength(1);
    expect(baselines[0].cells).toEqual(ov.cells.map((c) => c.name));
    // group 0 before group 1 in a fresh plan
    expect(ov.tasks.map((t) => t.group)).toEqual([0, 0, 1, 1, 1, 1, 1]);

    // A timesteps axis changes the agents only: the baseline's account does not depend on training length.
    const ts = await buildPlan(spec({ axes: { timesteps: [200, 300] } }), { backend: 'cpu' });
    expect(ts.tasks.map((t) => [t.kind, t.cells.length])).toEqual([
      ['schedules', 2],
      ['agent', 1],
      ['agent', 1],
      ['baseline', 2],
      ['agent', 1],
      ['agent', 1],
    ]);
  });

  it('adding a value to an axis keeps every task id and index and only appends tasks', async () => {
    const dir = fresh();
    const before = await planSweep(spec({ axes: { overlays: [['momentum']], timesteps: [200] } }), dir, { backend: 'cpu' });
    const after = await planSweep(spec({ axes: { overlays: [['momentum'], ['macro']], timesteps: [200, 300] } }), dir, { backend: 'cpu' });
    expect(after.tasks.length).toBeGreaterThan(before.tasks.length);
    const head = after.tasks.slice(0, before.tasks.length);
    expect(head.map((t) => [t.index, t.id, t.kind, t.dir])).toEqual(before.tasks.map((t) => [t.index, t.id, t.kind, t.dir]));
    expect(head.map((t) => t.config)).toEqual(before.tasks.map((t) => t.config));
    expect(after.tasks.map((t) => t.index)).toEqual(after.tasks.map((_, i) => i));
    // The new schedules task comes after the old tasks (finished work keeps its place), still group 0.
    const newSched = after.tasks.slice(before.tasks.length).filter((t) => t.kind === 'schedules');
    expect(newSched).toHaveLength(1);
    expect(newSched[0].index).toBeGreaterThanOrEqual(before.tasks.length);
    expect(newSched[0].group).toBe(0);
    // The old cell is unchanged.
    expect(after.cells.find((c) => c.name === before.cells[0].name)).toEqual(before.cells[0]);
    // A fresh plan of the grown spec has the same tasks (in another order).
    const freshPlan = await buildPlan(spec({ axes: { overlays: [['momentum'], ['macro']], timesteps: [200, 300] } }), { backend: 'cpu' });
    expect(new Set(freshPlan.tasks.map((t) => t.id))).toEqual(new Set(after.tasks.map((t) => t.id)));

    // Adding seeds adds agent tasks only.
    const moreSeeds = await buildPlan(spec({ base: { ...BASE, seeds: [1, 2, 3] } }), {
      backend: 'cpu',
      previous: await buildPlan(spec({}), { backend: 'cpu' }),
    });
    const plain = await buildPlan(spec({}), { backend: 'cpu' });
    expect(moreSeeds.tasks.slice(0, plain.tasks.length).map((t) => t.id)).toEqual(plain.tasks.map((t) => t.id));
    expect(moreSeeds.tasks.slice(plain.tasks.length).map((t) => [t.kind, t.config.kind === 'agent' ? t.config.seed : null])).toEqual([['agent', 3]]);
  });

  it('drops tasks no cell needs any more when an axis shrinks', async () => {
    const dir = fresh();
    const big = await planSweep(spec({ axes: { timesteps: [200, 300] } }), dir, { backend: 'cpu' });
    const small = await planSweep(spec({ axes: { timesteps: [300] } }), dir, { backend: 'cpu' });
    const bigIds = new Set(big.tasks.map((t) => t.id));
    for (const t of small.tasks) expect(bigIds.has(t.id)).toBe(true);
    expect(small.tasks.map((t) => t.index)).toEqual(small.tasks.map((_, i) => i));
    for (const t of small.tasks) expect(t.cells).toEqual(['timesteps=300']);
  });

  it('refuses to re-plan over finished tasks made by other code or on another backend', async () => {
    const dir = fresh();
    const s = spec({});
    const plan = await planSweep(s, dir, { backend: 'cpu' });
    const done = plan.tasks[1];
    mkdirSync(join(dir, done.dir), { recursive: true });
    writeFileSync(join(dir, done.dir, 'done.json'), '{}\n');
    expect(isDone(dir, done)).toBe(true);
    expect(isDone(dir, plan.tasks[0])).toBe(false);

    // Same code and backend: fine.
    await planSweep(s, dir, { backend: 'cpu' });

    // Another backend.
    const original = readFileSync(join(dir, 'plan.json'), 'utf8');
    const e1 = await rejection(planSweep(s, dir, { backend: 'wasm' }));
    expect(e1).toBeInstanceOf(ParameterError);
    expect((e1 as ParameterError).param).toBe('out');
    expect(e1.message).toMatch(/1 finished task/);
    expect(e1.message).toMatch(/backend cpu/);
    expect(e1.message).toMatch(/backend wasm/);
    expect(readFileSync(join(dir, 'plan.json'), 'utf8')).toBe(original);

    // Other code: the recorded version differs from this one.
    const old = { ...(JSON.parse(original) as SweepPlan), codeVersion: 'marginlab@0.0.0+sha256:0000000000000000' };
    const edited = JSON.stringify(old, null, 1) + '\n';
    writeFileSync(join(dir, 'plan.json'), edited);
    const e2 = await rejection(planSweep(s, dir, { backend: 'cpu' }));
    expect(e2).toBeInstanceOf(ParameterError);
    expect(e2.message).toContain('marginlab@0.0.0+sha256:0000000000000000');
    expect(e2.message).toContain(sweepCodeVersion());
    expect(readFileSync(join(dir, 'plan.json'), 'utf8')).toBe(edited);

    // Nothing finished: other code may re-plan (and records itself).
    rmSync(join(dir, done.dir, 'done.json'));
    const replanned = await planSweep(s, dir, { backend: 'wasm' });
    expect(replanned.backend).toBe('wasm');
    expect(loadPlan(dir).codeVersion).toBe(sweepCodeVersion());
    // The backend is part of an agent's config: its id changes with it.
    expect(replanned.tasks.filter((t) => t.kind === 'agent').map((t) => t.id)).not.toEqual(plan.tasks.filter((t) => t.kind === 'agent').map((t) => t.id));
  });

  it('resolves one backend for the whole sweep', async () => {
    // Given: it overrides the cells' own choice.
    expect((await buildPlan(spec({}), { backend: 'wasm' })).backend).toBe('wasm');
    // Not given: the cells' own (one) choice.
    expect((await buildPlan(spec({}))).backend).toBe('cpu');
    const e = await rejection(buildPlan(spec({ axes: { backend: ['cpu', 'wasm'] } })));
    expect(e).toBeInstanceOf(ParameterError);
    expect(e.message).toMatch(/different backends \(cpu, wasm\)/);
    await expect(buildPlan(spec({}), { backend: 'auto' as 'cpu' })).rejects.toThrow(/backend auto: expected one of/);
  });

  it('refuses a cell that would be look-ahead at plan time, not on a node', async () => {
    await expect(buildPlan(spec({ axes: { trade: ['2020-05-01:2020-12-31', '2018-06-01:2018-12-31'] } }), { backend: 'cpu' })).rejects.toThrow(
      /must start after the training period ends/,
    );
  });

  it('refuses an input file that cannot be read, naming the parameter', async () => {
    const e = await rejection(buildPlan(spec({ base: { ...BASE, scores: 'missing.jsonl' } }), { backend: 'cpu', cwd: fresh('inputs') }));
    expect(e).toBeInstanceOf(ParameterError);
    expect((e as ParameterError).param).toBe('scores');
  });

  it('readPlan: null without a plan, and refuses a file that is not a plan', () => {
    const dir = fresh();
    mkdirSync(dir, { recursive: true });
    expect(readPlan(dir)).toBeNull();
    expect(() => loadPlan(dir)).toThrow(/has no plan\.json/);
    writeFileSync(join(dir, 'plan.json'), '{"format":"other"}');
    expect(() => readPlan(dir)).toThrow(/not a sweep plan/);
    writeFileSync(join(dir, 'plan.json'), '{');
    expect(() => readPlan(dir)).toThrow(/not valid JSON/);
  });
});
