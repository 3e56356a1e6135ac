/**
 * `marginlab forecast`: stage 1 of the overlay — one forecast per decision date into a signals file.
 *
 *   marginlab forecast --source macro --provider momentum,macro --combine majority --out signals.jsonl
 *   OPENAI_API_KEY=… marginlab forecast --source paper-macro --provider openai --model gpt-4o-2024-05-13 --out gpt4o.jsonl
 *   marginlab forecast --source paper-macro --provider replay --model gpt-4o-2024-05-13 --out gpt4o.jsonl  # offline, from the cache
 *
 * Resumable (a rerun skips dates already written), interruptible (Ctrl-C or SIGTERM loses only requests
 * in flight), `--dry-run` prints the prompts and calls nothing. LLM runs warn when decision dates fall
 * before the model's knowledge cutoff (parametric look-ahead) and record the cutoff in every record.
 *
 * One writer per signals file: a second run on the same --out is refused (exit 75) naming the holder.
 * Configuration (base URL, key, data sources) is checked before the lock is taken and before any date.
 * Everything printed goes through a redactor for OPENAI_API_KEY, on top of the transport's own.
 *
 * Flags, their help, defaults and allowed values, and `--config FILE` come from one schema (ForecastSchema,
 * through scripts/schema-flags.ts).
 *
 * Exit status (every command's table, scripts/exit-codes.ts): 0 every date has a forecast; 1 a usage,
 * configuration or input error (nothing was run); 2 some dates failed (their failures are in the file; a
 * rerun retries them); 3 the provider stopped the run (credentials, unknown model, replay miss); 70 an
 * internal error; 75 another run holds the signals file; 130 / 143 interrupted by SIGINT / SIGTERM
 * (records written are kept).
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import cliProgress from 'cli-progress';
import type { ReplyFormat } from '../../overlays/answer.ts';
import { BundledSources } from '../../overlays/context/bundled.ts';
import { PAPER_NOT_POINT_IN_TIME } from '../../overlays/context/paper.ts';
import { SOURCE_NAMES, type SourceName } from '../../overlays/context/types.ts';
import { parseDecisionDates } from '../../overlays/dates.ts';
import type { Forecaster } from '../../overlays/forecaster.ts';
import type { Label } from '../../overlays/labels.ts';
import { lookAheadWarning, resolveModelCutoff } from '../../overlays/model-cutoffs.ts';
import { RecordingTransport, ReplayTransport, ResponseCache } from '../../overlays/providers/cache.ts';
import { EnsembleForecaster, type EnsembleMethod } from '../../overlays/providers/ensemble.ts';
import { defaultChatParams, LlmForecaster } from '../../overlays/providers/llm.ts';
import { DEFAULT_MAX_REPLY_BYTES, normalizeBaseUrl, OpenAITransport } from '../../overlays/providers/openai.ts';
import { offlineForecaster } from '../../overlays/providers/offline-by-name.ts';
import { DEFAULT_CONTEXT_SIZE, localForecaster, type LocalGpu } from '../../overlays/providers/local.ts';
import type { ChatTransport } from '../../overlays/providers/transport.ts';
import { redactor } from '../../overlays/providers/redact.ts';
import { labelOrderRobustness, shuffledLabelOrders } from '../../overlays/robustness.ts';
import { runForecasts, type ForecastRunSummary } from '../../overlays/run.ts';
import { readSignals, type SignalRecord } from '../../overlays/signals.ts';
import { CHECKSUM_FILE, verifyBundledData } from '../../src/data/checksums.ts';
import { cliMessage, EXIT, flagOf, reportError } from '../exit-codes.ts';
import { UserError } from '../errors.ts';
import { addSchemaOptions, parseSchemaOptions, type FieldFlags } from '../schema-flags.ts';
import { trapInterrupts, type InterruptSignalName } from '../interrupt.ts';

export { lookAheadWarning } from '../../overlays/model-cutoffs.ts';

export const PROVIDER_NAMES = ['openai', 'replay', 'local', 'momentum', 'macro', 'constant', 'oracle'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];
const LLM_PROVIDERS: ReadonlySet<string> = new Set(['openai', 'replay', 'local']);

export interface ForecastCommandOptions {
  source: SourceName;
  provider: ProviderName[];
  combine: EnsembleMethod;
  dates: string[];
  out: string;
  model?: string;
  modelCutoff?: string;
  format?: ReplyFormat;
  cache?: string;
  /** The live provider whose answers `--provider replay` serves: openai (default) or local. */
  replayProvider?: 'openai' | 'local';
  news?: string;
  dataDir?: string;
  concurrency: number;
  timeout: number;
  maxAttempts: number;
  baseUrl?: string;
  /** Largest reply body accepted from the endpoint (bytes); a longer one fails that date. */
  maxReplyBytes?: number;
  jsonMode: boolean;
  oracleAccuracy: number;
  horizonMonths: number;
  seed: number;
  shuffleLabels?: number;
  robustness?: number;
  dryRun: boolean;
  /** --provider local: the .gguf file, inference threads, context tokens, GPU use (overlays/providers/local.ts). */
  modelFile?: string;
  threads?: number;
  contextSize: number;
  gpu: LocalGpu;
  verbose: boolean;
}

