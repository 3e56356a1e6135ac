/**
 * The LLM forecaster: prompt → chat transport → validated answer, with one repair round.
 *
 * If the first reply cannot be validated, the conversation is sent again with the reply and a repair
 * message naming what was wrong. If that fails too, the forecast is a failure carrying both raw replies:
 * it is never turned into a neutral label. The same code serves live, recorded and replayed answers;
 * only the transport differs. Only an exchange that validated is committed to the replay cache
 * (`ChatReply.commit`): a failure is not replayed, so a rerun asks the endpoint again. A reply whose token
 * counts were malformed keeps its answer, with cost unknown and a warning on the record.
 */
import { parseReply, type ReplyFormat } from '../answer.ts';
import type { Context } from '../context/types.ts';
import { addUsage, NO_USAGE, type ForecastInput, type ForecastOutcome, type Forecaster, type Usage } from '../forecaster.ts';
import { LABELS, type Label } from '../labels.ts';
import type { ModelCutoff } from '../model-cutoffs.ts';
import { buildMessages, promptHash, repairMessage, type ChatMessage } from '../prompts.ts';
import { costUsd } from './pricing.ts';
import { RequestFailedError, type ChatParams, type ChatReply, type ChatTransport } from './transport.ts';

export interface LlmForecasterOptions {
  format: ReplyFormat;
  params: ChatParams;
  labelOrder?: readonly Label[];
  modelCutoff: ModelCutoff | null;
  /** Repair rounds after an invalid reply (the issue asks for one). */
  repairs?: number;
}

/** Default sampling: greedy, as the paper (temperature 0), and the paper's max_tokens for APIs. */
export function defaultChatParams(model: string, format: ReplyFormat): ChatParams {
  return { model, temperature: 0, maxTokens: 2048, jsonMode: format === 'json' };
}

export class LlmForecaster implements Forecaster {
  readonly cheating = false;
  readonly provider: string;
  readonly model: string;
  readonly modelCutoff: ModelCutoff | null;
  readonly labelOrder: readonly Label[];

  constructor(
    private readonly transport: ChatTransport,
    private readonly options: LlmForecasterOptions,
  ) {
    this.provider = transport.provider;
    this.model = options.params.model;
    this.modelCutoff = options.modelCutoff;
    this.labelOrder = options.labelOrder ?? LABELS;
  }

  messages(context: Context): ChatMessage[] {
    return buildMessages(context, { format: this.options.format, labelOrder: this.labelOrder });
  }

  preview(context: Context): string {
    return this.messages(context)
      .map((m) => `[${m.role}]\n${m.content}`)
      .join('\n\n');
  }

  private usageOf(reply: ChatReply): Usage {
    const { promptTokens, completionTokens } = reply.usage;
    return { promptTokens, completionTokens, requests: 1, costUsd: reply.usageProblem !== undefined ? null : costUsd(this.model, promptTokens, completionTokens) };
  }

  async forecast(input: ForecastInput): Promise<ForecastOutcome> {
    const { format, params } = this.options;
    const messages = this.messages(input.context);
    const hash = promptHash(messages);
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
        reply = await this.transport.complete({ date: input.date, messages: conversation, params, signal: input.signal });
      } catch (e) {
        if (!(e instanceof RequestFailedError)) throw e;
        return { answer: null, failure: `request failed: ${e.message}`, raw, promptHash: hash, usage, latencyMs, cached: false, ...(warnings.length ? { warnings } : {}) };
      }
      replies.push(reply);
      raw.push(reply.text);
      usage = addUsage(usage, this.usageOf(reply));
      latencyMs += reply.latencyMs;
      cached &&= reply.cached;
      if (reply.usageProblem !== undefined) warnings.push(rounds > 1 && round > 0 ? `repair ${round}: ${reply.usageProblem}` : reply.usageProblem);
      const parsed = parseReply(reply.text, format);
      if (parsed.ok) {
        // The exchange validated: now (and only now) it goes into the replay cache, every reply of it.
        for (const r of replies) {
          try {
            r.commit?.();
          } catch (e) {
            warnings.push(`the answer could not be stored in the replay cache (${(e as Error).message}); it is kept in the signals file`);
          }
        }
        return { answer: parsed.answer, promptHash: hash, usage, latencyMs, cached, ...(warnings.length ? { warnings } : {}) };
      }
      errors.push(parsed.error);
      conversation = [
        ...conversation,
        { role: 'assistant', content: reply.text },
        { role: 'user', content: repairMessage(parsed.error, format, this.labelOrder) },
      ];
    }
    const failure = `answer could not be validated: ${errors.map((e, i) => `${i === 0 ? 'reply' : `repair ${i}`}: ${e}`).join('; ')}`;
    return { answer: null, failure, raw, promptHash: hash, usage, latencyMs, cached, ...(warnings.length ? { warnings } : {}) };
  }
}
