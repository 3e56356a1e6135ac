/**
 * Any OpenAI-compatible chat-completions endpoint, through the `openai` SDK.
 *
 * The SDK's own retries are switched off (`maxRetries: 0`) and done here instead, so the policy is
 * ours and testable: exponential backoff with jitter on 408/409/429/5xx, timeouts and connection
 * errors, honouring Retry-After; 401/403/404 stop the run; other 4xx fail this forecast only.
 * Credentials come only from the environment (OPENAI_API_KEY) or the caller, are handed to the SDK and
 * never appear in a message, a log line or a file written by this project.
 *
 * The endpoint is untrusted. Its replies are read here, not by the SDK: the body is capped
 * (`maxReplyBytes`; a longer reply fails that date and is neither retried nor kept), parsed as JSON (a
 * non-JSON 200 says so), and every string taken from it — the answer, error messages, a body snippet — is
 * redacted of the key and any Authorization value before it goes anywhere (redact.ts). Malformed token
 * counts do not cost the answer: they are counted as 0 with `usageProblem` saying what was wrong.
 * A base URL that is not an http(s) URL is a configuration error when the transport is built.
 */
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { createHttpFetch, readStreamCapped, ReplyTooLargeError, withBodyCap } from './http-fetch.ts';
import { DEFAULT_BASE_URL, normalizeBaseUrl } from './endpoint.ts';
import { ConcurrencyLimit } from './limit.ts';
import { redactor, type Redact } from './redact.ts';
import { DEFAULT_RETRY, backoffDelayMs, isFatalStatus, isRetryableStatus, retryAfterMs, sleep, type RetryPolicy } from './retry.ts';
import {
  ConfigurationError,
  FatalProviderError,
  RequestFailedError,
  type ChatReply,
  type ChatRequest,
  type ChatTransport,
  type TokenUsage,
} from './transport.ts';

/** Default cap on a reply body: a forecast answer is a few kilobytes (max_tokens 2048). */
export const DEFAULT_MAX_REPLY_BYTES = 1_048_576;

export { DEFAULT_BASE_URL, normalizeBaseUrl } from './endpoint.ts';

/** The endpoint a live run talks to: the explicit base URL, else OPENAI_BASE_URL, else the SDK default. */
export function resolveEndpoint(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env, explicitOrigin = '--base-url'): string {
  if (explicit !== undefined) return normalizeBaseUrl(explicit, explicitOrigin);
  const fromEnv = env.OPENAI_BASE_URL;
  if (fromEnv !== undefined && fromEnv !== '') return normalizeBaseUrl(fromEnv, 'OPENAI_BASE_URL');
  return DEFAULT_BASE_URL;
}

export interface OpenAITransportOptions {
  /** Defaults to process.env.OPENAI_API_KEY. */
  apiKey?: string;
  /** Defaults to process.env.OPENAI_BASE_URL, else the SDK's default (api.openai.com). */
  baseURL?: string;
  /** Per-attempt timeout. */
  timeoutMs?: number;
  /** Requests in flight at once. */
  concurrency?: number;
  retry?: Partial<RetryPolicy>;
  random?: () => number;
  /** The HTTP client under the SDK; defaults to keep-alive node:http (see http-fetch.ts). */
  fetch?: typeof fetch;
  /** Called before each retry wait (progress output, tests). */
  onRetry?: (event: { date: string; attempt: number; delayMs: number; reason: string }) => void;
  /** Largest reply body accepted, in bytes (DEFAULT_MAX_REPLY_BYTES); a longer one fails that date. */
  maxReplyBytes?: number;
}

/** Counters for a run's summary. */
export interface TransportStats {
  requests: number;
  retries: number;
  promptTokens: number;
  completionTokens: number;
}