/** Where the command writes; tests pass their own. */
export interface CommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  isTTY: boolean;
}

export const processIo: CommandIo = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  get isTTY() {
    return Boolean(process.stderr.isTTY);
  },
};

/** A transport for --dry-run: building prompts never needs it, calling it is a bug. */
export const noCallTransport: ChatTransport = {
  provider: 'openai',
  complete: () => Promise.reject(new Error('--dry-run makes no calls')),
};

export function defaultFormat(source: SourceName): ReplyFormat {
  return source === 'paper-macro' || source === 'paper-news' ? 'paper' : 'json';
}

function buildForecaster(
  name: ProviderName,
  o: ForecastCommandOptions,
  data: BundledSources,
  labelOrder: readonly Label[] | undefined,
  io: CommandIo,
): Forecaster {
  const format = o.format ?? defaultFormat(o.source);
  if (name === 'local') {
    if (!o.modelFile) throw new Error('--provider local needs --model-file PATH.gguf');
    return localForecaster({
      modelFile: o.modelFile,
      label: o.model,
      modelCutoff: o.modelCutoff,
      format,
      jsonMode: o.jsonMode,
      labelOrder,
      cacheDir: o.cache ?? join(dirname(o.out), 'llm-cache'),
      dryRun: o.dryRun,
      contextSize: o.contextSize,
      threads: o.threads,
      gpu: o.gpu,
      seed: o.seed,
      onNotice: (m) => io.stderr(`note: ${m}\n`),
    });
  }
  if (LLM_PROVIDERS.has(name)) {
    if (!o.model) throw new Error(`--provider ${name} needs --model (e.g. gpt-4o-2024-05-13)`);
    const params = { ...defaultChatParams(o.model, format), jsonMode: format === 'json' && o.jsonMode };
    const cacheDir = o.cache ?? join(dirname(o.out), 'llm-cache');
    const transport = llmTransport(o, name === 'replay' ? (o.replayProvider ?? 'openai') : null, cacheDir, io);
    return new LlmForecaster(transport, { format, params, labelOrder, modelCutoff: resolveModelCutoff(o.model, o.modelCutoff) });
  }
  return offlineForecaster(name, data, { oracleAccuracy: o.oracleAccuracy, horizonMonths: o.horizonMonths, seed: o.seed });
}

/** What an LLM transport needs from a command's options (forecast's and score's share these flags). */
export interface LlmTransportOptions {
  dryRun?: boolean;
  baseUrl?: string;
  maxReplyBytes?: number;
  timeout: number;
  concurrency: number;
  maxAttempts: number;
}

/**
 * The chat transport of an LLM provider: no calls (--dry-run), the replay cache serving `replayed`'s answers
 * (openai or local), or the live OpenAI-compatible endpoint behind the recording cache.
 */
export function llmTransport(o: LlmTransportOptions, replayed: string | null, cacheDir: string, io: CommandIo): ChatTransport {
  if (o.dryRun) return noCallTransport;
  if (replayed !== null) {
    // A local run's answers are keyed by the model string its records show (name, file, sha256, runtime) and
    // by its settings in the endpoint string: replay serves them from whichever settings recorded them.
    const endpoint = replayed === 'local' ? undefined : replayEndpoint(o.baseUrl); // a configuration error first, before the cache is looked for
    return new ReplayTransport(new ResponseCache(cacheDir, false), replayed, endpoint);
  }
  const live = new OpenAITransport({
    baseURL: o.baseUrl,
    maxReplyBytes: o.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES,
    timeoutMs: o.timeout,
    concurrency: o.concurrency,
    retry: { maxAttempts: o.maxAttempts },
    onRetry: (e) => io.stderr(`retry ${e.date}: attempt ${e.attempt} failed (${e.reason}); waiting ${Math.round(e.delayMs)} ms\n`),
  });
  return new RecordingTransport(live, new ResponseCache(cacheDir, true));
}

