/**
 * `marginlab score`: stage 1 for assets — four scores (fundamentals, momentum, sentiment, risk, 1–10) per
 * scoring date, ticker and persona, with reasoning, into a scores JSONL file that the score strategies
 * read through ScoreBook.
 *
 *   marginlab score --universe dow30 --provider momentum --out runs/scores-momentum.jsonl
 *   OPENAI_API_KEY=… marginlab score --provider openai --model gpt-4o-mini --personas analyst,value --out runs/scores-4o.jsonl
 *   marginlab score --provider replay --model gpt-4o-mini --personas analyst,value --out runs/scores-4o.jsonl   # offline, from the cache
 *
 * The library does the work (overlays/scoring/*); this file wires flags. Resumable (a rerun skips keys
 * already scored, retries failures), interruptible (Ctrl-C / SIGTERM lose only requests in flight),
 * `--dry-run` prints the prompts and calls nothing, `--evaluate` prints the file's score quality (rank IC,
 * hit rate, turnover) on stdout after the run. Secrets only from the environment (OPENAI_API_KEY); every
 * line printed is redacted of it.
 *
 * Flags and `--config FILE` come from one schema (ScoreSchema, through scripts/schema-flags.ts).
 *
 * Exit status (scripts/exit-codes.ts, as `forecast`): 0 every key has a score; 1 a usage, configuration or
 * input error (nothing ran); 2 some keys failed (their failures are in the file; a rerun retries them); 3
 * the provider stopped the run (credentials, unknown model, replay miss); 70 an internal error; 75 another
 * run holds the scores file; 130 / 143 interrupted by SIGINT / SIGTERM (records written are kept).
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import cliProgress from 'cli-progress';
import { MacroContextSource } from '../../overlays/context/macro.ts';
import { addDays, parseDecisionDates } from '../../overlays/dates.ts';
import { lookAheadWarning, resolveModelCutoff } from '../../overlays/model-cutoffs.ts';
import { DEFAULT_MAX_REPLY_BYTES } from '../../overlays/providers/openai.ts';
import { ScoringContexts, universeClosePrices, type ClosePrices } from '../../overlays/scoring/context.ts';
import { defaultScoreChatParams, LlmScorer } from '../../overlays/scoring/llm.ts';
import { MomentumScorer, OracleScorer, RandomScorer } from '../../overlays/scoring/offline.ts';
import { parsePersonas } from '../../overlays/scoring/prompts.ts';
import { PERSONA_NAMES, type ScoreRecord } from '../../overlays/scoring/record.ts';
import { compositePanel, planScoring, runScoring, type ScoringRunSummary } from '../../overlays/scoring/run.ts';
import type { AssetScorer } from '../../overlays/scoring/scorer.ts';
import { readScoreRecords } from '../../overlays/scoring/scores-file.ts';
import { bundledDataPath, loadMacro } from '../../src/data/macro.ts';
import { loadNews, type NewsStore } from '../../src/data/news.ts';
import { CHECKSUM_FILE, verifyBundledData } from '../../src/data/checksums.ts';
import { resolveUniverse } from '../../src/data/universe.ts';
import { cliMessage, EXIT, flagOf } from '../exit-codes.ts';
import { UserError } from '../errors.ts';
import { addSchemaOptions, parseSchemaOptions, type FieldFlags } from '../schema-flags.ts';
import { trapInterrupts } from '../interrupt.ts';
import { scoreQuality, type ForwardHorizon } from '../../src/metrics/score-quality.ts';
import { commaList, llmTransport, placeholders, processIo, redactedIo, resumableNotice, runReported, wholeNumber, type CommandIo } from './forecast.ts';

export const SCORE_PROVIDERS = ['momentum', 'random', 'oracle', 'openai', 'replay'] as const;
export type ScoreProvider = (typeof SCORE_PROVIDERS)[number];
const LLM: ReadonlySet<string> = new Set(['openai', 'replay']);

/** Monthly, the 1st of each month over the compare trade period (2020-05-01 … 2024-03-28). */
export const DEFAULT_SCORE_DATES = 'monthly:2020-05-01:2024-03-01';