function describeError(e: unknown, redact: Redact): { retry: boolean; fatal: boolean; reason: string; waitMs: number | null } {
  const tooLarge = e instanceof ReplyTooLargeError ? e : e instanceof APIConnectionError && e.cause instanceof ReplyTooLargeError ? e.cause : null;
  if (tooLarge) return { retry: false, fatal: false, reason: tooLarge.message, waitMs: null };
  if (e instanceof APIConnectionError) {
    // Includes APIConnectionTimeoutError: a timed-out attempt is worth another try.
    return {
      retry: true,
      fatal: false,
      reason: e instanceof APIConnectionTimeoutError ? 'timeout' : `connection error (${redact(e.message).slice(0, 300)})`,
      waitMs: null,
    };
  }
  if (e instanceof APIError && typeof e.status === 'number') {
    const detail = `HTTP ${e.status}${e.message ? `: ${redact(e.message).slice(0, 300)}` : ''}`;
    return {
      retry: isRetryableStatus(e.status),
      fatal: isFatalStatus(e.status),
      reason: detail,
      waitMs: retryAfterMs(e.headers as Headers | undefined),
    };
  }
  return { retry: false, fatal: false, reason: redact(e instanceof Error ? e.message : String(e)).slice(0, 300), waitMs: null };
}

/**
 * A short, escaped excerpt of endpoint text for a message. Redacted whole before it is cut: a cut first
 * could leave a prefix of the key that no longer matches.
 */
function excerpt(text: string, redact: Redact, n = 80): string {
  const clean = redact(text);
  return JSON.stringify(clean.length > n ? `${clean.slice(0, n)}…` : clean);
}

/** Reads a response body, refusing more than `max` bytes. */
async function readCapped(response: Response, max: number): Promise<string> {
  if (response.body === null) {
    const text = await response.text();
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > max) throw new ReplyTooLargeError(max, bytes);
    return text;
  }
  return (await readStreamCapped(response.body, max)).toString('utf8');
}

/** A token count as the endpoint reported it: a non-negative safe integer, or a problem. */
function tokenCount(value: unknown, field: string, problems: string[], redact: Redact): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  const shown = redact(typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value)));
  problems.push(`usage.${field} is ${shown.length > 60 ? `${shown.slice(0, 60)}…` : shown}, not a token count (a non-negative integer)`);
  return 0;
}

export class OpenAITransport implements ChatTransport {
  readonly provider = 'openai';
  readonly stats: TransportStats = { requests: 0, retries: 0, promptTokens: 0, completionTokens: 0 };
  private readonly client: OpenAI;
  private readonly limit: ConcurrencyLimit;
  private readonly retry: RetryPolicy;
  private readonly random: () => number;
  private readonly onRetry?: OpenAITransportOptions['onRetry'];
  private readonly maxReplyBytes: number;
  /** Removes the key (and any Authorization value) from text the endpoint sent. */
  readonly redact: Redact;
  /** The canonical base URL (see normalizeBaseUrl): part of every cache key. */
  readonly endpoint: string;

  constructor(options: OpenAITransportOptions = {}) {
    // The endpoint first: a bad base URL is a configuration error, whatever else is missing.
    this.endpoint = resolveEndpoint(options.baseURL);
    const apiKey = options.apiKey ?? process.env.OPENAI_API_KEY;
    if (!apiKey) {
      throw new FatalProviderError('the openai provider needs an API key: set OPENAI_API_KEY in the environment (it is never read from flags or files)');
    }
    const maxReplyBytes = options.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES;
    if (!(Number.isSafeInteger(maxReplyBytes) && maxReplyBytes >= 1))
      throw new ConfigurationError(`the reply cap must be a positive whole number of bytes, got ${maxReplyBytes}`);
    this.maxReplyBytes = maxReplyBytes;
    this.redact = redactor([apiKey]);
    this.client = new OpenAI({
      apiKey,
      baseURL: this.endpoint,
      maxRetries: 0,
      timeout: options.timeoutMs ?? 120_000,
      // The SDK logs nothing; errors surface through our messages, which never include headers.
      logLevel: 'off',
      fetch: options.fetch ? withBodyCap(options.fetch, maxReplyBytes) : createHttpFetch({ maxBodyBytes: maxReplyBytes }),
    });
    this.limit = new ConcurrencyLimit(options.concurrency ?? 4);
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.random = options.random ?? Math.random;
    this.onRetry = options.onRetry;
  }

  complete(request: ChatRequest): Promise<ChatReply> {
    return this.limit.run(() => this.completeWithRetries(request));
  }

