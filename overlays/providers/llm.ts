/**
 * The LLM forecaster: prompt → chat transport → validated answer, with one repair round
 * (ask-with-repair.ts, shared with the asset scorer).
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
import type { ForecastInput, ForecastOutcome, Forecaster } from '../forecaster.ts';
import { LABELS, type Label } from '../labels.ts';
import type { ModelCutoff } from '../model-cutoffs.ts';
import { buildMessages, previewMessages, repairMessage, type ChatMessage } from '../prompts.ts';
import { askWithRepair } from './ask-with-repair.ts';
import type { ChatParams, ChatTransport } from './transport.ts';

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
    return previewMessages(this.messages(context));
  }

  async forecast(input: ForecastInput): Promise<ForecastOutcome> {
    const { format, params } = this.options;
    return askWithRepair({
      transport: this.transport,
      messages: this.messages(input.context),
      params,
      label: input.date,
      signal: input.signal,
      repairs: this.options.repairs ?? 1,
      check: (text) => parseReply(text, format),
      repairMessage: (error) => repairMessage(error, format, this.labelOrder),
      keptIn: 'signals file',
    });
  }
}
