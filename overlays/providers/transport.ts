/**
 * The chat-completion layer below the LLM forecaster: send messages, get text back. Live providers,
 * the recording cache and the replay cache all implement it, so the forecaster (prompting, parsing,
 * repair) is the same code whether answers come from the network or from disk.
 */
import type { ChatMessage } from '../prompts.ts';

export interface ChatParams {
  model: string;
  temperature: number;
  maxTokens: number;
  /** Ask for a JSON object (OpenAI `response_format: {type: "json_object"}`). */
  jsonMode: boolean;
}

export interface ChatRequest {
  /** The decision date, for error messages. */
  date: string;
  messages: ChatMessage[];
  params: ChatParams;
  signal?: AbortSignal;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface ChatReply {
  text: string;
  usage: TokenUsage;
  /** Wall time of the live request including retries (kept in the cache, so replays report it too). */
  latencyMs: number;
  cached: boolean;
  /**
   * Set when the endpoint's token counts were malformed (negative, fractional, not numbers): they are
   * counted as 0, the cost is unknown, and this says what was wrong. The answer itself is kept.
   */
  usageProblem?: string;
  /**
   * For a live reply the recording cache has not stored yet: stores it. The forecaster calls it once the
   * exchange validated, so only answers that validated are cached (a failure is retried by a rerun).
   */
  commit?: () => void;
}

export interface ChatTransport {
  /** The live provider whose answers these are (a replay of openai answers says "openai"). */
  readonly provider: string;
  /** The canonical base URL of a live endpoint (part of the cache key); absent for transports without one. */
  readonly endpoint?: string;
  complete(request: ChatRequest): Promise<ChatReply>;
}

/** This request failed (after any retries); the forecast is recorded as a failure, the run goes on. */
export class RequestFailedError extends Error {
  override readonly name = 'RequestFailedError';
}

/** An error no later request can avoid (credentials, unknown model, replay miss): the run stops. */
export class FatalProviderError extends Error {
  override readonly name = 'FatalProviderError';
}

/** The provider is configured wrongly (an unusable base URL): found before any request, the run never starts. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}
