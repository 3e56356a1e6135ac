/**
 * Comparison tables: one row per arm (e.g. "without overlay", "with overlay", "DJIA"), one column per
 * metric, each cell a summary across seeds. Three renderings of the same table: Markdown for the README
 * and reports, CSV (raw numbers, full precision) for other tools, and aligned plain text for terminals.
 */
import { PERF_STAT_KEYS, PERF_STAT_LABELS, type PerfStatKey } from '../metrics/perf.ts';
import { summarize, type Summary } from '../metrics/stats.ts';
import { TRADING_STAT_KEYS, TRADING_STAT_LABELS, type TradingStatKey } from '../metrics/trading.ts';
import { formatValue, type ValueFormat } from './format.ts';

export interface MetricColumn {
  /** Machine name; the CSV header uses it. */
  key: string;
  /** Display name for Markdown and text. */
  label: string;
  format: ValueFormat;
  /** Decimals, overriding the format's default. */
  digits?: number;
}

/** A cell: a summary across seeds, a single number (e.g. a benchmark run once), or nothing. */
export type Cell = Summary | number | null | undefined;

export interface ArmRow {
  arm: string;
  cells: Readonly<Record<string, Cell>>;
}

export interface ComparisonTable {
  columns: readonly MetricColumn[];
  rows: readonly ArmRow[];
  /** Header of the first column, default "Arm". */
  armLabel?: string;
}

/**
 * How a summary cell reads: 'sd' → "mean ± sd", 'ci' → "mean [lo, hi]" (the summary's t interval),
 * 'mean' → the mean alone. Cells whose summary left seeds out (non-finite values) add "(n=k)".
 */
export type CellStyle = 'sd' | 'ci' | 'mean';

export interface RenderOptions {
  style?: CellStyle;
}

/** Columns for pyfolio's statistics, in perf_stats order, with their display names and formats. */
export function perfColumns(keys: readonly PerfStatKey[] = PERF_STAT_KEYS): MetricColumn[] {
  return keys.map((key) => ({ key, label: PERF_STAT_LABELS[key].label, format: PERF_STAT_LABELS[key].format }));
}

/** Columns for the trading statistics. */
export function tradingColumns(keys: readonly TradingStatKey[] = TRADING_STAT_KEYS): MetricColumn[] {
  return keys.map((key) => ({ key, label: TRADING_STAT_LABELS[key].label, format: TRADING_STAT_LABELS[key].format }));
}

export interface ArmRuns {
  arm: string;
  /** One record per seed: metric key → value (null/undefined when the run did not record it). */
  seeds: readonly Readonly<Record<string, number | null | undefined>>[];
}

/**
 * Builds a table from per-seed results: every (arm, column) cell is `summarize` of that metric over the
 * arm's seeds. Missing values are skipped; NaN/±inf ones (an undefined Calmar, say) are left out and
 * counted in the summary's `dropped`, so one odd seed does not blank the whole cell. A cell with no
 * usable value is null.
 */
export function comparisonTable(runs: readonly ArmRuns[], columns: readonly MetricColumn[], opts: { level?: number; armLabel?: string } = {}): ComparisonTable {
  const rows = runs.map(({ arm, seeds }) => {
    const cells: Record<string, Cell> = {};
    for (const col of columns) {
      const values: number[] = [];
      for (const seed of seeds) {
        const v = seed[col.key];
        if (v !== null && v !== undefined) values.push(v);
      }
      cells[col.key] = values.some(Number.isFinite) ? summarize(values, { level: opts.level, nonFinite: 'drop' }) : null;
    }
    return { arm, cells };
  });
  return { columns, rows, armLabel: opts.armLabel };
}

/** The display text of one cell. */
export function formatCell(cell: Cell, column: MetricColumn, style: CellStyle = 'sd'): string {
  if (cell === null || cell === undefined) return '—';
  const f = (x: number) => formatValue(x, column.format, column.digits);
  if (typeof cell === 'number') return f(cell);
  let text = f(cell.mean);
  if (style === 'sd' && cell.n >= 2) text += ` ± ${f(cell.sd)}`;
  if (style === 'ci' && cell.n >= 2) text += ` [${f(cell.ci[0])}, ${f(cell.ci[1])}]`;
  if (cell.dropped > 0) text += ` (n=${cell.n})`;
  return text;
}

