/**
 * Context sources over the repository's bundled data (or a copy in `dataDir`), each loaded once on
 * first use. What `marginlab forecast` and `compare` use to build contexts without wiring files by hand.
 */
import { ParameterError } from '../../src/parameter-error.ts';
import { bundledDataPath, loadMacro } from '../../src/data/macro.ts';
import { loadNews } from '../../src/data/news.ts';
import { MacroContextSource } from './macro.ts';
import { NewsContextSource } from './news.ts';
import { PaperPromptSource } from './paper.ts';
import { loadBundledPrices } from './price-files.ts';
import { PricesContextSource, type ClosePanel, type IndexSeries } from './prices.ts';
import type { ContextSource, SourceName } from './types.ts';

export interface BundledSourcesOptions {
  /** Folder with the data files (default: the repository's data/). */
  dataDir?: string;
  /** News file for the news source (CSV or JSONL); the bundle has none. */
  newsFile?: string;
}

export class BundledSources {
  private prices?: { index: IndexSeries; panel: ClosePanel };
  private readonly made = new Map<SourceName, ContextSource>();

  constructor(private readonly options: BundledSourcesOptions = {}) {}

  /** ^DJI (continued with DIA past 2022-11-18) and the Dow constituents' closes. */
  bundledPrices(): { index: IndexSeries; panel: ClosePanel } {
    return (this.prices ??= loadBundledPrices(this.options.dataDir));
  }

  source(name: SourceName): ContextSource {
    let s = this.made.get(name);
    if (!s) this.made.set(name, (s = this.make(name)));
    return s;
  }

  private make(name: SourceName): ContextSource {
    const { dataDir, newsFile } = this.options;
    switch (name) {
      case 'macro':
        return new MacroContextSource(loadMacro(bundledDataPath('macro_fred_long.csv', dataDir)));
      case 'news':
        if (!newsFile)
          throw new ParameterError(
            ['source', 'newsFile'],
            (n) => `${n('source')} news needs ${n('newsFile')} FILE (CSV or JSONL with date, text and optional ticker)`,
          );
        return new NewsContextSource(loadNews(newsFile));
      case 'prices': {
        const { index, panel } = this.bundledPrices();
        return new PricesContextSource(index, panel);
      }
      case 'paper-macro':
      case 'paper-news':
        return new PaperPromptSource(name, bundledDataPath(`margintrader_llm/${name === 'paper-macro' ? 'macro_indicator' : 'firm_news'}.json`, dataDir));
    }
  }
}
