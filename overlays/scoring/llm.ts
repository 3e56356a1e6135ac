/**
 * The LLM asset scorer: persona prompt → chat transport → validated ScoreAnswer, with one repair round.
 *
 * The same exchange as the forecast LLM path (providers/ask-with-repair.ts), over the same
 * `ChatTransport`, so the OpenAI-compatible transport (retries, Retry-After, reply cap, redaction), the recording cache and the
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
import { fieldProblems } from '../../src/field-problems.ts';
import { parseJsonInReply } from '../json-reply.ts';
import type { ModelCutoff } from '../model-cutoffs.ts';
import { previewMessages, type ChatMessage } from '../prompts.ts';
import { askWithRepair } from '../providers/ask-with-repair.ts';
import type { ChatParams, ChatTransport } from '../providers/transport.ts';
import type { AssetContext } from './context.ts';
import { buildScoreMessages, scoreRepairMessage } from './prompts.ts';
import { ScoreAnswerSchema, type ScoreAnswer } from './record.ts';
import type { AssetScorer, ScoreInput, ScoreOutcome } from './scorer.ts';

export type ScoreParse = { ok: true; answer: ScoreAnswer } | { ok: false; error: string };

/** Parses and validates a scorer's reply against ScoreAnswerSchema (strict: exactly its keys). */
export function parseScoreReply(text: string): ScoreParse {
  const json = parseJsonInReply(text);
  if (!json.ok) return json;
  const r = ScoreAnswerSchema.safeParse(json.value);
  return r.success ? { ok: true, answer: r.data } : { ok: false, error: fieldProblems(r.error, '(answer)').join('; ') };
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
    return previewMessages(this.messages(context, persona));
  }

  async score(input: ScoreInput): Promise<ScoreOutcome> {
    const { context, persona } = input;
    return askWithRepair({
      transport: this.transport,
      messages: this.messages(context, persona),
      params: this.options.params,
      label: `${context.date}, ticker ${context.ticker}, persona ${persona}`,
      signal: input.signal,
      repairs: this.options.repairs ?? 1,
      check: parseScoreReply,
      repairMessage: scoreRepairMessage,
      keptIn: 'scores file',
    });
  }
}
