/**
 * The local provider: a GGUF model run in this process by llama.cpp (through node-llama-cpp), behind the
 * same ChatTransport seam as the remote providers. So prompting, validation, the repair round, the
 * response cache (record, replay) and the signals file are the code every other LLM run uses; only where
 * the text comes from differs.
 *
 * - **Output constrained by the answer schema.** With the JSON format (`params.jsonMode`, the JSON-mode
 *   switch of the remote providers) generation runs under a grammar made from the zod schema the reply is
 *   validated with (`JsonReplySchema`, its label narrowed to the eight labels, via `z.toJSONSchema`), so
 *   every reply is JSON of the right shape with a valid label. The grammar does not check numeric bounds
 *   (confidence in [0, 1], score in [−3, 3]) or that score agrees with the label: that is left to
 *   validation and the repair round, exactly as for remote answers. The paper's free-text format runs
 *   unconstrained.
 * - **Greedy and keyed.** Temperature comes from the params (0: greedy, as the paper); repeat penalties
 *   are off (remote defaults have none). The cache key holds the model file's sha256 and the runtime
 *   version (in the model name, which every record carries) and the settings that can change the text
 *   (context size, GPU, seed, template, grammar — in the endpoint string). Threads are not in the key:
 *   llama.cpp's CPU kernels split work by output rows, so the thread count is not expected to change
 *   the text (a user who doubts it can keep one cache per thread count with --cache).
 * - **Chat template** from the model file (node-llama-cpp picks an equivalent built-in wrapper or renders
 *   the Jinja template); a file without one gets ChatML (said once through `onNotice`); a template that
 *   cannot be applied stops the run before the first answer.
 * - **Nothing is downloaded or built at run time**: the runtime is asked for prebuilt binaries only
 *   (`build: "never"`, `skipDownload`), CPU unless `gpu: "auto"`.
 * - **Lazy.** The file is checked and hashed when the transport is made (a bad file is a configuration
 *   error before any date); the runtime is imported and the model loaded on the first request that
 *   reaches it, so a rerun answered from the cache loads nothing.
 *
 * Failures: a missing, empty, non-GGUF or truncated file (ConfigurationError, local-gguf.ts); a missing
 * runtime (ConfigurationError with the install command); out of memory loading the model or making the
 * context, a template that cannot be applied (FatalProviderError: no later date can avoid them); a prompt
 * longer than the context (that date fails, saying by how many tokens and which --context-size would do);
 * a reply cut at `maxTokens` is returned as it is and fails validation like any bad reply; a reply that
 * runs into the end of the context fails the date. An aborted signal (Ctrl-C) stops generation at once and
 * rejects with the signal's reason: the partial reply is discarded, nothing is cached, a rerun resumes.
 */
import { naming } from '../../src/param-names.ts';
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { z } from 'zod';
import { JsonReplySchema, type ReplyFormat } from '../answer.ts';
import { sha256Hex } from '../hash.ts';
import { LABELS, type Label } from '../labels.ts';
import { resolveModelCutoff } from '../model-cutoffs.ts';
import type { ChatMessage } from '../prompts.ts';
import { RecordingTransport, ResponseCache } from './cache.ts';
import { ConcurrencyLimit } from './limit.ts';
import { defaultChatParams, LlmForecaster } from './llm.ts';
import { modelFileIdentity, readGgufSummary, type GgufSummary, type ModelFileIdentity } from './local-gguf.ts';
import { importRuntime, locateRuntime, RUNTIME_INSTALL_HINT, type RuntimeLocation } from './local-runtime.ts';
import { ConfigurationError, FatalProviderError, RequestFailedError, type ChatReply, type ChatRequest, type ChatTransport } from './transport.ts';

export { RUNTIME_INSTALL_HINT } from './local-runtime.ts';

export const DEFAULT_CONTEXT_SIZE = 8192;

export type LocalGpu = 'off' | 'auto';

