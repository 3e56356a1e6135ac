/**
 * The content-addressed response cache that makes LLM runs re-runnable offline, bit for bit.
 *
 * Key: sha256 of canonical JSON {endpoint, provider, params (model, temperature, max tokens, JSON mode),
 * prompt}, where prompt is the sha256 of the messages (`promptHash`), so the long prompt is hashed only
 * once, and endpoint is the canonical base URL (`normalizeBaseUrl`): one server's answers are never served
 * for another's. Each entry also carries `baseKey`, the same hash without the endpoint, which is how a
 * replay that names no endpoint finds an answer (see ReplayTransport).
 *
 * Only answers that validated are stored: a live reply is held until the forecaster accepts the exchange
 * (`ChatReply.commit`), so an invalid reply or a failed request is never replayed and a rerun asks the
 * endpoint again. (The failure stays in the signals file.) Every stored reply is on disk before the
 * forecast that used it is written.
 *
 * Storage: one append-only JSONL file, `<dir>/responses.jsonl`, one entry per line, in the order answers
 * arrived (the cache is looked up by key; its order carries no meaning). Appends are fsync'ed and made
 * under the cache's lock (`responses.jsonl.lock`, held for the append only), so runs sharing a cache never
 * interleave or cut each other's lines. A crash can at worst leave a partial last line, which a writer cuts
 * off (under the lock) before it appends. The file is read on first use, not when the cache is opened.
 * Loading is one read and a map, which is what makes replay fast (the benchmark's forecast.replay).
 *
 * Entries hold the reply text (already redacted of credentials by the transport), its token usage and the
 * live latency; not the prompt (it can be large and is identified by `promptHash`). API keys never reach
 * the cache: they are not part of any request field, and replies are redacted before they get here.
 *
 * Caches written before the endpoint was part of the key have entries without `endpoint` (their `key` is
 * the endpoint-less hash). They stay readable: a replay that names no endpoint uses them; a live run and a
 * replay that names an endpoint do not (nothing says which server gave them), and ask again / miss.
 */
