/**
 * What stage 1 reads: a context built for one decision date from one source.
 *
 * Every point-in-time source takes `asOf` and returns only what was public strictly before it (macro
 * observations whose release date has passed, news dated before it, prices up to the previous close).
 * The paper's stored prompts are the exception and say so in `pointInTime` and `note`.
 */
import type { NewsItem } from '../../src/data/news.ts';
import type { MacroSnapshot } from './macro.ts';
import type { PriceSummary } from './prices.ts';

export const SOURCE_NAMES = ['macro', 'news', 'prices', 'paper-macro', 'paper-news'] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

export interface Context {
  source: SourceName;
  /** Information strictly before this date (the decision date). */
  asOf: string;
  /** False for sources that may contain information from on or after `asOf`. */
  pointInTime: boolean;
  /** Why a source is not point in time, or other provenance a reader must see. */
  note?: string;
  /** A short title for the prompt ("US macro indicators", "News headlines", …). */
  title: string;
  /** The rendered data, quoted into the prompt as untrusted text. */
  body: string;
  /** The complete published prompt (paper sources), used verbatim by the paper format. */
  verbatimPrompt?: string;
  /** Structured data for the offline forecasters. */
  prices?: PriceSummary;
  macro?: MacroSnapshot;
  news?: NewsItem[];
}

/** Builds the context for a decision date. */
export interface ContextSource {
  readonly name: SourceName;
  readonly pointInTime: boolean;
  build(asOf: string): Context;
}
