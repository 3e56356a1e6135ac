/**
 * The content-addressed response cache that makes LLM runs re-runnable offline, bit for bit.
 *
 * Key: sha256 of canonical JSON {provider, params (model, temperature, max tokens, JSON mode), prompt},
 * where prompt is the sha256 of the messages (`promptHash`), so the long prompt is hashed only once.
 * Storage: one append-only JSONL file, `<dir>/responses.jsonl`, one entry per line. Every live reply is
 * appended (and fsync'ed) before the caller sees it. A single write of one line per entry means a crash
 * can at worst leave a partial last line, which opening the cache cuts off. Loading is one read and a
 * map, which is what makes replay fast (the benchmark's forecast.replay).
 *
 * Entries hold the reply text, its token usage and the live latency; not the prompt (it can be large and
 * is identified by `promptHash`). API keys never reach the cache: they are not part of any request field.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, statSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { canonicalJson, sha256Hex } from '../hash.ts';
import { promptHash, type ChatMessage } from '../prompts.ts';
import { FatalProviderError, type ChatParams, type ChatReply, type ChatRequest, type ChatTransport } from './transport.ts';

export const CACHE_FILE = 'responses.jsonl';

const CacheEntrySchema = z
  .object({
    key: z.string().regex(/^[0-9a-f]{64}$/),
    provider: z.string().min(1),
    model: z.string().min(1),
    promptHash: z.string().regex(/^[0-9a-f]{64}$/),
    text: z.string(),
    usage: z.object({ promptTokens: z.number().int().min(0), completionTokens: z.number().int().min(0) }).strict(),
    latencyMs: z.number().min(0),
    createdAt: z.string(),
  })
  .strict();

export type CacheEntry = z.infer<typeof CacheEntrySchema>;

// Canonical params per params object: a forecaster sends the same object with every request.
const paramsJson = new WeakMap<ChatParams, string>();

export function cacheKey(provider: string, params: ChatParams, messages: readonly ChatMessage[]): string {
  let p = paramsJson.get(params);
  if (p === undefined) paramsJson.set(params, (p = canonicalJson(params)));
  // Equivalent to canonicalJson({params, prompt, provider}) (keys in sorted order), built directly.
  return sha256Hex(`{"params":${p},"prompt":${JSON.stringify(promptHash(messages))},"provider":${JSON.stringify(provider)}}`);
}

/** A loaded line: parsed at open, schema-checked on first use (most of a big cache is never read). */
interface StoredEntry {
  line: number;
  value: unknown;
  checked?: CacheEntry;
}

export class ResponseCache {
  private readonly entries = new Map<string, StoredEntry>();
  readonly file: string;

  /**
   * Opens (creating when `writable`) the cache in `dir`. Every line must be JSON with a sha256 `key`
   * (else an error with file:line); the rest of an entry is validated when it is first used. A partial
   * last line (a crash while appending) is dropped.
   */
  constructor(
    readonly dir: string,
    private readonly writable: boolean,
  ) {
    this.file = join(dir, CACHE_FILE);
    if (!existsSync(this.file)) {
      if (!writable) throw new FatalProviderError(`replay cache ${this.file} does not exist; record one first with --provider openai --cache ${dir}`);
      mkdirSync(dir, { recursive: true });
      return;
    }
    const text = readFileSync(this.file, 'utf8');
    const complete = text.endsWith('\n') ? text : text.slice(0, text.lastIndexOf('\n') + 1);
    if (writable && complete.length !== text.length) truncateSync(this.file, Buffer.byteLength(complete));
    let start = 0;
    let lineNo = 0;
    while (start < complete.length) {
      const end = complete.indexOf('\n', start);
      lineNo++;
      const line = complete.slice(start, end);
      start = end + 1;
      if (line === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (e) {
        throw new Error(`${this.file}:${lineNo}: expected a JSON cache entry (${(e as Error).message})`);
      }
      const key = (value as { key?: unknown } | null)?.key;
      if (typeof key !== 'string' || !/^[0-9a-f]{64}$/.test(key)) {
        throw new Error(`${this.file}:${lineNo}: key: expected a sha256 hex digest`);
      }
      // First entry wins: a key's reply never changes once recorded.
      if (!this.entries.has(key)) this.entries.set(key, { line: lineNo, value });
    }
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): CacheEntry | undefined {
    const stored = this.entries.get(key);
    if (!stored) return undefined;
    if (!stored.checked) {
      const r = CacheEntrySchema.safeParse(stored.value);
      if (!r.success) {
        const i = r.error.issues[0];
        throw new Error(`${this.file}:${stored.line}: ${i?.path.join('.') || '(entry)'}: ${i?.message}`);
      }
      stored.checked = r.data;
    }
    return stored.checked;
  }

  /** Appends and fsyncs one entry; returns only once it is on disk. */
  put(entry: CacheEntry): void {
    if (!this.writable) throw new Error(`cache ${this.file} was opened read-only`);
    if (this.entries.has(entry.key)) return;
    CacheEntrySchema.parse(entry);
    const fd = openSync(this.file, 'a');
    try {
      writeSync(fd, `${JSON.stringify(entry)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.entries.set(entry.key, { line: -1, value: entry, checked: entry });
  }

  /** Bytes on disk (for reports). */
  bytes(): number {
    return existsSync(this.file) ? statSync(this.file).size : 0;
  }
}

function fromEntry(entry: CacheEntry): ChatReply {
  return { text: entry.text, usage: { ...entry.usage }, latencyMs: entry.latencyMs, cached: true };
}

/** Live transport with recording: a hit is served from the cache, a miss is fetched, stored, then returned. */
export class RecordingTransport implements ChatTransport {
  readonly provider: string;

  constructor(
    private readonly live: ChatTransport,
    readonly cache: ResponseCache,
  ) {
    this.provider = live.provider;
  }

  async complete(request: ChatRequest): Promise<ChatReply> {
    const key = cacheKey(this.provider, request.params, request.messages);
    const hit = this.cache.get(key);
    if (hit) return fromEntry(hit);
    const reply = await this.live.complete(request);
    this.cache.put({
      key,
      provider: this.provider,
      model: request.params.model,
      promptHash: promptHash(request.messages),
      text: reply.text,
      usage: reply.usage,
      latencyMs: reply.latencyMs,
      createdAt: new Date().toISOString(),
    });
    return reply;
  }
}

/** Cache only: never touches the network; a miss stops the run with the date and key. */
export class ReplayTransport implements ChatTransport {
  constructor(
    readonly cache: ResponseCache,
    /** The live provider whose answers are replayed (part of the key). */
    readonly provider: string = 'openai',
  ) {}

  async complete(request: ChatRequest): Promise<ChatReply> {
    const key = cacheKey(this.provider, request.params, request.messages);
    const hit = this.cache.get(key);
    if (!hit) {
      throw new FatalProviderError(
        `replay cache miss for decision date ${request.date}: key ${key} (provider ${this.provider}, model ${request.params.model}, ` +
          `prompt ${promptHash(request.messages).slice(0, 12)}) is not in ${this.cache.file}; record it with --provider ${this.provider} --cache ${this.cache.dir}`,
      );
    }
    return fromEntry(hit);
  }
}