/**
 * The endpoint whose answers a replay serves: --base-url, else OPENAI_BASE_URL (canonical form, checked
 * like a live run's), else undefined: each prompt's answer from whichever endpoint recorded it.
 */
export function replayEndpoint(baseUrl: string | undefined): string | undefined {
  if (baseUrl !== undefined) return normalizeBaseUrl(baseUrl, '--base-url');
  const env = process.env.OPENAI_BASE_URL;
  return env ? normalizeBaseUrl(env, 'OPENAI_BASE_URL') : undefined;
}

function buildRunForecaster(o: ForecastCommandOptions, data: BundledSources, labelOrder: readonly Label[] | undefined, io: CommandIo): Forecaster {
  const members = o.provider.map((p) => buildForecaster(p, o, data, labelOrder, io));
  return members.length === 1 ? members[0] : new EnsembleForecaster(members, o.combine);
}

function describeRecord(r: SignalRecord, cached: boolean): string {
  if (r.failure !== undefined) return `FAILED (${r.failure.slice(0, 160)})`;
  const warned = r.warnings ? ` [${r.warnings.length} warning${r.warnings.length > 1 ? 's' : ''}]` : '';
  return `${r.label} (${r.score! >= 0 ? '+' : ''}${r.score})${cached ? ' [cached]' : ''}${warned} ${Math.round(r.latencyMs)} ms`;
}

function summaryLine(s: ForecastRunSummary, out: string, model: string): string {
  const cost =
    s.usage.requests === 0
      ? ''
      : s.usage.costUsd === null || s.newUsage.costUsd === null
        ? `, cost unknown (no price for ${model})`
        : `, cost $${s.usage.costUsd.toFixed(4)} ($${s.newUsage.costUsd.toFixed(4)} spent by this run, the rest replayed from the cache)`;
  const tokens =
    s.usage.requests === 0 ? '' : `; ${s.usage.requests} requests, ${s.usage.promptTokens} prompt + ${s.usage.completionTokens} completion tokens${cost}`;
  return (
    `${s.interrupted ? 'interrupted: ' : ''}wrote ${s.written} records to ${out} (${s.failures} failures, ${s.cached} from cache), ` +
    `skipped ${s.skipped} already written${tokens}; ${(s.wallMs / 1000).toFixed(1)} s\n`
  );
}

