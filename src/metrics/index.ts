/** The metrics layer: per-episode performance and trading statistics, and statistics across seeds. */
export * from './perf.ts';
export * from './trading.ts';
export * from './stats.ts';
export * from './robust.ts';
export * from './seeds.ts';
