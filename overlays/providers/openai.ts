/**
 * Any OpenAI-compatible chat-completions endpoint, through the `openai` SDK.
 *
 * The SDK's own retries are switched off (`maxRetries: 0`) and done here instead, so the policy is
 * ours and testable: exponential backoff with jitter on 408/409/429/5xx, timeouts and connection
 * errors, honouring Retry-After; 401/403/404 stop the run; other 4xx fail this forecast only.
 * Credentials come only from the environment (OPENAI_API_KEY) or the caller, are handed to the SDK and
 * never appear in a message, a log line or a file written by this project.
 */
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { createHttpFetch } from './http-fetch.ts';
import { ConcurrencyLimit } from './limit.ts';
import { DEFAULT_RETRY, backoffDelayMs, isFatalStatus, isRetryableStatus, retryAfterMs, sleep, type RetryPolicy } from './retry.ts';
import { FatalProviderError, RequestFailedError, type ChatReply, type ChatRequest, type ChatTransport } from './transport.ts';

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
}

/** Counters for a run's summary. */
export interface TransportStats {
  requests: number;
  retries: number;
  promptTokens: number;
  completionTokens: number;
}

function describeError(e: unknown): { retry: boolean; fatal: boolean; reason: string; waitMs: number | null } {
  if (e instanceof APIConnectionError) {
    // Includes APIConnectionTimeoutError: a timed-out attempt is worth another try.
    return { retry: true, fatal: false, reason: e instanceof APIConnectionTimeoutError ? 'timeout' : `connection error (${e.message})`, waitMs: null };
  }
  if (e instanceof APIError && typeof e.status === 'number') {
    const detail = `HTTP ${e.status}${e.message ? `: ${e.message.slice(0, 300)}` : ''}`;
    return {
      retry: isRetryableStatus(e.status),
      fatal: isFatalStatus(e.status),
      reason: detail,
      waitMs: retryAfterMs(e.headers as Headers | undefined),
    };
  }
  return { retry: false, fatal: false, reason: e instanceof Error ? e.message : String(e), waitMs: null };
}

export class OpenAITransport implements ChatTransport {
  readonly provider = 'openai';
  readonly stats: TransportStats = { requests: 0, retries: 0, promptTokens: 0, completionTokens: 0 };
  private readonly client: OpenAI;
  private readonly limit: ConcurrencyLimit;
  private readonly retry: RetryPolicy;
  private readonly random: () => number;
  private readonly onRetry?: OpenAITransportOptions['onRetry'];

  constructor(options: OpenAITransportOptions = {}) {
    const apiKey = options.apiKey ?? process.env.OPENAI_API_KEY;
    if (!apiKey) {
      throw new FatalProviderError('the openai provider needs an API key: set OPENAI_API_KEY in the environment (it is never read from flags or files)');
    }
    const baseURL = options.baseURL ?? (process.env.OPENAI_BASE_URL || undefined);
    this.client = new OpenAI({
      apiKey,
      baseURL,
      maxRetries: 0,
      timeout: options.timeoutMs ?? 120_000,
      // The SDK logs nothing; errors surface through our messages, which never include headers.
      logLevel: 'off',
      fetch: options.fetch ?? createHttpFetch(),
    });
    this.limit = new ConcurrencyLimit(options.concurrency ?? 4);
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.random = options.random ?? Math.random;
    this.onRetry = options.onRetry;
  }

  complete(request: ChatRequest): Promise<ChatReply> {
    return this.limit.run(() => this.completeWithRetries(request));
  }

  private async completeWithRetries(request: ChatRequest): Promise<ChatReply> {
    const started = performance.now();
    const { params } = request;
    for (let attempt = 1; ; attempt++) {
      try {
        this.stats.requests++;
        const completion = await this.client.chat.completions.create(
          {
            model: params.model,
            messages: request.messages,
            temperature: params.temperature,
            max_tokens: params.maxTokens,
            ...(params.jsonMode ? { response_format: { type: 'json_object' as const } } : {}),
          },
          { signal: request.signal },
        );
        const text = completion.choices?.[0]?.message?.content;
        if (typeof text !== 'string') {
          throw new RequestFailedError(`${request.date}: the endpoint returned no message content (finish_reason ${completion.choices?.[0]?.finish_reason ?? 'none'})`);
        }
        const usage = {
          promptTokens: completion.usage?.prompt_tokens ?? 0,
          completionTokens: completion.usage?.completion_tokens ?? 0,
        };
        this.stats.promptTokens += usage.promptTokens;
        this.stats.completionTokens += usage.completionTokens;
        return { text, usage, latencyMs: performance.now() - started, cached: false };
      } catch (e) {
        if (e instanceof APIUserAbortError || request.signal?.aborted) throw e;
        if (e instanceof RequestFailedError) throw e;
        const d = describeError(e);
        if (d.fatal) throw new FatalProviderError(`openai ${params.model}, ${request.date}: ${d.reason}`);
        if (!d.retry) throw new RequestFailedError(`openai ${params.model}, ${request.date}: ${d.reason}`);
        if (attempt >= this.retry.maxAttempts) {
          throw new RequestFailedError(`openai ${params.model}, ${request.date}: gave up after ${attempt} attempts, last: ${d.reason}`);
        }
        if (d.waitMs !== null && d.waitMs > this.retry.maxRetryAfterMs) {
          throw new RequestFailedError(
            `openai ${params.model}, ${request.date}: the server asked to wait ${Math.round(d.waitMs / 1000)} s (${d.reason}), more than the ${this.retry.maxRetryAfterMs / 1000} s allowed`,
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