export interface ScoreCommandOptions {
  universe: string;
  tickers?: string[];
  dates: string[];
  provider: ScoreProvider;
  out: string;
  model?: string;
  modelCutoff?: string;
  baseUrl?: string;
  cache?: string;
  personas: string[];
  news?: string;
  /** commander's --no-news: false drops news; --no-macro likewise. */
  newsEnabled?: boolean;
  macro: boolean;
  newsDays: number;
  newsItems: number;
  dataDir?: string;
  concurrency: number;
  timeout: number;
  maxAttempts: number;
  maxReplyBytes?: number;
  seed: number;
  horizon: ForwardHorizon;
  evaluate: boolean;
  dryRun: boolean;
  verbose: boolean;
}

function parseHorizon(v: string, flag = '--horizon'): ForwardHorizon {
  if (v === 'next') return 'next';
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`${flag}: ${HORIZON_PROBLEM}, got "${v}"`);
  return n;
}

function parsePersonaFlag(v: string, flag = '--personas'): string[] {
  try {
    return parsePersonas(v);
  } catch (e) {
    throw new UserError(cliMessage(e, (p) => (p === 'personas' ? flag : flagOf(p))));
  }
}

/** The run's inputs, each checked before the lock is taken and before any request. */
export function loadScoringInputs(o: ScoreCommandOptions): { contexts: ScoringContexts; prices: ClosePrices; notes: string[] } {
  if (o.dataDir === undefined || existsSync(join(o.dataDir, CHECKSUM_FILE))) verifyBundledData(o.dataDir);
  const u = resolveUniverse(o.universe, { dataDir: o.dataDir });
  // The oracle and --evaluate read prices after the last date; contexts never do (visibleBefore copies the rows before each date).
  const needsFuture = o.provider === 'oracle' || o.evaluate;
  const last = o.dates[o.dates.length - 1];
  const ahead = o.horizon === 'next' ? 400 : Math.max(400, Math.ceil(o.horizon * 1.6) + 14);
  const prices = universeClosePrices(u, o.dates, { tickers: o.tickers, ...(needsFuture ? { through: addDays(last, ahead) } : {}) });
  let news: NewsStore | null = null;
  if (o.newsEnabled !== false) news = loadNews(o.news ?? bundledDataPath('dow30_ticker_news.csv.gz', o.dataDir));
  const macro = o.macro ? new MacroContextSource(loadMacro(bundledDataPath('macro_fred_long.csv', o.dataDir))) : null;
  const notes: string[] = [];
  if (news) {
    // Only items that name a ticker reach a scorer (market-wide items are left to the macro picture).
    const universe = new Set(prices.tickers);
    const first = o.dates[0];
    const useful = news.items.filter((i) => i.ticker !== undefined && universe.has(i.ticker) && i.date < last && i.date >= addDays(first, -o.newsDays));
    if (useful.length === 0)
      notes.push(
        `note: ${o.news ?? 'the bundled news file'} has no item for these tickers in the ${o.newsDays} days before any scoring date; the scorer sees no news`,
      );
  }
  return { contexts: new ScoringContexts({ prices, news, macro, newsLookbackDays: o.newsDays, maxNewsItems: o.newsItems }), prices, notes };
}

/** The scorer for --provider (transports built here: a bad base URL or a missing key fails before the lock). */
export function buildScorer(o: ScoreCommandOptions, prices: ClosePrices, io: CommandIo): AssetScorer {
  switch (o.provider) {
    case 'momentum':
      return new MomentumScorer();
    case 'random':
      return new RandomScorer(o.seed);
    case 'oracle':
      return new OracleScorer(prices, { dates: o.dates, horizon: o.horizon });
    case 'openai':
    case 'replay': {
      if (!o.model) throw new Error(`--provider ${o.provider} needs --model (e.g. gpt-4o-mini)`);
      const params = defaultScoreChatParams(o.model);
      const cacheDir = o.cache ?? join(dirname(o.out), 'llm-cache');
      const transport = llmTransport(o, o.provider === 'replay' ? 'openai' : null, cacheDir, io);
      return new LlmScorer(transport, { params, modelCutoff: resolveModelCutoff(o.model, o.modelCutoff) });
    }
  }
}

