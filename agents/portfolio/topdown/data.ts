/**
 * The news and macro data the agents read: `StrategyInputs` first, then the option's file, then the
 * bundled file. Parsed files are cached per path (read-only stores): a compare run builds these
 * strategies several times and the bundled news file alone is 51,005 items.
 */
import { bundledDataPath, loadMacro, type MacroStore } from '../../../src/data/macro.ts';
import { loadNews, type NewsStore } from '../../../src/data/news.ts';
import type { StrategyInputs } from '../strategy.ts';

export const BUNDLED_NEWS = 'dow30_ticker_news.csv.gz';
export const BUNDLED_MACRO = 'macro_fred_long.csv.gz';

const newsCache = new Map<string, NewsStore>();
const macroCache = new Map<string, MacroStore>();

export function topDownNews(inputs: StrategyInputs, file: string | undefined): { store: NewsStore; source: string } {
  if (inputs.news) return { store: inputs.news, source: 'the news given to the strategy' };
  const path = file ?? bundledDataPath(BUNDLED_NEWS);
  let store = newsCache.get(path);
  if (!store) newsCache.set(path, (store = loadNews(path)));
  return { store, source: file ?? `data/${BUNDLED_NEWS}` };
}

export function topDownMacro(inputs: StrategyInputs, file: string | undefined): { store: MacroStore; source: string } {
  if (inputs.macro) return { store: inputs.macro, source: 'the macro store given to the strategy' };
  const path = file ?? bundledDataPath(BUNDLED_MACRO);
  let store = macroCache.get(path);
  if (!store) macroCache.set(path, (store = loadMacro(path)));
  return { store, source: file ?? `data/${BUNDLED_MACRO}` };
}
