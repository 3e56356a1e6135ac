/**
 * Dependency-free SVG charts for reports: an equity-curve line chart and a bar chart with error bars.
 * Each function returns one standalone SVG document as a string (no XML prolog, so it can be written to
 * a .svg file or inlined in report.html as is). Drawing is deliberately plain: axes, light grid, a
 * legend, colour-blind-safe colours (the Okabe–Ito palette), one <path> per line series.
 */
import { formatValue, type ValueFormat } from './format.ts';

/** Okabe & Ito's colour-blind-safe palette, minus yellow (too faint on white). */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'] as const;

export interface LineSeries {
  name: string;
  /** One value per date; NaN (or ≤ 0 on a log scale is an error) leaves a gap. */
  values: ArrayLike<number>;
  color?: string;
  dashed?: boolean;
}

export interface LineChartOptions {
  /** ISO dates `YYYY-MM-DD`, one per point; the x axis is the trading-day index, labelled by date. */
  dates: readonly string[];
  series: readonly LineSeries[];
  title?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  /** Logarithmic value axis: equal vertical distances are equal growth rates. Values must be > 0. */
  logScale?: boolean;
  /** Format of the value-axis labels; default 'money' when values reach 1,000, else 'ratio'. */
  format?: ValueFormat;
}

export interface BarDatum {
  label: string;
  mean: number;
  /** Lower and upper end of the error bar (e.g. a CI); omitted or non-finite → no error bar. */
  lo?: number;
  hi?: number;
  color?: string;
}

export interface BarChartOptions {
  bars: readonly BarDatum[];
  title?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  /** Format of the value axis and the value labels; default 'ratio'. */
  format?: ValueFormat;
}