function describe(r: ScoreRecord, cached: boolean): string {
  if (r.failure !== undefined) return `FAILED (${r.failure.slice(0, 160)})`;
  return `F${r.fundamentals!.toFixed(1)} M${r.momentum!.toFixed(1)} S${r.sentiment!.toFixed(1)} R${r.risk!.toFixed(1)} → ${r.composite!.toFixed(2)}${cached ? ' [cached]' : ''} ${Math.round(r.latencyMs)} ms`;
}

export function scoreSummaryLine(s: ScoringRunSummary, out: string, model: string): string {
  const cost =
    s.usage.requests === 0
      ? ''
      : s.usage.costUsd === null || s.newUsage.costUsd === null
        ? `, cost unknown (no price for ${model})`
        : `, cost $${s.usage.costUsd.toFixed(4)} ($${s.newUsage.costUsd.toFixed(4)} spent by this run)`;
  const tokens =
    s.usage.requests === 0 ? '' : `; ${s.usage.requests} requests, ${s.usage.promptTokens} prompt + ${s.usage.completionTokens} completion tokens${cost}`;
  return (
    `${s.interrupted ? 'interrupted: ' : ''}wrote ${s.written} records to ${out} (${s.failures} failures, ${s.cached} from cache), ` +
    `skipped ${s.skipped} already scored${s.unlisted > 0 ? `, ${s.unlisted} (date, ticker) not listed yet` : ''}${tokens}; ${(s.wallMs / 1000).toFixed(1)} s\n`
  );
}