export interface LocalLlamaTransportOptions {
  /** Path of the .gguf file. */
  modelFile: string;
  /** The name shown first in `model` (default: the file name without .gguf). */
  label?: string;
  /** Tokens of context (prompt + reply); DEFAULT_CONTEXT_SIZE. Part of the cache key. */
  contextSize?: number;
  /** CPU threads for inference (default: all cores). Not part of the key. */
  threads?: number;
  /** 'off' (default): CPU only; 'auto': a GPU build if one is installed and works, else CPU. */
  gpu?: LocalGpu;
  /** Sampling seed (matters only above temperature 0). Part of the key. */
  seed?: number;
  /** 'auto' (default): the model file's template, ChatML when it has none; 'chatml': ChatML always. */
  chatTemplate?: 'auto' | 'chatml';
  /** One-line notes for the user (template fallback, the backend that loaded). */
  onNotice?: (message: string) => void;
  /**
   * The file's sha256 when it is already known (a model registry, a checksum file): skips hashing the
   * file (1–2 s per GB). It is trusted, not checked.
   */
  sha256?: string;
  /** Where node-llama-cpp is (default: local-llm/, then node_modules); null: act as if it were not installed. */
  runtime?: RuntimeLocation | null;
}

/** Counters for a run's summary and the benchmark. */
export interface LocalStats {
  /** Generations run (cache hits never reach the transport). */
  requests: number;
  promptTokens: number;
  completionTokens: number;
  /** Runtime import + model load + context, ms (0 until loaded). */
  loadMs: number;
  /** Time inside the runtime's generateResponse, ms. */
  generateMs: number;
  /** Time inside complete() once loaded, ms (generateMs + the provider's own work). */
  requestMs: number;
}

/**
 * The JSON schema the grammar is made from: the reply schema, its label narrowed to the labels. Only the
 * keywords node-llama-cpp's grammar compiler reads are kept (bounds like minimum/maximum are dropped: they
 * are validation's job).
 */
export function answerGrammarSchema(): Record<string, unknown> {
  const json = z.toJSONSchema(JsonReplySchema.extend({ label: z.enum(LABELS) }), { io: 'input', unrepresentable: 'any' });
  return pickGrammarKeywords(json) as Record<string, unknown>;
}

const GRAMMAR_KEYWORDS = new Set([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'enum',
  'const',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'oneOf',
  'description',
]);

function pickGrammarKeywords(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(pickGrammarKeywords);
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (!GRAMMAR_KEYWORDS.has(k)) continue;
    out[k] = k === 'properties' ? Object.fromEntries(Object.entries(x as object).map(([p, s]) => [p, pickGrammarKeywords(s)])) : pickGrammarKeywords(x);
  }
  return out;
}

// The few parts of node-llama-cpp used here (its types are not visible to this package: it is optional).
interface NlcChatWrapper {
  generateContextState(o: { chatHistory: NlcHistoryItem[] }): { contextText: { tokenize(tokenizer: unknown): unknown[] } };
}
type NlcHistoryItem = { type: 'system'; text: string } | { type: 'user'; text: string } | { type: 'model'; response: string[] };
interface NlcChat {
  readonly chatWrapper: NlcChatWrapper;
  generateResponse(history: NlcHistoryItem[], o: Record<string, unknown>): Promise<{ response: string; metadata: { stopReason: string } }>;
}
interface NlcModel {
  readonly tokenizer: unknown;
  createContext(o: Record<string, unknown>): Promise<{ getSequence(): unknown; dispose(): Promise<void> }>;
  dispose(): Promise<void>;
}
interface NlcLlama {
  readonly gpu: string | false;
  loadModel(o: Record<string, unknown>): Promise<NlcModel>;
  createGrammarForJsonSchema(schema: unknown): Promise<unknown>;
  dispose(): Promise<void>;
}
interface NlcModule {
  getLlama(o: Record<string, unknown>): Promise<NlcLlama>;
  LlamaChat: new (o: { contextSequence: unknown; chatWrapper: unknown }) => NlcChat;
  ChatMLChatWrapper: new () => NlcChatWrapper;
  resolveChatWrapper(model: NlcModel, o: Record<string, unknown>): NlcChatWrapper;
  InsufficientMemoryError: new (...args: never[]) => Error;
}