async function runOnce(
  o: ForecastCommandOptions,
  data: BundledSources,
  out: string,
  labelOrder: readonly Label[] | undefined,
  io: CommandIo,
  signal: AbortSignal,
): Promise<ForecastRunSummary> {
  const forecaster = buildRunForecaster(o, data, labelOrder, io);
  const format = o.provider.some((p) => LLM_PROVIDERS.has(p)) ? (o.format ?? defaultFormat(o.source)) : null;
  const warnings: string[] = []; // printed after the progress bar, which would overwrite them
  const bar = io.isTTY
    ? new cliProgress.SingleBar(
        { format: 'forecast [{bar}] {value}/{total} {last}', stream: process.stderr, hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
    : null;
  try {
    return await runForecasts({
      dates: o.dates,
      source: data.source(o.source),
      otherSources: { macro: () => data.source('macro'), prices: () => data.source('prices') },
      forecaster,
      format,
      labelOrder,
      out,
      concurrency: o.concurrency,
      signal,
      onLock: (lock) => {
        if (lock.replaced) {
          io.stderr(
            `note: took over the lock of ${out} left by pid ${lock.replaced.pid} on this host (started ${lock.replaced.started}), which is no longer running\n`,
          );
        }
      },
      onStart: ({ pending, skipped }) => {
        if (skipped.length > 0) io.stderr(`resuming ${out}: ${skipped.length} dates already written, ${pending.length} to go\n`);
        bar?.start(o.dates.length, skipped.length, { last: '' });
      },
      onRecord: (r, p) => {
        if (bar) bar.update(p.done, { last: `${r.date} ${describeRecord(r, p.cached)}` });
        else io.stderr(`[${p.done}/${p.total}] ${r.date} ${describeRecord(r, p.cached)}\n`);
        for (const w of r.warnings ?? []) {
          if (bar) warnings.push(`warning: ${r.date}: ${w}\n`);
          else io.stderr(`warning: ${r.date}: ${w}\n`);
        }
      },
    });
  } finally {
    bar?.stop();
    for (const w of warnings) io.stderr(w);
  }
}

function dryRun(o: ForecastCommandOptions, data: BundledSources, io: CommandIo): void {
  const labelOrder = o.shuffleLabels !== undefined ? shuffledLabelOrders(1, o.shuffleLabels)[0] : undefined;
  const forecaster = buildRunForecaster(o, data, labelOrder, io);
  const source = data.source(o.source);
  for (const date of o.dates) {
    const context = source.build(date);
    io.stdout(`===== ${date} (${o.source}, asOf ${context.asOf}${context.pointInTime ? '' : `, ${context.note}`}) =====\n`);
    io.stdout(`${forecaster.preview(context)}\n\n`);
  }
}

/** What forecast and score print on Ctrl-C / SIGTERM (scripts/interrupt.ts). */
export function resumableNotice(signal: InterruptSignalName): string {
  return `\ninterrupt: stopping${signal === 'SIGTERM' ? ' on SIGTERM' : ''}; records already written are kept, rerun the same command to resume\n`;
}

/**
 * Runs a command's work and sets the exit status (scripts/exit-codes.ts): its own, or the error's, which
 * is printed by the one reporter (one line; the stack trace only with --verbose).
 */
export async function runReported(io: CommandIo, verbose: boolean, work: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await work();
  } catch (e) {
    process.exitCode = reportError(e, { verbose, write: io.stderr, prefix: 'error: ', nameOf: forecastFlagOf });
  }
}

/** The flag of a library parameter where its name differs from the option's (BundledSources' newsFile is --news). */
const forecastFlagOf = (param: string): string => (param === 'newsFile' ? '--news' : flagOf(param));

/** `io` with the API key (and any Authorization value) removed from everything written. */
export function redactedIo(io: CommandIo): CommandIo {
  const redact = redactor([process.env.OPENAI_API_KEY]);
  return {
    stdout: (t) => io.stdout(redact(t)),
    stderr: (t) => io.stderr(redact(t)),
    get isTTY() {
      return io.isTTY;
    },
  };
}

export async function forecastCommand(o: ForecastCommandOptions, rawIo: CommandIo = processIo): Promise<number> {
  const io = redactedIo(rawIo);
  // The bundled data (or a --data-dir copy with its SHA256SUMS) is verified, once per process, before it is read.
  if (o.dataDir === undefined || existsSync(join(o.dataDir, CHECKSUM_FILE))) verifyBundledData(o.dataDir);
  const data = new BundledSources({ dataDir: o.dataDir, newsFile: o.news });
  if (o.dryRun) {
    dryRun(o, data, io);
    return 0;
  }
  const usesLlm = o.provider.some((p) => LLM_PROVIDERS.has(p));
  if (o.source === 'paper-macro' || o.source === 'paper-news') io.stderr(`note: --source ${o.source} is ${PAPER_NOT_POINT_IN_TIME}\n`);
  if (o.provider.includes('oracle')) io.stderr('note: the oracle reads the realised future: a cheating upper bound, marked cheating in every record\n');
  if (usesLlm && o.model) {
    const cutoff = resolveModelCutoff(o.model, o.modelCutoff);
    const warning = lookAheadWarning(o.dates, cutoff, o.model);
    if (warning) io.stderr(`warning: ${warning}\n`);
  }

  const trap = trapInterrupts({ notice: resumableNotice, write: io.stderr, repeat: 'ignore' });
  try {
    const labelOrder = o.shuffleLabels !== undefined ? shuffledLabelOrders(1, o.shuffleLabels)[0] : undefined;
    const summary = await runOnce(o, data, o.out, labelOrder, io, trap.signal);
    io.stderr(summaryLine(summary, o.out, o.model ?? o.provider.join(',')));
    if (summary.interrupted) return trap.exitCode;

    if (o.robustness !== undefined && o.robustness > 0) {
      const orders = shuffledLabelOrders(o.robustness, o.seed);
      const runs: SignalRecord[][] = [];
      for (let i = 0; i < orders.length; i++) {
        const out = join(dirname(o.out), `${basename(o.out).replace(/\.jsonl$/, '')}.shuffle${i + 1}.jsonl`);
        io.stderr(`robustness run ${i + 1}/${orders.length}: labels ordered ${orders[i].join(', ')}\n`);
        const s = await runOnce(o, data, out, orders[i], io, trap.signal);
        io.stderr(summaryLine(s, out, o.model ?? ''));
        if (s.interrupted) return trap.exitCode;
        runs.push(readSignals(out).latest);
      }
      const report = labelOrderRobustness(readSignals(o.out).latest, runs);
      io.stdout(`${JSON.stringify({ robustness: { meanAbsDelta: report.meanAbsDelta, runs: report.runs } })}\n`);
    }
    return summary.failures > 0 ? EXIT.partial : EXIT.ok;
  } finally {
    trap.dispose();
  }
}

/** A whole number ≥ `min` (1: "a positive integer", 0: "a non-negative integer"), saying what it got. */
export function wholeNumber(min: 0 | 1) {
  const what = min === 1 ? 'a positive integer' : 'a non-negative integer';
  return z
    .number()
    .int({ error: (i) => `expected ${what}, got "${String(i.input)}"` })
    .min(min, { error: (i) => `expected ${what}, got "${String(i.input)}"` });
}

export const DEFAULT_FORECAST_DATES = 'quarterly:2020-05-01:2024-02-01';

/**
 * Every setting of `forecast`: its flags (one per key, `--kebab-case`), their help, defaults and allowed
 * values, and the keys of a `--config FILE` (scripts/schema-flags.ts). `jsonMode` is the `--no-json-mode` flag.
 */
export const ForecastSchema = z
  .object({
    source: z.enum(SOURCE_NAMES).describe('context source'),
    provider: z
      .array(z.string())
      .superRefine((names, ctx) => {
        const unknown = names.find((n) => !(PROVIDER_NAMES as readonly string[]).includes(n));
        if (unknown !== undefined)
          ctx.addIssue({
            code: 'custom',
            message: `unknown provider "${unknown}"; expected ${PROVIDER_NAMES.join(', ')} (comma-separate several for an ensemble)`,
          });
        else if (names.length === 0) ctx.addIssue({ code: 'custom', message: 'expected at least one provider' });
      })
      .describe(`forecaster: ${PROVIDER_NAMES.join('|')}; comma-separate several for an ensemble`),
    out: z.string().describe('signals JSONL file (appended to; a rerun resumes)'),
    dates: z.string().default(DEFAULT_FORECAST_DATES).describe('decision dates: quarterly:START:END, monthly:START:END, or a comma list'),
    combine: z.enum(['majority', 'mean']).default('majority').describe('ensemble combination'),
    model: z
      .string()
      .optional()
      .describe('model name for openai/replay (e.g. gpt-4o-2024-05-13); for local, the name shown in records (default: the file name)'),
    modelCutoff: z.string().optional().describe("the model's knowledge cutoff, YYYY-MM (else the known-models table)"),
    format: z.enum(['paper', 'json']).optional().describe('prompt/answer format (default: paper for paper-* sources, json otherwise)'),
    cache: z.string().optional().describe('response cache folder (default: llm-cache next to --out)'),
    replayProvider: z
      .enum(['openai', 'local'])
      .default('openai')
      .describe('for --provider replay: whose answers to serve, openai or local (then --model is the "model" field of the local run\'s records)'),
    news: z.string().optional().describe('news file for --source news (CSV or JSONL: date, text, optional ticker)'),
    dataDir: z.string().optional().describe('folder with the bundled data (default: the repository data/)'),
    concurrency: wholeNumber(1).default(4).describe('forecasts (and requests) in flight'),
    timeout: wholeNumber(1).default(120_000).describe('per-request timeout in milliseconds'),
    maxAttempts: wholeNumber(1).default(5).describe('attempts per request, the first included'),
    baseUrl: z
      .string()
      .optional()
      .describe('OpenAI-compatible endpoint, http(s) (default: OPENAI_BASE_URL, else api.openai.com); for replay: whose answers to replay (default: any)'),
    maxReplyBytes: wholeNumber(1).default(DEFAULT_MAX_REPLY_BYTES).describe('largest reply accepted from the endpoint; a longer one fails that date'),
    jsonMode: z.boolean().default(true).describe('send response_format json_object with the json format (--no-json-mode: do not)'),
    oracleAccuracy: z
      .number()
      .min(0, { error: (i) => `expected a number in [0, 1], got "${String(i.input)}"` })
      .max(1, { error: (i) => `expected a number in [0, 1], got "${String(i.input)}"` })
      .default(1)
      .describe('probability that the oracle reports the true label'),
    horizonMonths: wholeNumber(1).default(6).describe('oracle forecast horizon'),
    seed: wholeNumber(0).default(0).describe('seed for the oracle, label shuffles and local-model sampling'),
    modelFile: z.string().optional().describe('for --provider local: the GGUF model file (its name, size and sha256 go into every record)'),
    threads: wholeNumber(1).optional().describe('for --provider local: CPU threads (default: all cores)'),
    contextSize: wholeNumber(1).default(DEFAULT_CONTEXT_SIZE).describe('for --provider local: context tokens, prompt + reply'),
    gpu: z.enum(['off', 'auto']).default('off').describe('for --provider local: off = CPU only; auto = a GPU build if installed'),
    shuffleLabels: wholeNumber(0).optional().describe('list the labels in a shuffled order (robustness run); the seed of the order'),
    robustness: wholeNumber(0).optional().describe('after the run, rerun with k shuffled label orders and report mean |Δscore|'),
    dryRun: z.boolean().default(false).describe('print the prompts; call nothing, write nothing'),
    verbose: z.boolean().default(false).describe('stack traces on errors'),
  })
  .strict();

export type ForecastSettings = z.infer<typeof ForecastSchema>;

/** The command's options from its validated settings (the dates spec expanded; errors name the flag). */
export function forecastOptions(c: ForecastSettings): ForecastCommandOptions {
  let dates: string[];
  try {
    dates = parseDecisionDates(c.dates);
  } catch (e) {
    throw new UserError(cliMessage(e));
  }
  return { ...c, provider: c.provider as ProviderName[], dates };
}

/** A comma list (its own parser: "none" is no provider name). */
export const commaList = (raw: string | boolean): string[] =>
  String(raw)
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');

/** How forecast's flags are spelled (value placeholders; a bare switch has none). */
const FORECAST_FLAGS: FieldFlags = {
  ...placeholders({
    source: '<name>',
    out: '<file>',
    dates: '<spec>',
    combine: '<method>',
    model: '<name>',
    modelCutoff: '<YYYY-MM>',
    format: '<format>',
    cache: '<dir>',
    replayProvider: '<name>',
    news: '<file>',
    dataDir: '<dir>',
    concurrency: '<n>',
    timeout: '<ms>',
    maxAttempts: '<n>',
    baseUrl: '<url>',
    maxReplyBytes: '<n>',
    oracleAccuracy: '<p>',
    horizonMonths: '<n>',
    seed: '<n>',
    modelFile: '<path>',
    threads: '<n>',
    contextSize: '<n>',
    gpu: '<mode>',
    shuffleLabels: '<seed>',
    robustness: '<k>',
    dryRun: '',
    verbose: '',
  }),
  provider: { value: '<names>', parse: commaList },
};

/** `{key: {value}}` for each key's value placeholder. */
export function placeholders(values: Record<string, string>): FieldFlags {
  return Object.fromEntries(Object.entries(values).map(([k, value]) => [k, { value }]));
}

/** Adds `forecast` to the `marginlab` program. */
export function registerForecastCommand(program: Command, io: CommandIo = processIo): Command {
  const cmd = program.command('forecast').description('stage 1 of the LLM overlay: one market forecast per decision date, written to a signals JSONL file');
  addSchemaOptions(cmd, ForecastSchema, { skip: ['jsonMode'], flags: FORECAST_FLAGS });
  return cmd
    .option('--no-json-mode', 'do not send response_format json_object with the json format')
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const out = redactedIo(io);
      const verbose = opts.verbose === true || opts.verbose === 'true' || process.argv.includes('--verbose');
      await runReported(out, verbose, () => forecastCommand(forecastOptions(parseSchemaOptions(ForecastSchema, opts, c, {}, (r) => r, FORECAST_FLAGS)), out));
    });
}