  /** The reply in a 200 body, or a RequestFailedError saying what the body is instead. */
  private parseCompletion(body: string, contentType: string | null, where: string): Omit<ChatReply, 'latencyMs'> {
    const r = this.redact;
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      const bytes = Buffer.byteLength(body, 'utf8');
      throw new RequestFailedError(
        `${where}: the endpoint answered HTTP 200 with a body that is not JSON (content-type ${contentType ? excerpt(contentType, r, 60) : 'none'}, ${bytes} bytes${bytes > 0 ? `, starting ${excerpt(body, r)}` : ''})`,
      );
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new RequestFailedError(`${where}: the endpoint answered HTTP 200 with JSON that is not a chat completion object (${excerpt(body, r)})`);
    }
    const c = json as { choices?: unknown; usage?: unknown; error?: unknown };
    const choice = Array.isArray(c.choices) ? (c.choices[0] as { message?: { content?: unknown }; finish_reason?: unknown } | undefined) : undefined;
    const text = choice?.message?.content;
    if (typeof text !== 'string') {
      const error = c.error as { message?: unknown } | undefined;
      if (!Array.isArray(c.choices) && error !== undefined) {
        const message = typeof error?.message === 'string' ? error.message : JSON.stringify(error);
        throw new RequestFailedError(`${where}: the endpoint answered HTTP 200 with an error instead of a completion: ${excerpt(String(message), r, 300)}`);
      }
      const finish = choice?.finish_reason;
      throw new RequestFailedError(
        `${where}: the endpoint returned no message content (finish_reason ${typeof finish === 'string' ? excerpt(finish, r, 40) : 'none'}${Array.isArray(c.choices) ? '' : '; the JSON has no choices'})`,
      );
    }
    const problems: string[] = [];
    const u = (typeof c.usage === 'object' && c.usage !== null ? c.usage : {}) as { prompt_tokens?: unknown; completion_tokens?: unknown };
    if (c.usage !== undefined && c.usage !== null && (typeof c.usage !== 'object' || Array.isArray(c.usage)))
      problems.push(`usage is ${excerpt(JSON.stringify(c.usage) ?? '', r, 60)}, not an object`);
    const usage: TokenUsage = {
      promptTokens: tokenCount(u.prompt_tokens, 'prompt_tokens', problems, r),
      completionTokens: tokenCount(u.completion_tokens, 'completion_tokens', problems, r),
    };
    return {
      text: r(text),
      usage,
      cached: false,
      ...(problems.length > 0
        ? { usageProblem: r(`malformed token counts from the endpoint (${problems.join('; ')}): counted as 0, cost unknown; the answer is kept`) }
        : {}),
    };
  }

  private async completeWithRetries(request: ChatRequest): Promise<ChatReply> {
    const started = performance.now();
    const { params } = request;
    const where = `openai ${params.model}, ${request.date}`;
    for (let attempt = 1; ; attempt++) {
      try {
        this.stats.requests++;
        const response = await this.client.chat.completions
          .create(
            {
              model: params.model,
              messages: request.messages,
              temperature: params.temperature,
              max_tokens: params.maxTokens,
              ...(params.jsonMode ? { response_format: { type: 'json_object' as const } } : {}),
            },
            { signal: request.signal },
          )
          .asResponse();
        const body = await readCapped(response, this.maxReplyBytes);
        const reply = this.parseCompletion(body, response.headers.get('content-type'), where);
        this.stats.promptTokens += reply.usage.promptTokens;
        this.stats.completionTokens += reply.usage.completionTokens;
        return { ...reply, latencyMs: performance.now() - started };
      } catch (e) {
        if (e instanceof APIUserAbortError || request.signal?.aborted) throw e;
        if (e instanceof RequestFailedError) throw e;
        const d = describeError(e, this.redact);
        if (d.fatal) throw new FatalProviderError(`${where}: ${d.reason}`);
        if (!d.retry) throw new RequestFailedError(`${where}: ${d.reason}`);
        if (attempt >= this.retry.maxAttempts) {
          throw new RequestFailedError(`${where}: gave up after ${attempt} attempts, last: ${d.reason}`);
        }
        if (d.waitMs !== null && d.waitMs > this.retry.maxRetryAfterMs) {
          throw new RequestFailedError(
            `${where}: the server asked to wait ${Math.round(d.waitMs / 1000)} s (${d.reason}), more than the ${this.retry.maxRetryAfterMs / 1000} s allowed`,
          );
        }
        const delayMs = d.waitMs ?? backoffDelayMs(attempt - 1, this.retry, this.random);
        this.stats.retries++;
        this.onRetry?.({ date: request.date, attempt, delayMs, reason: d.reason });
        await sleep(delayMs, request.signal ?? undefined);
      }
    }
  }
}