interface Box {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

interface Ticks {
  lo: number;
  hi: number;
  values: number[];
  step: number;
}

/** Equity curves: several named series over shared dates. */
export function lineChartSvg(opts: LineChartOptions): string {
  const width = opts.width ?? 800;
  const height = opts.height ?? 420;
  const n = opts.dates.length;
  if (n === 0) throw new RangeError('lineChartSvg: no dates');
  if (opts.series.length === 0) throw new RangeError('lineChartSvg: no series');
  for (const s of opts.series) {
    if (s.values.length !== n) {
      throw new RangeError(`lineChartSvg: series "${s.name}" has ${s.values.length} values for ${n} dates`);
    }
  }
  const log = opts.logScale ?? false;
  let min = Infinity;
  let max = -Infinity;
  for (const s of opts.series) {
    for (let i = 0; i < n; i++) {
      const v = s.values[i];
      if (Number.isNaN(v)) continue;
      if (!Number.isFinite(v)) throw new RangeError(`lineChartSvg: series "${s.name}" is ${v} at ${opts.dates[i]}`);
      if (log && v <= 0) {
        throw new RangeError(`lineChartSvg: a log scale needs positive values; series "${s.name}" is ${v} at ${opts.dates[i]}`);
      }
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (min === Infinity) throw new RangeError('lineChartSvg: every value is NaN; nothing to draw');
  const format = opts.format ?? (Math.max(Math.abs(min), Math.abs(max)) >= 1000 ? 'money' : 'ratio');

  const box: Box = { x0: opts.yLabel ? 92 : 78, x1: width - 20, y0: opts.title ? 40 : 16, y1: height - 44 };
  const ticks = log ? logTicks(min, max) : linearTicks(min, max);
  const tr = (v: number) => (log ? Math.log10(v) : v);
  const yOf = (v: number) => box.y1 - ((tr(v) - tr(ticks.lo)) / (tr(ticks.hi) - tr(ticks.lo))) * (box.y1 - box.y0);
  const xOf = (i: number) => (n === 1 ? (box.x0 + box.x1) / 2 : box.x0 + (i / (n - 1)) * (box.x1 - box.x0));

  const parts: string[] = [];
  parts.push(...valueAxis(box, ticks, yOf, format, log));
  for (const t of dateTicks(opts.dates)) {
    const x = xOf(t.index);
    parts.push(line(x, box.y1, x, box.y1 + 5, '#444'));
    parts.push(text(x, box.y1 + 18, t.label, { anchor: 'middle' }));
  }
  parts.push(line(box.x0, box.y1, box.x1, box.y1, '#444'));

  opts.series.forEach((s, k) => {
    const color = s.color ?? PALETTE[k % PALETTE.length];
    let d = '';
    let penDown = false;
    for (let i = 0; i < n; i++) {
      const v = s.values[i];
      if (Number.isNaN(v)) {
        penDown = false;
        continue;
      }
      d += `${d ? ' ' : ''}${penDown ? 'L' : 'M'}${num(xOf(i))} ${num(yOf(v))}`;
      penDown = true;
    }
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    parts.push(`<path d="${d}" fill="none" stroke="${attr(color)}" stroke-width="1.6"${dash}><title>${esc(s.name)}</title></path>`);
  });

  parts.push(
    ...legend(
      box,
      opts.series.map((s, k) => ({ name: s.name, color: s.color ?? PALETTE[k % PALETTE.length], dashed: s.dashed })),
    ),
  );
  return document(width, height, opts.title, opts.yLabel, box, parts);
}

export interface StackedAreaOptions {
  /** ISO dates, one per point (x axis: trading-day index, labelled by date). */
  dates: readonly string[];
  /** Layers stacked in this order; positive values stack up from 0, negative ones down from 0. */
  series: readonly { name: string; values: ArrayLike<number>; color?: string }[];
  title?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  /** Value-axis format; default 'percent' (weights). */
  format?: ValueFormat;
}

/**
 * Stacked areas (e.g. portfolio weights over time): each layer's band lies between the running sums of
 * the layers before it, longs above zero and shorts below, so the top edge is the long exposure and the
 * bottom edge minus the short exposure.
 */
export function stackedAreaSvg(opts: StackedAreaOptions): string {
  const width = opts.width ?? 800;
  const height = opts.height ?? 360;
  const n = opts.dates.length;
  if (n === 0) throw new RangeError('stackedAreaSvg: no dates');
  if (opts.series.length === 0) throw new RangeError('stackedAreaSvg: no series');
  for (const s of opts.series) {
    if (s.values.length !== n) throw new RangeError(`stackedAreaSvg: series "${s.name}" has ${s.values.length} values for ${n} dates`);
    for (let i = 0; i < n; i++)
      if (!Number.isFinite(s.values[i])) throw new RangeError(`stackedAreaSvg: series "${s.name}" is ${s.values[i]} at ${opts.dates[i]}`);
  }
  const up = new Float64Array(n);
  const down = new Float64Array(n);
  const bands = opts.series.map((s) => {
    const lo = new Float64Array(n);
    const hi = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = s.values[i];
      if (v >= 0) {
        lo[i] = up[i];
        up[i] += v;
        hi[i] = up[i];
      } else {
        hi[i] = down[i];
        down[i] += v;
        lo[i] = down[i];
      }
    }
    return { lo, hi };
  });
  let min = 0;
  let max = 0;
  for (let i = 0; i < n; i++) {
    if (down[i] < min) min = down[i];
    if (up[i] > max) max = up[i];
  }
  if (max === min) max = min + 1;
  const format = opts.format ?? 'percent';
  const box: Box = { x0: opts.yLabel ? 92 : 78, x1: width - 150, y0: opts.title ? 40 : 16, y1: height - 44 };
  const ticks = linearTicks(min, max);
  const yOf = (v: number) => box.y1 - ((v - ticks.lo) / (ticks.hi - ticks.lo)) * (box.y1 - box.y0);
  const xOf = (i: number) => (n === 1 ? (box.x0 + box.x1) / 2 : box.x0 + (i / (n - 1)) * (box.x1 - box.x0));
  const parts: string[] = [];
  parts.push(...valueAxis(box, ticks, yOf, format, false));
  for (const t of dateTicks(opts.dates)) {
    const x = xOf(t.index);
    parts.push(line(x, box.y1, x, box.y1 + 5, '#444'));
    parts.push(text(x, box.y1 + 18, t.label, { anchor: 'middle' }));
  }
  parts.push(line(box.x0, yOf(0), box.x1, yOf(0), '#444'));
  bands.forEach((b, k) => {
    const color = opts.series[k].color ?? AREA_PALETTE[k % AREA_PALETTE.length];
    let d = '';
    for (let i = 0; i < n; i++) d += `${i ? ' L' : 'M'}${num(xOf(i))} ${num(yOf(b.hi[i]))}`;
    for (let i = n - 1; i >= 0; i--) d += ` L${num(xOf(i))} ${num(yOf(b.lo[i]))}`;
    parts.push(`<path d="${d} Z" fill="${attr(color)}" fill-opacity="0.85" stroke="none"><title>${esc(opts.series[k].name)}</title></path>`);
  });
  // Legend to the right of the plot (many layers: one row each).
  opts.series.forEach((s, k) => {
    const color = s.color ?? AREA_PALETTE[k % AREA_PALETTE.length];
    const y = box.y0 + 4 + k * 15;
    parts.push(`<rect x="${num(box.x1 + 12)}" y="${num(y)}" width="10" height="10" fill="${attr(color)}"/>`);
    parts.push(text(box.x1 + 28, y + 9, s.name, {}));
  });
  return document(width, height, opts.title, opts.yLabel, box, parts);
}

/** Twelve distinguishable fills for stacked layers (Okabe–Ito, then lighter tints). */
const AREA_PALETTE = [
  '#0072B2',
  '#D55E00',
  '#009E73',
  '#CC79A7',
  '#E69F00',
  '#56B4E9',
  '#000000',
  '#7FB8D8',
  '#EAAF80',
  '#80CEB9',
  '#E5BCD3',
  '#999999',
] as const;

/** Bars at the mean with error bars from lo to hi, one per arm. */
export function barChartSvg(opts: BarChartOptions): string {
  const width = opts.width ?? 560;
  const height = opts.height ?? 360;
  const format = opts.format ?? 'ratio';
  if (opts.bars.length === 0) throw new RangeError('barChartSvg: no bars');
  let min = 0;
  let max = 0;
  for (const b of opts.bars) {
    for (const v of [b.mean, b.lo, b.hi]) {
      if (v !== undefined && Number.isFinite(v)) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
  }
  const box: Box = { x0: opts.yLabel ? 92 : 78, x1: width - 20, y0: opts.title ? 40 : 16, y1: height - 44 };
  const ticks = linearTicks(min, max);
  const yOf = (v: number) => box.y1 - ((v - ticks.lo) / (ticks.hi - ticks.lo)) * (box.y1 - box.y0);
  const slot = (box.x1 - box.x0) / opts.bars.length;

  const parts: string[] = [...valueAxis(box, ticks, yOf, format, false)];
  const y0 = yOf(0);
  opts.bars.forEach((b, k) => {
    const cx = box.x0 + slot * (k + 0.5);
    const color = b.color ?? PALETTE[k % PALETTE.length];
    parts.push(text(cx, box.y1 + 18, b.label, { anchor: 'middle' }));
    if (!Number.isFinite(b.mean)) {
      parts.push(text(cx, y0 - 6, formatValue(b.mean, format), { anchor: 'middle', fill: '#666' }));
      return;
    }
    const ym = yOf(b.mean);
    const bw = slot * 0.6;
    parts.push(
      `<rect x="${num(cx - bw / 2)}" y="${num(Math.min(ym, y0))}" width="${num(bw)}" height="${num(Math.abs(y0 - ym))}" fill="${attr(color)}" fill-opacity="0.85"><title>${esc(b.label)}: ${esc(formatValue(b.mean, format))}</title></rect>`,
    );
    let top = Math.min(ym, y0);
    let bottom = Math.max(ym, y0);
    if (b.lo !== undefined && b.hi !== undefined && Number.isFinite(b.lo) && Number.isFinite(b.hi)) {
      const ylo = yOf(b.lo);
      const yhi = yOf(b.hi);
      const cap = slot * 0.12;
      parts.push(line(cx, ylo, cx, yhi, '#222', 1.4));
      parts.push(line(cx - cap, ylo, cx + cap, ylo, '#222', 1.4));
      parts.push(line(cx - cap, yhi, cx + cap, yhi, '#222', 1.4));
      top = Math.min(top, yhi, ylo);
      bottom = Math.max(bottom, yhi, ylo);
    }
    // Value label outside the bar: above for positive means, below for negative ones.
    const label = formatValue(b.mean, format);
    parts.push(b.mean >= 0 ? text(cx, top - 6, label, { anchor: 'middle' }) : text(cx, bottom + 14, label, { anchor: 'middle' }));
  });
  parts.push(line(box.x0, y0, box.x1, y0, '#444'));
  return document(width, height, opts.title, opts.yLabel, box, parts);
}

/**
 * "Nice" linear ticks: step = 1, 2 or 5 × 10^k closest above (max − min)/5, the range widened to whole
 * steps. Ticks are computed as k·step (not by repeated addition) so that they print cleanly.
 */
export function linearTicks(min: number, max: number, target = 5): Ticks {
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  const raw = (max - min) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const kLo = Math.floor(min / step + 1e-9);
  const kHi = Math.ceil(max / step - 1e-9);
  const values: number[] = [];
  for (let k = kLo; k <= kHi; k++) values.push(roundTo(k * step, step));
  return { lo: values[0], hi: values[values.length - 1], values, step };
}

/**
 * Log-scale ticks: the range is [min, max] padded by 2% in log space; ticks are the numbers
 * m·10^k (m = 1, 2, 5, or 1…9 when that gives too few) inside it. A range too narrow for three such
 * ticks (e.g. 0.9 to 1.6) falls back to nice linear ticks, still placed on the log axis.
 */
export function logTicks(min: number, max: number): Ticks {
  let lmin = Math.log10(min);
  let lmax = Math.log10(max);
  if (lmax - lmin < 1e-9) {
    lmin -= 0.05;
    lmax += 0.05;
  }
  const pad = (lmax - lmin) * 0.02;
  lmin -= pad;
  lmax += pad;
  const lo = 10 ** lmin;
  const hi = 10 ** lmax;
  for (const mantissas of [
    [1, 2, 5],
    [1, 2, 3, 4, 5, 6, 7, 8, 9],
  ]) {
    const values: number[] = [];
    for (let k = Math.floor(lmin); k <= Math.ceil(lmax); k++) {
      for (const m of mantissas) {
        const v = roundTo(m * 10 ** k, 10 ** k);
        if (v >= lo && v <= hi) values.push(v);
      }
    }
    if (values.length >= 3 && values.length <= 12) return { lo, hi, values, step: NaN };
  }
  const lin = linearTicks(min, max);
  return { lo, hi, values: lin.values.filter((v) => v >= lo && v <= hi && v > 0), step: lin.step };
}

/**
 * Date ticks for a trading-day axis: the finest of month, quarter, half-year, year starts that gives
 * 2 … maxTicks labels (years are thinned to every k-th if still too many); for a series shorter than two
 * month boundaries, evenly spaced dates. A "start" is the first trading day of the period in `dates`.
 */
export function dateTicks(dates: readonly string[], maxTicks = 8): { index: number; label: string }[] {
  const n = dates.length;
  const months: number[] = [];
  for (let i = 1; i < n; i++) if (dates[i].slice(0, 7) !== dates[i - 1].slice(0, 7)) months.push(i);
  const quarters = months.filter((i) => ['01', '04', '07', '10'].includes(dates[i].slice(5, 7)));
  const halves = quarters.filter((i) => ['01', '07'].includes(dates[i].slice(5, 7)));
  const years = months.filter((i) => dates[i].slice(0, 4) !== dates[i - 1].slice(0, 4));
  const fits = (xs: number[]) => xs.length >= 2 && xs.length <= maxTicks;
  for (const starts of [months, quarters, halves]) {
    if (fits(starts)) return starts.map((i) => ({ index: i, label: dates[i].slice(0, 7) }));
  }
  if (years.length >= 2) {
    const every = Math.ceil(years.length / maxTicks);
    return years.filter((_, k) => k % every === 0).map((i) => ({ index: i, label: dates[i].slice(0, 4) }));
  }
  if (quarters.length >= 2) {
    const every = Math.ceil(quarters.length / maxTicks);
    return quarters.filter((_, k) => k % every === 0).map((i) => ({ index: i, label: dates[i].slice(0, 7) }));
  }
  if (n === 1) return [{ index: 0, label: dates[0] }];
  const k = Math.max(2, Math.min(n, maxTicks, 5));
  const out: { index: number; label: string }[] = [];
  for (let j = 0; j < k; j++) {
    const i = Math.round((j * (n - 1)) / (k - 1));
    if (out.length === 0 || out[out.length - 1].index !== i) out.push({ index: i, label: dates[i] });
  }
  return out;
}

function valueAxis(box: Box, ticks: Ticks, yOf: (v: number) => number, format: ValueFormat, log: boolean): string[] {
  const parts: string[] = [];
  const digits = log || !Number.isFinite(ticks.step) ? undefined : tickDigits(ticks.step, format);
  for (const v of ticks.values) {
    const y = yOf(v);
    parts.push(line(box.x0, y, box.x1, y, '#e5e5e5'));
    parts.push(text(box.x0 - 6, y + 4, formatValue(v, format, digits), { anchor: 'end' }));
  }
  parts.push(line(box.x0, box.y0, box.x0, box.y1, '#444'));
  return parts;
}

/** Decimals that show a tick step exactly (0.05 → 2; 5% in percent → 0; 250,000 money → 0). */
function tickDigits(step: number, format: ValueFormat): number {
  const s = format === 'percent' ? step * 100 : step;
  return Math.max(0, Math.min(10, -Math.floor(Math.log10(s) + 1e-9)));
}

function legend(box: Box, items: { name: string; color: string; dashed?: boolean }[]): string[] {
  const rowH = 16;
  const longest = Math.max(...items.map((it) => [...it.name].length));
  const w = 40 + longest * 7;
  const h = items.length * rowH + 8;
  const x = box.x0 + 10;
  const y = box.y0 + 8;
  const parts = [`<rect x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${num(h)}" fill="#ffffff" fill-opacity="0.85" stroke="#cccccc"/>`];
  items.forEach((it, k) => {
    const ly = y + 4 + rowH * k + rowH / 2;
    const dash = it.dashed ? ' stroke-dasharray="6 4"' : '';
    parts.push(`<line x1="${num(x + 6)}" y1="${num(ly)}" x2="${num(x + 30)}" y2="${num(ly)}" stroke="${attr(it.color)}" stroke-width="2"${dash}/>`);
    parts.push(text(x + 36, ly + 4, it.name, {}));
  });
  return parts;
}

function document(width: number, height: number, title: string | undefined, yLabel: string | undefined, box: Box, parts: string[]): string {
  const head = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11" role="img">`,
  ];
  if (title) head.push(`<title>${esc(title)}</title>`);
  head.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  if (title) head.push(text(width / 2, 24, title, { anchor: 'middle', size: 15, weight: 'bold' }));
  if (yLabel) {
    const cy = (box.y0 + box.y1) / 2;
    head.push(`<text x="16" y="${num(cy)}" text-anchor="middle" transform="rotate(-90 16 ${num(cy)})">${esc(yLabel)}</text>`);
  }
  return [...head, ...parts, '</svg>'].join('\n') + '\n';
}

function line(x1: number, y1: number, x2: number, y2: number, stroke: string, widthPx = 1): string {
  return `<line x1="${num(x1)}" y1="${num(y1)}" x2="${num(x2)}" y2="${num(y2)}" stroke="${stroke}" stroke-width="${widthPx}"/>`;
}

function text(x: number, y: number, content: string, o: { anchor?: 'start' | 'middle' | 'end'; size?: number; weight?: string; fill?: string }): string {
  const a = o.anchor && o.anchor !== 'start' ? ` text-anchor="${o.anchor}"` : '';
  const s = o.size ? ` font-size="${o.size}"` : '';
  const w = o.weight ? ` font-weight="${o.weight}"` : '';
  const f = o.fill ? ` fill="${o.fill}"` : '';
  return `<text x="${num(x)}" y="${num(y)}"${a}${s}${w}${f}>${esc(content)}</text>`;
}

/** Coordinates to 2 decimals, without "-0". */
function num(x: number): string {
  const s = x.toFixed(2).replace(/\.?0+$/, '');
  return s === '-0' ? '0' : s;
}

/** Rounds k·step to the step's decimal precision, so 3·0.1 prints as 0.3. */
function roundTo(x: number, step: number): number {
  const decimals = Math.max(0, Math.min(15, -Math.floor(Math.log10(step)) + 1));
  return Number(x.toFixed(decimals));
}

/** Escapes text content and attribute values for XML. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function attr(s: string): string {
  return esc(s);
}