/** Header and body cells as text, the arm first. */
function textGrid(table: ComparisonTable, style: CellStyle): { header: string[]; body: string[][] } {
  checkColumns(table);
  const header = [table.armLabel ?? 'Arm', ...table.columns.map((c) => c.label)];
  const body = table.rows.map((row) => [row.arm, ...table.columns.map((c) => formatCell(row.cells[c.key], c, style))]);
  return { header, body };
}

/**
 * GitHub-flavoured Markdown: a header row, a separator row (arm column left-aligned, metrics right-aligned),
 * one row per arm. Pipes inside cells are escaped.
 */
export function toMarkdown(table: ComparisonTable, opts: RenderOptions = {}): string {
  const { header, body } = textGrid(table, opts.style ?? 'sd');
  const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  const line = (cells: string[]) => `| ${cells.map(esc).join(' | ')} |`;
  const sep = `| ${header.map((_, i) => (i === 0 ? ':---' : '---:')).join(' | ')} |`;
  return [line(header), sep, ...body.map(line)].join('\n') + '\n';
}

/**
 * Aligned plain text for terminals: columns padded to their widest cell (arm left, numbers right),
 * two spaces apart, the header underlined with dashes.
 */
export function toText(table: ComparisonTable, opts: RenderOptions = {}): string {
  const { header, body } = textGrid(table, opts.style ?? 'sd');
  const len = (s: string) => [...s].length;
  const widths = header.map((h, i) => Math.max(len(h), ...body.map((r) => len(r[i]))));
  const pad = (s: string, i: number) => (i === 0 ? s + ' '.repeat(widths[i] - len(s)) : ' '.repeat(widths[i] - len(s)) + s);
  const line = (cells: string[]) => cells.map(pad).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...body.map(line)].join('\n') + '\n';
}

/**
 * CSV (RFC 4180 quoting, "\n" line ends) with raw numbers at full precision, for other tools.
 * Header: `arm`, then per metric either `<key>` (a column of single numbers) or, when any row holds a
 * summary, `<key>_mean,<key>_sd,<key>_ci_lo,<key>_ci_hi,<key>_n`. Missing and NaN are empty fields;
 * infinities are `inf` / `-inf`.
 */
export function toCsv(table: ComparisonTable): string {
  checkColumns(table);
  const summaryColumn = table.columns.map((c) => table.rows.some((r) => isSummary(r.cells[c.key])));
  const header = ['arm'];
  table.columns.forEach((c, i) => {
    if (summaryColumn[i]) header.push(`${c.key}_mean`, `${c.key}_sd`, `${c.key}_ci_lo`, `${c.key}_ci_hi`, `${c.key}_n`);
    else header.push(c.key);
  });
  const lines = [header.map(csvField).join(',')];
  for (const row of table.rows) {
    const out = [csvField(row.arm)];
    table.columns.forEach((c, i) => {
      const cell = row.cells[c.key];
      if (!summaryColumn[i]) out.push(csvNumber(typeof cell === 'number' ? cell : null));
      else if (isSummary(cell)) out.push(...[cell.mean, cell.sd, cell.ci[0], cell.ci[1], cell.n].map(csvNumber));
      else out.push(csvNumber(typeof cell === 'number' ? cell : null), '', '', '', typeof cell === 'number' ? '1' : '');
    });
    lines.push(out.join(','));
  }
  return lines.join('\n') + '\n';
}

export type TableFormat = 'markdown' | 'csv' | 'text';

/** One entry point for the CLI's `--format` flag. */
export function renderTable(table: ComparisonTable, format: TableFormat, opts: RenderOptions = {}): string {
  switch (format) {
    case 'markdown':
      return toMarkdown(table, opts);
    case 'csv':
      return toCsv(table);
    case 'text':
      return toText(table, opts);
    default:
      throw new RangeError(`table format must be 'markdown', 'csv' or 'text', got ${String(format)}`);
  }
}

function isSummary(cell: Cell): cell is Summary {
  return typeof cell === 'object' && cell !== null;
}

function csvNumber(x: number | null): string {
  if (x === null || Number.isNaN(x)) return '';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return String(x);
}

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function checkColumns(table: ComparisonTable): void {
  const seen = new Set<string>();
  for (const c of table.columns) {
    if (seen.has(c.key)) throw new RangeError(`table: column key "${c.key}" appears twice`);
    seen.add(c.key);
  }
}
