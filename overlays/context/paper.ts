/**
 * The paper's own stage-1 prompts (docs/mechanics.md#market-forecast-stage-1): 16 quarterly prompts, 2020-05-01 … 2024-02-01, built from
 * macro indicators (`macro_indicator.json`) or firm-news summaries (`firm_news.json`), keyed by decision
 * date. They make the published stage 1 re-runnable as is, but they are NOT point in time: the macro
 * tables hold values published after the decision date and quarterly GDP spread over months, and the
 * news summaries were written after the fact (docs/mechanics.md#look-ahead-in-the-prompts). Every context says so.
 */
import { formatIssues } from '../../src/validation.ts';
import { z } from 'zod';
import { bundledDataPath, readDataText } from '../../src/data/macro.ts';
import { PAPER_ENDING } from '../prompts.ts';
import type { Context, ContextSource } from './types.ts';

export const PAPER_NOT_POINT_IN_TIME = 'not point-in-time (the original prompts contain look-ahead, see docs/mechanics.md#look-ahead-in-the-prompts)';

const PAPER_FILES = { 'paper-macro': 'macro_indicator.json', 'paper-news': 'firm_news.json' } as const;

const PromptFileSchema = z.record(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD keys'), z.string().min(1));

export class PaperPromptSource implements ContextSource {
  readonly pointInTime = false;
  private readonly prompts: Record<string, string>;

  constructor(
    readonly name: 'paper-macro' | 'paper-news',
    path?: string,
  ) {
    const file = path ?? bundledDataPath(`margintrader_llm/${PAPER_FILES[name]}`);
    let value: unknown;
    try {
      value = JSON.parse(readDataText(file));
    } catch (e) {
      throw new Error(`${file}: not valid JSON (${(e as Error).message})`, { cause: e });
    }
    const r = PromptFileSchema.safeParse(value);
    if (!r.success) throw new Error(`${file}: expected an object of date → prompt text: ${formatIssues(r.error, { first: true, whole: '(file)' })}`);
    this.prompts = r.data;
  }

  dates(): string[] {
    return Object.keys(this.prompts).sort();
  }

  build(asOf: string): Context {
    const prompt = this.prompts[asOf];
    if (prompt === undefined) {
      throw new Error(`${this.name}: no stored prompt for ${asOf}; the paper's prompts exist for ${this.dates().join(', ')}`);
    }
    // The data part is everything before the fixed question, so other formats can reuse it.
    const body = prompt.endsWith(PAPER_ENDING) ? prompt.slice(0, -PAPER_ENDING.length).trimEnd() : prompt;
    return {
      source: this.name,
      asOf,
      pointInTime: false,
      note: PAPER_NOT_POINT_IN_TIME,
      title: this.name === 'paper-macro' ? "US macroeconomic indicators (the paper's table)" : "DJIA 30 company news summaries (the paper's)",
      body,
      verbatimPrompt: prompt,
    };
  }
}