export async function scoreCommand(o: ScoreCommandOptions, rawIo: CommandIo = processIo): Promise<number> {
  const io = redactedIo(rawIo);
  if (existsSync(o.out) && statSync(o.out).isDirectory()) throw new Error(`--out ${o.out} is a folder; expected a scores .jsonl file`);
  const { contexts, prices, notes } = loadScoringInputs(o);
  const scorer = buildScorer(o, prices, io);
  if (LLM.has(o.provider)) for (const n of notes) io.stderr(`${n}\n`);
  const personas = o.personas;
  if (o.dryRun) {
    const { jobs } = planScoring({ dates: o.dates, tickers: o.tickers, personas, contexts });
    for (const { job, context } of jobs) {
      io.stdout(`===== ${job.date} ${job.ticker} (${job.persona}; prices to ${context.lastClose}) =====\n${scorer.preview(context, job.persona)}\n\n`);
    }
    return 0;
  }
  mkdirSync(dirname(o.out), { recursive: true });
  if (scorer.cheating) io.stderr('note: the oracle reads realised future returns: a cheating upper bound, marked cheating in every record\n');
  if (LLM.has(o.provider) && o.model) {
    const warning = lookAheadWarning(o.dates, resolveModelCutoff(o.model, o.modelCutoff), o.model);
    if (warning) io.stderr(`warning: ${warning}\n`);
  }

  const trap = trapInterrupts({ notice: resumableNotice, write: io.stderr, repeat: 'ignore' });
  // On a terminal a progress bar (warnings and failures printed after it, which would overwrite them).
  const bar = io.isTTY
    ? new cliProgress.SingleBar(
        { format: 'score [{bar}] {value}/{total} {last}', stream: process.stderr, hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
    : null;
  const later: string[] = [];
  try {
    const perRecord = LLM.has(o.provider);
    const summary = await runScoring({
      dates: o.dates,
      tickers: o.tickers,
      personas,
      contexts,
      scorer,
      out: o.out,
      concurrency: o.concurrency,
      signal: trap.signal,
      onLock: (lock) => {
        if (lock.replaced)
          io.stderr(
            `note: took over the lock of ${o.out} left by pid ${lock.replaced.pid} on this host (started ${lock.replaced.started}), which is no longer running\n`,
          );
      },
      onStart: ({ pending, skipped }) => {
        io.stderr(
          `${skipped > 0 ? `resuming ${o.out}: ${skipped} already scored, ` : `scoring into ${o.out}: `}${pending.length} to go (${o.dates.length} dates × ${personas.length} persona${personas.length > 1 ? 's' : ''})\n`,
        );
        bar?.start(pending.length + skipped, skipped, { last: '' });
      },
      onRecord: (r, p) => {
        const line = `${r.date} ${r.ticker} ${r.persona} ${describe(r, p.cached)}`;
        if (bar) {
          bar.update(p.done, { last: line.slice(0, 80) });
          if (r.failure !== undefined) later.push(`${line}\n`);
        } else if (perRecord || r.failure !== undefined) io.stderr(`[${p.done}/${p.total}] ${line}\n`);
        for (const w of r.warnings ?? []) (bar ? (t: string) => later.push(t) : io.stderr)(`warning: ${r.date} ${r.ticker}: ${w}\n`);
      },
    });
    bar?.stop();
    for (const t of later.splice(0)) io.stderr(t);
    io.stderr(scoreSummaryLine(summary, o.out, o.model ?? o.provider));
    if (summary.interrupted) return trap.exitCode;
    if (o.evaluate) {
      const report = scoreQuality(compositePanel(readScoreRecords(o.out)), prices, { horizon: o.horizon });
      io.stdout(
        `${JSON.stringify({ scoreQuality: { ...report, rankIc: { ...report.rankIc, perDate: undefined }, rankTurnover: { mean: report.rankTurnover.mean }, weightTurnover: { mean: report.weightTurnover.mean } } })}\n`,
      );
    }
    return summary.failures > 0 ? EXIT.partial : EXIT.ok;
  } finally {
    bar?.stop();
    for (const t of later) io.stderr(t);
    trap.dispose();
  }
}

/**
 * Every setting of `score`: its flags, their help, defaults and allowed values, and the keys of a
 * `--config FILE` (scripts/schema-flags.ts). `news` is `--news FILE` or, null, `--no-news`; `macro` is
 * `--no-macro`.
 */
export const ScoreSchema = z
  .object({
    provider: z.enum(SCORE_PROVIDERS).describe('scorer'),
    out: z.string().describe('scores JSONL file (appended to; a rerun resumes)'),
    universe: z.string().default('dow30').describe('dow30, sectors, crypto, or a long-format OHLCV CSV'),
    tickers: z
      .array(z.string())
      .min(1, 'expected a comma list of tickers')
      .optional()
      .describe('score only these tickers of the universe (comma list; cross-sectional ranks are then within them)'),
    dates: z
      .string()
      .default(DEFAULT_SCORE_DATES)
      .describe(
        'scoring dates: monthly:START:END, quarterly:…, or a comma list; a record dated d reads only what was public before d (the default is the 1st of each month of the compare trade period)',
      ),
    personas: z
      .array(z.string())
      .default(['analyst'])
      .describe(`LLM personas, comma list of ${PERSONA_NAMES.join(', ')} (offline momentum/oracle: analyst only)`),
    model: z.string().optional().describe('model for openai/replay (e.g. gpt-4o-mini)'),
    modelCutoff: z.string().optional().describe("the model's knowledge cutoff, YYYY-MM (else the known-models table)"),
    baseUrl: z
      .string()
      .optional()
      .describe('OpenAI-compatible endpoint, http(s) (default OPENAI_BASE_URL, else api.openai.com); for replay: whose answers to replay'),
    cache: z.string().optional().describe('response cache folder (default: llm-cache next to --out)'),
    news: z
      .string()
      .nullable()
      .optional()
      .describe('news file replacing the bundled data/dow30_ticker_news.csv.gz (CSV or JSONL: date, ticker, text); --no-news gives the scorer no news'),
    macro: z.boolean().default(true).describe('give the scorer the macro picture (--no-macro: none)'),
    newsDays: wholeNumber(1).default(30).describe('calendar days of news before each date'),
    newsItems: wholeNumber(1).default(20).describe('newest news items kept per ticker and date'),
    dataDir: z.string().optional().describe('folder with the bundled data (default: the repository data/)'),
    concurrency: wholeNumber(1).default(4).describe('scores (and requests) in flight'),
    timeout: wholeNumber(1).default(120_000).describe('per-request timeout in milliseconds'),
    maxAttempts: wholeNumber(1).default(5).describe('attempts per request, the first included'),
    maxReplyBytes: wholeNumber(1).default(DEFAULT_MAX_REPLY_BYTES).describe('largest reply accepted from the endpoint'),
    seed: wholeNumber(0).default(0).describe('seed of the random scorer'),
    horizon: z
      .union([z.literal('next'), z.number().int().min(1)], { error: () => HORIZON_PROBLEM })
      .default('next')
      .describe('forward window of the oracle and --evaluate: to the next scoring date, or N trading days'),
    evaluate: z.boolean().default(false).describe('after the run, print rank IC, hit rate and turnover of the file as JSON on stdout'),
    dryRun: z.boolean().default(false).describe('print the prompts; call nothing, write nothing'),
    verbose: z.boolean().default(false).describe('stack traces on errors'),
  })
  .strict();

const HORIZON_PROBLEM = 'expected "next" (to the next scoring date) or a positive whole number of trading days';

export type ScoreSettings = z.infer<typeof ScoreSchema>;

const SCORE_FLAGS: FieldFlags = {
  ...placeholders({
    provider: '<name>',
    out: '<file>',
    universe: '<name|file>',
    dates: '<spec>',
    model: '<name>',
    modelCutoff: '<YYYY-MM>',
    baseUrl: '<url>',
    cache: '<dir>',
    news: '<file>',
    newsDays: '<n>',
    newsItems: '<n>',
    dataDir: '<dir>',
    concurrency: '<n>',
    timeout: '<ms>',
    maxAttempts: '<n>',
    maxReplyBytes: '<n>',
    seed: '<n>',
    evaluate: '',
    dryRun: '',
    verbose: '',
  }),
  tickers: { value: '<list>', parse: commaList },
  personas: { value: '<list>', parse: (raw, flag) => parsePersonaFlag(String(raw), flag) },
  horizon: { value: '<next|days>', parse: (raw, flag) => parseHorizon(String(raw), flag) },
};

/** The command's options from its validated settings (dates expanded; errors name the flag). */
export function scoreOptions(c: ScoreSettings): ScoreCommandOptions {
  let dates: string[];
  let personas: string[];
  try {
    dates = parseDecisionDates(c.dates);
    personas = parsePersonas(c.personas.join(','));
  } catch (e) {
    throw new UserError(cliMessage(e));
  }
  return { ...c, dates, personas, news: c.news ?? undefined, newsEnabled: c.news !== null };
}

/** Adds `score` to the `marginlab` program. */
export function registerScoreCommand(program: Command, io: CommandIo = processIo): Command {
  const cmd = program
    .command('score')
    .description('stage 1 for assets: fundamentals, momentum, sentiment and risk scores (1–10) per date, ticker and persona, into a scores JSONL file');
  addSchemaOptions(cmd, ScoreSchema, { skip: ['macro'], flags: SCORE_FLAGS });
  return cmd
    .option('--no-news', 'give the scorer no news')
    .option('--no-macro', 'give the scorer no macro picture')
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const out = redactedIo(io);
      const verbose = opts.verbose === true || opts.verbose === 'true' || process.argv.includes('--verbose');
      // commander folds --news FILE and --no-news into one `news` option: false is "no news" (null in the schema).
      const given = { ...opts, news: opts.news === false ? null : opts.news === true ? undefined : opts.news };
      await runReported(out, verbose, () => scoreCommand(scoreOptions(parseSchemaOptions(ScoreSchema, given, c, {}, (r) => r, SCORE_FLAGS)), out));
    });
}