interface Loaded {
  llama: NlcLlama;
  model: NlcModel;
  context: { dispose(): Promise<void> };
  chat: NlcChat;
  grammar: unknown;
  runtimeError: (e: unknown) => boolean;
}

function toHistory(messages: readonly ChatMessage[]): NlcHistoryItem[] {
  const history: NlcHistoryItem[] = messages.map((m) =>
    m.role === 'system'
      ? { type: 'system', text: m.content }
      : m.role === 'user'
        ? { type: 'user', text: m.content }
        : { type: 'model', response: [m.content] },
  );
  // The model item to complete.
  history.push({ type: 'model', response: [] });
  return history;
}

function isOutOfMemory(e: unknown, mod: NlcModule): boolean {
  if (e instanceof mod.InsufficientMemoryError) return true;
  const m = e instanceof Error ? e.message : String(e);
  return /out of memory|insufficient memory|failed to allocate|cannot allocate|std::bad_alloc|ENOMEM/i.test(m);
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(bytes < 10 * 1048576 ? 2 : 0)} MiB`;
}

export class LocalLlamaTransport implements ChatTransport {
  readonly provider = 'local';
  /** The settings that can change an answer, in the cache key (with the model name). Not a URL. */
  readonly endpoint: string;
  /** What `params.model` must be for these answers: label, file name, size, sha256, runtime version. */
  readonly model: string;
  readonly file: ModelFileIdentity;
  readonly gguf: GgufSummary;
  readonly runtime: RuntimeLocation;
  readonly contextSize: number;
  readonly threads: number;
  readonly gpu: LocalGpu;
  readonly seed: number;
  /** 'model': the file's own template; 'chatml': ChatML (asked for, or the fallback for a file without one). */
  readonly template: 'model' | 'chatml';
  readonly stats: LocalStats = { requests: 0, promptTokens: 0, completionTokens: 0, loadMs: 0, generateMs: 0, requestMs: 0 };
  /** The backend that loaded ('cpu', 'cuda', 'vulkan', 'metal'); null until loaded. */
  backend: string | null = null;
  private readonly limit = new ConcurrencyLimit(1);
  private readonly grammarSchema = answerGrammarSchema();
  private loading: Promise<Loaded> | undefined;
  private readonly onNotice: (message: string) => void;
  private readonly where: string;

  constructor(options: LocalLlamaTransportOptions) {
    const positive = (v: number | undefined, param: string, fallback: number): number => {
      const n = v ?? fallback;
      if (!(Number.isSafeInteger(n) && n >= 1))
        throw naming(new ConfigurationError(''), [param], (k) => `${k(param)} must be a positive whole number, got ${v}`);
      return n;
    };
    this.contextSize = positive(options.contextSize, 'contextSize', DEFAULT_CONTEXT_SIZE);
    this.threads = positive(options.threads, 'threads', availableParallelism());
    this.seed = options.seed ?? 0;
    if (!(Number.isSafeInteger(this.seed) && this.seed >= 0))
      throw naming(new ConfigurationError(''), ['seed'], (n) => `${n('seed')} must be a non-negative whole number, got ${options.seed}`);
    this.gpu = options.gpu ?? 'off';
    if (this.gpu !== 'off' && this.gpu !== 'auto')
      throw naming(new ConfigurationError(''), ['gpu'], (n) => `${n('gpu')} must be off or auto, got ${String(options.gpu)}`);
    this.onNotice = options.onNotice ?? (() => undefined);

    // The file first (a bad path is the likelier mistake), then the runtime: both before any date.
    this.gguf = readGgufSummary(options.modelFile);
    const runtime = options.runtime === undefined ? locateRuntime() : options.runtime;
    if (runtime === null) throw new ConfigurationError(RUNTIME_INSTALL_HINT);
    this.runtime = runtime;
    if (options.sha256 !== undefined && !/^[0-9a-f]{64}$/.test(options.sha256))
      throw new ConfigurationError(`sha256 must be 64 lowercase hex digits, got ${options.sha256}`);
    this.file =
      options.sha256 !== undefined
        ? { path: options.modelFile, name: basename(options.modelFile), bytes: this.gguf.fileBytes, sha256: options.sha256 }
        : modelFileIdentity(options.modelFile);

    this.template = options.chatTemplate === 'chatml' || this.gguf.chatTemplate === null ? 'chatml' : 'model';
    if (this.gguf.chatTemplate === null && options.chatTemplate !== 'chatml') {
      this.onNotice(`${this.file.name} has no chat template (tokenizer.chat_template); using ChatML (<|im_start|>role … <|im_end|>)`);
    }
    if (this.gguf.trainedContext !== null && this.contextSize > this.gguf.trainedContext) {
      this.onNotice(
        `--context-size ${this.contextSize} is more than the ${this.gguf.trainedContext} tokens ${this.file.name} was trained for; answers near the end of a long context may degrade`,
      );
    }
    const label = options.label ?? this.file.name.replace(/\.gguf$/i, '');
    this.model = `${label} (${this.file.name}, ${this.file.bytes} bytes, sha256:${this.file.sha256}, node-llama-cpp ${this.runtime.version})`;
    const grammar = sha256Hex(JSON.stringify(this.grammarSchema)).slice(0, 16);
    this.endpoint = `local:llama.cpp?context=${this.contextSize}&gpu=${this.gpu}&seed=${this.seed}&template=${this.template}&grammar=${grammar}`;
    this.where = `local ${this.file.name}`;
  }

  /** Imports the runtime and loads the model and context (once; a failure stops the run). */
  private load(): Promise<Loaded> {
    this.loading ??= this.doLoad();
    return this.loading;
  }

  private async doLoad(): Promise<Loaded> {
    const started = performance.now();
    const mod = (await importRuntime(this.runtime)) as NlcModule;
    const logs: string[] = [];
    const logger = (level: string, message: string) => {
      if (logs.length < 200) logs.push(`${level}: ${message.trim()}`);
    };
    const lastLogs = () => (logs.length ? `; llama.cpp said: ${logs.slice(-3).join(' | ').slice(0, 400)}` : '');
    let llama: NlcLlama;
    try {
      llama = await mod.getLlama({
        gpu: this.gpu === 'auto' ? 'auto' : false,
        // Prebuilt binaries only: never download llama.cpp's source or compile at run time (offline, CI).
        build: 'never',
        skipDownload: true,
        usePrebuiltBinaries: true,
        progressLogs: false,
        logLevel: 'warn',
        logger,
        maxThreads: this.threads,
      });
    } catch (e) {
      throw new FatalProviderError(
        `the llama.cpp runtime (node-llama-cpp ${this.runtime.version}) has no usable binary for this machine (${(e as Error).message})${lastLogs()}; ${RUNTIME_INSTALL_HINT}`,
      );
    }
    this.backend = llama.gpu === false ? 'cpu' : llama.gpu;
    let model: NlcModel;
    try {
      model = await llama.loadModel({ modelPath: this.file.path, gpuLayers: this.gpu === 'off' ? 0 : 'auto' });
    } catch (e) {
      await llama.dispose().catch(() => undefined);
      if (isOutOfMemory(e, mod)) {
        throw new FatalProviderError(
          `out of memory loading ${this.file.name} (${mib(this.file.bytes)}): ${(e as Error).message}; use a smaller model or quantisation (e.g. Q4_K_M), or free memory`,
        );
      }
      throw new FatalProviderError(`llama.cpp could not load ${this.file.name} (${(e as Error).message})${lastLogs()}`);
    }
    let context: Awaited<ReturnType<NlcModel['createContext']>>;
    try {
      context = await model.createContext({ contextSize: this.contextSize, threads: this.threads, sequences: 1, failedCreationRemedy: false });
    } catch (e) {
      await model.dispose().catch(() => undefined);
      await llama.dispose().catch(() => undefined);
      if (isOutOfMemory(e, mod)) {
        throw new FatalProviderError(
          `out of memory making a ${this.contextSize}-token context for ${this.file.name}: ${(e as Error).message}; try a smaller --context-size`,
        );
      }
      throw new FatalProviderError(`llama.cpp could not make a ${this.contextSize}-token context for ${this.file.name} (${(e as Error).message})${lastLogs()}`);
    }
    let chatWrapper: NlcChatWrapper;
    try {
      chatWrapper =
        this.template === 'chatml'
          ? new mod.ChatMLChatWrapper()
          : mod.resolveChatWrapper(model, { fallbackToOtherWrappersOnJinjaError: false, warningLogs: false });
      // Applied once to the shape every prompt has, so a broken template stops the run here, not per date.
      chatWrapper.generateContextState({
        chatHistory: toHistory([
          { role: 'system', content: 's' },
          { role: 'user', content: 'u' },
          { role: 'assistant', content: 'a' },
          { role: 'user', content: 'u' },
        ]),
      });
    } catch (e) {
      await this.disposeAll(llama, model, context);
      throw new FatalProviderError(
        `the chat template in ${this.file.name} cannot be applied to a system + user conversation (${(e as Error).message.slice(0, 300)}); ` +
          'use a model file with a working template (instruct/chat builds), or the library option chatTemplate: "chatml"',
      );
    }
    const chat = new mod.LlamaChat({ contextSequence: context.getSequence(), chatWrapper });
    const grammar = await llama.createGrammarForJsonSchema(this.grammarSchema);
    this.stats.loadMs = performance.now() - started;
    this.onNotice(
      `loaded ${this.file.name} on ${this.backend} (${this.threads} threads, ${this.contextSize}-token context) in ${(this.stats.loadMs / 1000).toFixed(1)} s`,
    );
    return { llama, model, context, chat, grammar, runtimeError: (e) => isOutOfMemory(e, mod) };
  }

  private async disposeAll(llama: NlcLlama, model: NlcModel, context: { dispose(): Promise<void> }): Promise<void> {
    await context.dispose().catch(() => undefined);
    await model.dispose().catch(() => undefined);
    await llama.dispose().catch(() => undefined);
  }

  /** The prompt's length in tokens, as the model will see it (template applied). */
  async countPromptTokens(messages: readonly ChatMessage[]): Promise<number> {
    const l = await this.load();
    return l.chat.chatWrapper.generateContextState({ chatHistory: toHistory(messages) }).contextText.tokenize(l.model.tokenizer).length;
  }

  complete(request: ChatRequest): Promise<ChatReply> {
    return this.limit.run(() => this.generate(request));
  }

  private async generate(request: ChatRequest): Promise<ChatReply> {
    // Queued behind another request when Ctrl-C came: never start.
    request.signal?.throwIfAborted();
    const l = await this.load();
    request.signal?.throwIfAborted();
    const started = performance.now();
    const { params } = request;
    const where = `${this.where}, ${request.date}`;
    const history = toHistory(request.messages);
    let promptTokens: number;
    try {
      promptTokens = l.chat.chatWrapper.generateContextState({ chatHistory: history }).contextText.tokenize(l.model.tokenizer).length;
    } catch (e) {
      throw new FatalProviderError(
        `${where}: the chat template of ${this.file.name} cannot be applied to this conversation (${(e as Error).message.slice(0, 300)})`,
      );
    }
    // The reply needs room too; a prompt that leaves none is refused before any work, with the fix.
    if (promptTokens >= this.contextSize) {
      const want = Math.ceil((promptTokens + params.maxTokens) / 1024) * 1024;
      const trained =
        this.gguf.trainedContext !== null && this.gguf.trainedContext < want
          ? ` (the model was trained for ${this.gguf.trainedContext} tokens: use a shorter source or a model with a longer context)`
          : '';
      throw new RequestFailedError(
        `${where}: the prompt is ${promptTokens} tokens, ${promptTokens - this.contextSize + 1} more than the ${this.contextSize}-token context leaves for a reply; rerun with --context-size ${want}${trained}`,
      );
    }
    const budget = Math.min(params.maxTokens, this.contextSize - promptTokens);
    let completionTokens = 0;
    const g0 = performance.now();
    let result: Awaited<ReturnType<NlcChat['generateResponse']>>;
    try {
      result = await l.chat.generateResponse(history, {
        ...(params.jsonMode ? { grammar: l.grammar } : {}),
        maxTokens: budget,
        temperature: params.temperature,
        seed: this.seed,
        repeatPenalty: false,
        signal: request.signal,
        stopOnAbortSignal: false,
        onToken: (tokens: unknown[]) => void (completionTokens += tokens.length),
      });
    } catch (e) {
      this.stats.generateMs += performance.now() - g0;
      if (request.signal?.aborted) throw request.signal.reason ?? e; // Ctrl-C: the partial reply is dropped
      if (l.runtimeError(e))
        throw new FatalProviderError(`${where}: out of memory during generation (${(e as Error).message}); try a smaller --context-size or model`);
      throw new RequestFailedError(`${where}: generation failed (${(e as Error).message.slice(0, 300)})`);
    }
    const g1 = performance.now();
    this.stats.generateMs += g1 - g0;
    this.stats.requests++;
    this.stats.promptTokens += promptTokens;
    this.stats.completionTokens += completionTokens;
    if (result.metadata.stopReason === 'maxTokens' && budget < params.maxTokens) {
      this.stats.requestMs += performance.now() - started;
      throw new RequestFailedError(
        `${where}: the reply ran into the end of the ${this.contextSize}-token context after ${completionTokens} tokens (prompt ${promptTokens}); rerun with --context-size ${Math.ceil((promptTokens + params.maxTokens) / 1024) * 1024}`,
      );
    }
    this.stats.requestMs += performance.now() - started;
    // A reply cut at maxTokens is returned as it is: it fails validation (and gets the repair round).
    return { text: result.response, usage: { promptTokens, completionTokens }, latencyMs: g1 - started, cached: false };
  }

  /** Frees the model and the runtime (tests and the benchmark; a CLI run just exits). */
  async dispose(): Promise<void> {
    const l = await this.loading?.catch(() => undefined);
    this.loading = undefined;
    if (l) await this.disposeAll(l.llama, l.model, l.context);
  }
}

export interface LocalForecasterOptions extends LocalLlamaTransportOptions {
  format: ReplyFormat;
  /** Constrain JSON replies by the answer grammar (the --no-json-mode switch turns it off). */
  jsonMode: boolean;
  labelOrder?: readonly Label[];
  /** --model-cutoff; else the known-models table by label. */
  modelCutoff?: string;
  /** The response cache folder: every answer goes through it (a rerun replays offline). */
  cacheDir: string;
  /** Build prompts only: the file is checked, nothing is hashed, loaded or called. */
  dryRun?: boolean;
  maxTokens?: number;
}

/** `forecast --provider local`: the LLM forecaster over a recording cache over the local transport. */
export function localForecaster(o: LocalForecasterOptions): LlmForecaster {
  const label = o.label ?? basename(o.modelFile).replace(/\.gguf$/i, '');
  const cutoff = resolveModelCutoff(label, o.modelCutoff);
  if (o.dryRun) {
    readGgufSummary(o.modelFile);
    const params = { ...defaultChatParams(label, o.format), jsonMode: o.format === 'json' && o.jsonMode };
    const none: ChatTransport = { provider: 'local', complete: () => Promise.reject(new Error('a dry run (dryRun) makes no calls')) };
    return new LlmForecaster(none, { format: o.format, params, labelOrder: o.labelOrder, modelCutoff: cutoff });
  }
  const live = new LocalLlamaTransport({ ...o, label });
  const params = {
    ...defaultChatParams(live.model, o.format),
    jsonMode: o.format === 'json' && o.jsonMode,
    ...(o.maxTokens !== undefined ? { maxTokens: o.maxTokens } : {}),
  };
  return new LlmForecaster(new RecordingTransport(live, new ResponseCache(o.cacheDir, true)), {
    format: o.format,
    params,
    labelOrder: o.labelOrder,
    modelCutoff: cutoff,
  });
}