import { formatIssues } from '../../src/validation.ts';
import { naming } from '../../src/param-names.ts';
import { closeSync, existsSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, statSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { acquireLock } from '../../src/lock.ts';
import { jsonlLines } from '../../src/jsonl.ts';
import { canonicalJson, sha256Hex } from '../hash.ts';
import { promptHash, type ChatMessage } from '../prompts.ts';
import { normalizeBaseUrl } from './endpoint.ts';
import { redactor, type Redact } from './redact.ts';
import { FatalProviderError, type ChatParams, type ChatReply, type ChatRequest, type ChatTransport } from './transport.ts';

export const CACHE_FILE = 'responses.jsonl';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

const CacheEntrySchema = z
  .object({
    key: hex64,
    /** The key without the endpoint (absent in old entries, whose `key` is that). */
    baseKey: hex64.optional(),
    /** The canonical base URL that gave this answer (absent in old entries). */
    endpoint: z.string().min(1).optional(),
    provider: z.string().min(1),
    model: z.string().min(1),
    promptHash: hex64,
    text: z.string(),
    usage: z.object({ promptTokens: z.number().int().min(0), completionTokens: z.number().int().min(0) }).strict(),
    /** The endpoint's token counts were malformed (see ChatReply.usageProblem). */
    usageProblem: z.string().min(1).optional(),
    latencyMs: z.number().min(0),
    createdAt: z.string(),
  })
  .strict();

export type CacheEntry = z.infer<typeof CacheEntrySchema>;

// Canonical params per params object: a forecaster sends the same object with every request.
const paramsJson = new WeakMap<ChatParams, string>();

/**
 * The cache key: sha256 of canonical {endpoint, params, prompt, provider}. Without `endpoint` it is the
 * endpoint-less `baseKey` (which is also the key of entries written before endpoints were recorded).
 */
export function cacheKey(provider: string, params: ChatParams, messages: readonly ChatMessage[], endpoint?: string | null): string {
  let p = paramsJson.get(params);
  if (p === undefined) paramsJson.set(params, (p = canonicalJson(params)));
  // Equivalent to canonicalJson({endpoint, params, prompt, provider}) (keys in sorted order), built directly.
  const e = endpoint === undefined || endpoint === null ? '' : `"endpoint":${JSON.stringify(endpoint)},`;
  return sha256Hex(`{${e}"params":${p},"prompt":${JSON.stringify(promptHash(messages))},"provider":${JSON.stringify(provider)}}`);
}

/** A loaded line: parsed at load, schema-checked on first use (most of a big cache is never read). */
interface StoredEntry {
  line: number;
  value: unknown;
  checked?: CacheEntry;
}

/** Where one prompt's answers are, per endpoint (null: an old entry that names none). */
interface BaseRef {
  endpoint: string | null;
  key: string;
}

export class ResponseCache {
  private readonly entries = new Map<string, StoredEntry>();
  private readonly byBase = new Map<string, BaseRef[]>();
  private loaded = false;
  readonly file: string;

  /**
   * Opens the cache in `dir` (a read-only one must exist). Nothing is read until the first lookup or
   * store. Every line must be JSON with a sha256 `key` (else an error with file:line); the rest of an
   * entry is validated when it is first used. A partial last line (a crash while appending) is ignored,
   * and cut off before a writer appends.
   */
  constructor(
    readonly dir: string,
    private readonly writable: boolean,
  ) {
    this.file = join(dir, CACHE_FILE);
    if (!writable && !existsSync(this.file)) {
      throw naming(
        new FatalProviderError(''),
        ['cache', 'provider'],
        (n) => `replay cache ${this.file} does not exist; record one first with ${n('provider')} openai ${n('cache')} ${dir}`,
      );
    }
  }

  private load(): void {
    if (this.loaded) return;
    if (!existsSync(this.file)) {
      if (this.writable) mkdirSync(this.dir, { recursive: true });
      this.loaded = true;
      return;
    }
    this.entries.clear();
    this.byBase.clear();
    const text = readFileSync(this.file, 'utf8');
    const complete = text.endsWith('\n') ? text : text.slice(0, text.lastIndexOf('\n') + 1);
    if (this.writable && complete.length !== text.length) this.withAppendLock(() => undefined);
    for (const { value, line: lineNo } of jsonlLines(complete, this.file, { what: 'a JSON cache entry' })) {
      const v = value as { key?: unknown; baseKey?: unknown; endpoint?: unknown } | null;
      const key = v?.key;
      if (typeof key !== 'string' || !/^[0-9a-f]{64}$/.test(key)) {
        throw new Error(`${this.file}:${lineNo}: key: expected a sha256 hex digest`);
      }
      // First entry wins: a key's reply never changes once recorded.
      if (this.entries.has(key)) continue;
      this.entries.set(key, { line: lineNo, value });
      const endpoint = typeof v?.endpoint === 'string' ? v.endpoint : null;
      const base = endpoint === null ? key : v?.baseKey;
      if (typeof base !== 'string' || !/^[0-9a-f]{64}$/.test(base)) {
        throw new Error(`${this.file}:${lineNo}: baseKey: expected a sha256 hex digest (an entry with an endpoint carries its endpoint-less key)`);
      }
      this.index(base, endpoint, key);
    }
    this.loaded = true;
  }

  private index(base: string, endpoint: string | null, key: string): void {
    const refs = this.byBase.get(base);
    if (refs) refs.push({ endpoint, key });
    else this.byBase.set(base, [{ endpoint, key }]);
  }

  get size(): number {
    this.load();
    return this.entries.size;
  }

  get(key: string): CacheEntry | undefined {
    this.load();
    const stored = this.entries.get(key);
    if (!stored) return undefined;
    if (!stored.checked) {
      const r = CacheEntrySchema.safeParse(stored.value);
      if (!r.success) {
        throw new Error(`${this.file}:${stored.line}: ${formatIssues(r.error, { first: true, whole: '(entry)' })}`);
      }
      stored.checked = r.data;
    }
    return stored.checked;
  }

  /** The endpoints (null: an old entry naming none) that answered the prompt with this endpoint-less key. */
  endpointsFor(baseKey: string): (string | null)[] {
    this.load();
    return (this.byBase.get(baseKey) ?? []).map((r) => r.endpoint);
  }

  /**
   * The answer for `baseKey` from whichever endpoint gave it, for replays that name no endpoint: the one
   * endpoint that has it, else an old entry that names none. Several endpoints: an error listing them.
   */
  getAnyEndpoint(baseKey: string): CacheEntry | undefined {
    this.load();
    const refs = this.byBase.get(baseKey);
    if (!refs) return undefined;
    if (refs.length === 1) return this.get(refs[0].key);
    const named = refs.filter((r) => r.endpoint !== null);
    const endpoints = [...new Set(named.map((r) => r.endpoint))];
    if (endpoints.length > 1) {
      throw new FatalProviderError(
        `${this.file} holds answers to the same prompt from ${endpoints.length} endpoints (${endpoints.join(', ')}); say which to replay with --base-url or OPENAI_BASE_URL`,
      );
    }
    return this.get((named[0] ?? refs[0]).key);
  }

  /** Appends and fsyncs one entry under the cache's lock; returns only once it is on disk. */
  put(entry: CacheEntry): void {
    if (!this.writable) throw new Error(`cache ${this.file} was opened read-only`);
    this.load();
    if (this.entries.has(entry.key)) return;
    const checked = CacheEntrySchema.safeParse(entry);
    if (!checked.success) {
      throw new Error(`cannot store the reply in ${this.file}: ${formatIssues(checked.error, { whole: '(entry)' })}`);
    }
    this.withAppendLock((fd) => {
      writeSync(fd, `${JSON.stringify(entry)}\n`);
      fsyncSync(fd);
    });
    this.entries.set(entry.key, { line: -1, value: entry, checked: entry });
    if (entry.baseKey !== undefined || entry.endpoint === undefined) this.index(entry.baseKey ?? entry.key, entry.endpoint ?? null, entry.key);
  }

  /**
   * Runs `write` on the cache file opened for appending, under the cache's lock, after cutting off a
   * partial last line left by a crash (safe under the lock: no other writer is mid-line).
   */
  private withAppendLock(write: (fd: number) => void): void {
    mkdirSync(this.dir, { recursive: true });
    const lock = acquireLock(this.file, { what: 'response cache', waitMs: 10_000 });
    try {
      const fd = openSync(this.file, 'a+');
      try {
        cutPartialLastLine(fd, this.file);
        write(fd);
      } finally {
        closeSync(fd);
      }
    } finally {
      lock.release();
    }
  }

  /** Bytes on disk (for reports). */
  bytes(): number {
    return existsSync(this.file) ? statSync(this.file).size : 0;
  }
}

/** Cuts a partial last line (a crash while appending) off the file open on `fd`; the caller holds the lock. */
function cutPartialLastLine(fd: number, file: string): void {
  const size = fstatSync(fd).size;
  if (size === 0) return;
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  if (last[0] === 0x0a) return;
  const text = readFileSync(file);
  const cut = text.lastIndexOf(0x0a) + 1;
  truncateSync(file, cut);
}

/**
 * A stored reply. Redacted again on the way out (idempotent: a no-op on what this version stored), so an
 * answer recorded by an older version that echoed the key does not carry it into a signals file.
 */
function fromEntry(entry: CacheEntry, redact: Redact): ChatReply {
  return {
    text: redact(entry.text),
    usage: { ...entry.usage },
    latencyMs: entry.latencyMs,
    cached: true,
    ...(entry.usageProblem !== undefined ? { usageProblem: entry.usageProblem } : {}),
  };
}

/**
 * Live transport with recording: a hit is served from the cache; a miss is fetched and returned with a
 * `commit` that stores it, which the forecaster calls once the exchange validated (failures are not kept).
 * The key includes the live transport's endpoint (`endpoint`); a transport without one keys by prompt only.
 */
export class RecordingTransport implements ChatTransport {
  readonly provider: string;
  readonly endpoint?: string;
  private readonly redact: Redact;

  constructor(
    private readonly live: ChatTransport & { readonly redact?: Redact },
    readonly cache: ResponseCache,
  ) {
    this.provider = live.provider;
    this.endpoint = live.endpoint;
    this.redact = live.redact ?? redactor([process.env.OPENAI_API_KEY]);
  }

  async complete(request: ChatRequest): Promise<ChatReply> {
    const endpoint = this.endpoint ?? null;
    const key = cacheKey(this.provider, request.params, request.messages, endpoint);
    const hit = this.cache.get(key);
    if (hit) return fromEntry(hit, this.redact);
    const reply = await this.live.complete(request);
    const entry: CacheEntry = {
      key,
      ...(endpoint !== null ? { baseKey: cacheKey(this.provider, request.params, request.messages), endpoint } : {}),
      provider: this.provider,
      model: request.params.model,
      promptHash: promptHash(request.messages),
      text: reply.text,
      usage: reply.usage,
      ...(reply.usageProblem !== undefined ? { usageProblem: reply.usageProblem } : {}),
      latencyMs: reply.latencyMs,
      createdAt: new Date().toISOString(),
    };
    return { ...reply, commit: () => this.cache.put(entry) };
  }
}

/**
 * Cache only: never touches the network; a miss stops the run with the date and key. With `endpoint`
 * (a canonical base URL) only that endpoint's answers are replayed; without, each prompt's answer is
 * taken from whichever endpoint gave it (an error if several did), old entries that name none included.
 */
export class ReplayTransport implements ChatTransport {
  private readonly redact: Redact = redactor([process.env.OPENAI_API_KEY]);
  /** The canonical base URL whose answers are replayed; undefined: any endpoint's. */
  readonly endpoint?: string;

  constructor(
    readonly cache: ResponseCache,
    /** The live provider whose answers are replayed (part of the key). */
    readonly provider: string = 'openai',
    endpoint?: string,
  ) {
    this.endpoint = endpoint === undefined ? undefined : normalizeBaseUrl(endpoint, 'the replayed endpoint');
  }

  async complete(request: ChatRequest): Promise<ChatReply> {
    const baseKey = cacheKey(this.provider, request.params, request.messages);
    const key = this.endpoint === undefined ? baseKey : cacheKey(this.provider, request.params, request.messages, this.endpoint);
    const hit = this.endpoint === undefined ? this.cache.getAnyEndpoint(baseKey) : this.cache.get(key);
    if (!hit) {
      const others = this.endpoint === undefined ? [] : this.cache.endpointsFor(baseKey);
      const elsewhere =
        others.length === 0
          ? ''
          : `; the cache has this prompt's answer from ${others.map((e) => e ?? 'an endpoint it does not name (an older cache)').join(', ')}: replay without --base-url/OPENAI_BASE_URL to use it`;
      throw new FatalProviderError(
        `replay cache miss for decision date ${request.date}: key ${key} (provider ${this.provider}, model ${request.params.model}, ` +
          `${this.endpoint === undefined ? '' : `endpoint ${this.endpoint}, `}prompt ${promptHash(request.messages).slice(0, 12)}) is not in ${this.cache.file}${elsewhere}; ` +
          `record it with --provider ${this.provider} --cache ${this.cache.dir}`,
      );
    }
    return fromEntry(hit, this.redact);
  }
}
