/** The report layer: number formatting, comparison tables (Markdown, CSV, text) and SVG charts. */
export * from './format.ts';
export * from './table.ts';
export * from './svg.ts';
