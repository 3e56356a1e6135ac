/**
 * A sweep's SPEC (JSON or YAML): the comparisons a study is made of, as a grid of axes over the
 * comparison's own fields (`CompareSchema`), and/or an explicit list of cells.
 *
 *   name: algo-study            # names the plan (letters, digits, . _ -)
 *   base:                       # compare fields every cell shares (seeds are paired within a cell)
 *     seeds: [0, 1, 2, 3, 4]
 *     trade: 2020-05-01:2024-03-28
 *   axes:                       # the grid: every combination is a cell
 *     algo: [ppo, a2c]
 *     timesteps: [20000, 50000]
 *   cells:                      # explicit cells besides the grid, each over `base`
 *     - { name: realistic, preset: realistic }
 *
 * Unknown keys are errors, at every level; every cell is validated as a whole comparison before anything
 * is planned. `seeds` cannot be an axis: a cell's seeds are the paired samples of its statistics (list more
 * seeds in `base.seeds`; adding seeds adds agent tasks and leaves the finished ones alone).
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ParameterError } from '../../src/parameter-error.ts';
import { formatIssues } from '../../src/validation.ts';
import { CompareSchema, type CompareConfig } from '../compare/config.ts';

/** Compare fields a cell may set (everything but where the run goes and how many processes it uses). */
const CellFields = CompareSchema.omit({ out: true, workers: true });
const CELL_KEYS = Object.keys(CellFields.shape) as (keyof CompareConfig)[];
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export const SweepSpecSchema = z
  .object({
    name: z.string().regex(NAME, 'letters, digits, ".", "_" or "-"').default('sweep').describe('the study (recorded in the plan)'),
    base: z.record(z.string(), z.unknown()).default({}).describe('compare fields shared by every cell (e.g. seeds, trade, overlays)'),
    axes: z
      .record(z.string(), z.array(z.unknown()).min(1, 'an axis needs at least one value'))
      .default({})
      .describe('compare fields and their values: every combination is a cell'),
    cells: z.array(z.record(z.string(), z.unknown())).default([]).describe('explicit cells, each a set of compare fields over base (and an optional name)'),
  })
  .strict();
export type SweepSpec = z.infer<typeof SweepSpecSchema>;

/** One comparison of the study: its name, the axis values that make it, and its whole config. */
export interface SweepCell {
  name: string;
  values: Record<string, unknown>;
  /** The comparison (`out` and `workers` are the sweep's, not the cell's). */
  config: Omit<CompareConfig, 'out' | 'workers'>;
}

/** Reads and validates a SPEC file (`.json`, `.yaml` or `.yml`); errors name the file and the field. */
export function readSweepSpec(path: string): SweepSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ParameterError(['spec'], (n) => `${n('spec')} ${path}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw new ParameterError(
      ['spec'],
      (n) => `${n('spec')} ${path}: not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}: ${(e as Error).message.split('\n')[0]}`,
    );
  }
  return parseSweepSpec(raw, path);
}

/** Validates a SPEC object (`where` names it in errors). */
export function parseSweepSpec(raw: unknown, where = 'the sweep spec'): SweepSpec {
  const r = SweepSpecSchema.safeParse(raw);
  if (!r.success) throw new ParameterError(['spec'], `${where}: ${formatIssues(r.error)}`);
  return r.data;
}

/** Every cell of the spec: the grid of its axes (in the order the axes and values are written), then the explicit cells. */
export function expandCells(spec: SweepSpec, where = 'the sweep spec'): SweepCell[] {
  const fail = (msg: string): never => {
    throw new ParameterError(['spec'], `${where}: ${msg}`);
  };
  const checkKeys = (obj: Record<string, unknown>, at: string, allowName = false) => {
    for (const k of Object.keys(obj)) {
      if (allowName && k === 'name') continue;
      if (k === 'out' || k === 'workers') fail(`${at}.${k}: set by "sweep run" and "sweep merge", not by the spec`);
      if (!(CELL_KEYS as string[]).includes(k)) fail(`${at}.${k}: unknown field (expected some of ${CELL_KEYS.join(', ')})`);
    }
  };
  checkKeys(spec.base, 'base');
  checkKeys(spec.axes, 'axes');
  if ('seeds' in spec.axes) fail('axes.seeds: seeds are the paired samples within a cell, not an axis; list them in base.seeds');
  const parseCell = (fields: Record<string, unknown>, at: string): SweepCell['config'] => {
    const r = CompareSchema.safeParse({ ...spec.base, ...fields });
    if (!r.success) return fail(`${at}: ${formatIssues(r.error)}`);
    const { out: _out, workers: _workers, ...config } = r.data;
    return config;
  };
  const cells: SweepCell[] = [];
  const axes = Object.entries(spec.axes);
  if (axes.length > 0 || spec.cells.length === 0) {
    // Odometer over the axes, last axis fastest.
    const idx = axes.map(() => 0);
    for (;;) {
      const values = Object.fromEntries(axes.map(([k, vs], i) => [k, vs[idx[i]]]));
      const name = axes.length === 0 ? 'main' : axes.map(([k], i) => `${k}=${valueName(axes[i][1][idx[i]])}`).join(',');
      cells.push({ name, values, config: parseCell(values, axes.length ? `axes (${name})` : 'base') });
      let i = axes.length - 1;
      while (i >= 0 && ++idx[i] === axes[i][1].length) idx[i--] = 0;
      if (i < 0) break;
    }
  }
  spec.cells.forEach((c, k) => {
    checkKeys(c, `cells[${k}]`, true);
    const { name, ...fields } = c;
    if (name !== undefined && (typeof name !== 'string' || !NAME.test(name))) fail(`cells[${k}].name: letters, digits, ".", "_" or "-"`);
    const cellName =
      (name as string | undefined) ??
      (Object.entries(fields)
        .map(([f, v]) => `${f}=${valueName(v)}`)
        .join(',') ||
        `cell-${k}`);
    cells.push({ name: cellName, values: fields, config: parseCell(fields, `cells[${k}]`) });
  });
  const seen = new Map<string, number>();
  cells.forEach((c, k) => {
    const before = seen.get(c.name);
    if (before !== undefined) fail(`two cells are named "${c.name}" (cells ${before} and ${k}): give the explicit cells distinct names`);
    seen.set(c.name, k);
  });
  return cells;
}

function valueName(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.replace(/[^A-Za-z0-9._:-]+/g, '_').slice(0, 60);
}
