import { availableParallelism } from 'node:os';

/** One benchmark line in DESIGN.md's format: name, unit, median/min/max over runs, cores, plus details. */
export interface BenchLine {
  name: string;
  unit: string;
  median: number;
  min: number;
  max: number;
  runs: number;
  cores: number;
  [detail: string]: unknown;
}

export function summarize(name: string, unit: string, values: number[], details: Record<string, unknown> = {}): BenchLine {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { name, unit, median: round(median), min: round(s[0]), max: round(s[s.length - 1]), runs: s.length, cores: availableParallelism(), ...details };
}

function round(x: number): number {
  return Math.abs(x) >= 100 ? Math.round(x) : Number(x.toPrecision(4));
}

/** Peak resident set size of this process so far, MiB. */
export function peakRssMiB(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

export function emit(line: BenchLine): void {
  console.log(JSON.stringify(line));
}
