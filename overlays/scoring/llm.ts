/**
 * The LLM asset scorer: persona prompt → chat transport → validated ScoreAnswer, with one repair round.
 *
 * The same machinery as the forecast LLM path (providers/llm.ts), over the same `ChatTransport`, so the
 * OpenAI-compatible transport (retries, Retry-After, reply cap, redaction), the recording cache and the
 * offline replay all work unchanged. If the first reply does not validate (not JSON, a missing key, a
 * score outside 1–10, an extra key), the conversation is sent again with the reply and a repair message
 * naming what was wrong; if that fails too, the outcome is a failure carrying both raw replies. A score
 * is never defaulted (the published code falls back to 5 when parsing fails; this one records a
 * failure, and the asset is unscored on that date). Only an exchange that validated is committed to the
 * replay cache, so a rerun asks the endpoint again for exactly the failures.
 *
 * Each request is labelled `DATE, ticker T, persona P` (ChatRequest.date is used for messages only), so
 * a retry line and a replay-cache miss name the date, the ticker and the persona.
 */
import type { ZodError } from 'zod';
import { addUsage, NO_USAGE, type Usage } from '../forecaster.ts';
import type { ModelCutoff } from '../model-cutoffs.ts';
import { promptHash, type ChatMessage } from '../prompts.ts';
import { costUsd } from '../providers/pricing.ts';
import { RequestFailedError, type ChatParams, type ChatReply, type ChatTransport } from '../providers/transport.ts';
import type { AssetContext } from './context.ts';
import { buildScoreMessages, scoreRepairMessage } from './prompts.ts';
import { ScoreAnswerSchema, type ScoreAnswer } from './record.ts';
import type { AssetScorer, ScoreInput, ScoreOutcome } from './scorer.ts';

export type ScoreParse = { ok: true; answer: ScoreAnswer } | { ok: false; error: string };

function issuesText(error: ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(answer)'}: ${i.message}`).join('; ');
}

/** The JSON object inside a reply: the whole text, a ```json fence, or the outermost {...}. */
function extractJson(text: string): string {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text);
  if (fenced) return fenced[1].trim();
  const t = text.trim();
  if (t.startsWith('{')) return t;
  const a = t.indexOf('{');
  const b = t.lastIndexOf('}');
  return a >= 0 && b > a ? t.slice(a, b + 1) : t;
}

/** Parses and validates a scorer's reply against ScoreAnswerSchema (strict: exactly its keys). */
export function parseScoreReply(text: string): ScoreParse {
  let value: unknown;
  try {
    value = JSON.parse(extractJson(text));
  } catch (e) {
    return { ok: false, error: `not valid JSON (${(e as Error).message})` };
  }
  const r = ScoreAnswerSchema.safeParse(value);
  return r.success ? { ok: true, answer: r.data } : { ok: false, error: issuesText(r.error) };
}

/** Default sampling: greedy (temperature 0), JSON mode, room for a paragraph of reasoning. */
export function defaultScoreChatParams(model: string): ChatParams {
  return { model, temperature: 0, maxTokens: 1024, jsonMode: true };
}

export interface LlmScorerOptions {
  params: ChatParams;
  modelCutoff: ModelCutoff | null;
  /** Repair rounds after an invalid reply (one, as the forecast path). */
  repairs?: number;
}

export class LlmScorer implements AssetScorer {
  readonly cheating = false;
  readonly provider: string;
  readonly model: string;
  readonly modelCutoff: ModelCutoff | null;

  constructor(
    private readonly transport: ChatTransport,
    private readonly options: LlmScorerOptions,
  ) {
    this.provider = transport.provider;
    this.model = options.params.model;
    this.modelCutoff = options.modelCutoff;
  }

  messages(context: AssetContext, persona: string): ChatMessage[] {
    return buildScoreMessages(context, persona);
  }

  preview(context: AssetContext, persona: string): string {
    return this.messages(context, persona)
      .map((m) => `[${m.role}]\n${m.content}`)
      .join('\n\n');
  }

  private usageOf(reply: ChatReply): Usage {
    const { promptTokens, completionTokens } = reply.usage;
    return { promptTokens, completionTokens, requests: 1, costUsd: reply.usageProblem !== undefined ? null : costUsd(this.model, promptTokens, completionTokens) };
  }

  async score(input: ScoreInput): Promise<ScoreOutcome> {
    const { params } = this.options;
    const { context, persona } = input;
    const messages = this.messages(context, persona);
    const hash = promptHash(messages);
    const label = `${context.date}, ticker ${context.ticker}, persona ${persona}`;
    const raw: string[] = [];
    let usage: Usage = { ...NO_USAGE };
    let latencyMs = 0;
    let cached = true;
    let conversation = messages;
    const errors: string[] = [];
    const warnings: string[] = [];
    const replies: ChatReply[] = [];
    const rounds = 1 + (this.options.repairs ?? 1);
    for (let round = 0; round < rounds; round++) {
      let reply: ChatReply;
      try {
        reply = await this.transport.complete({ date: label, messages: conversation, params, signal: input.signal });
      } catch (e) {
        if (!(e instanceof RequestFailedError)) throw e;
        return { answer: null, failure: `request failed: ${e.message}`, raw, promptHash: hash, usage, latencyMs, cached: false, ...(warnings.length ? { warnings } : {}) };
      }
      replies.push(reply);
      raw.push(reply.text);
      usage = addUsage(usage, this.usageOf(reply));
      latencyMs += reply.latencyMs;
      cached &&= reply.cached;
      if (reply.usageProblem !== undefined) warnings.push(round > 0 ? `repair ${round}: ${reply.usageProblem}` : reply.usageProblem);
      const parsed = parseScoreReply(reply.text);
      if (parsed.ok) {
        // The exchange validated: now (and only now) every reply of it goes into the replay cache.
        for (const r of replies) {
          try {
            r.commit?.();
          } catch (e) {
            warnings.push(`the answer could not be stored in the replay cache (${(e as Error).message}); it is kept in the scores file`);
          }
        }
        return { answer: parsed.answer, promptHash: hash, usage, latencyMs, cached, ...(warnings.length ? { warnings } : {}) };
      }
      errors.push(parsed.error);
      conversation = [...conversation, { role: 'assistant', content: reply.text }, { role: 'user', content: scoreRepairMessage(parsed.error) }];
    }
    const failure = `answer could not be validated: ${errors.map((e, i) => `${i === 0 ? 'reply' : `repair ${i}`}: ${e}`).join('; ')}`;
    return { answer: null, failure, raw, promptHash: hash, usage, latencyMs, cached, ...(warnings.length ? { warnings } : {}) };
  }
}
