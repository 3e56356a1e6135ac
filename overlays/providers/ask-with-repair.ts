/**
 * One LLM exchange with repair rounds, shared by the forecaster (llm.ts) and the asset scorer
 * (scoring/llm.ts): what they ask and how a reply is validated differ, the exchange does not.
 *
 * The messages are sent; if the reply does not validate, the conversation is sent again with the reply
 * and a repair message naming what was wrong, up to `repairs` times. An exchange that never validates
 * is a failure carrying every raw reply: never a default answer. Only an exchange that validated is
 * committed to the replay cache (`ChatReply.commit`), so a rerun asks the endpoint again for exactly the
 * failures. A request that fails after its retries (RequestFailedError) is a failure too; any other error
 * rejects, to stop the run. A reply whose token counts were malformed keeps its answer, with cost
 * unknown and a warning.
 */
import { addUsage, NO_USAGE, type Outcome, type Usage } from '../outcome.ts';
import { promptHash, type ChatMessage } from '../prompts.ts';
import { costUsd } from './pricing.ts';
import { RequestFailedError, type ChatParams, type ChatReply, type ChatTransport } from './transport.ts';

export type ReplyCheck<A> = { ok: true; answer: A } | { ok: false; error: string };

export interface AskWithRepairOptions<A> {
  transport: ChatTransport;
  messages: ChatMessage[];
  params: ChatParams;
  /** Names the request in retry lines and replay-cache misses (ChatRequest.date). */
  label: string;
  signal?: AbortSignal;
  /** Repair rounds after an invalid reply. */
  repairs: number;
  /** Validates one reply. */
  check(text: string): ReplyCheck<A>;
  /** The user message that asks for a corrected reply, naming what was wrong. */
  repairMessage(error: string): string;
  /** Where an answer the replay cache could not store is still kept, for that warning ("signals file"). */
  keptIn: string;
}

/** A reply's usage and cost: a model run in process (provider `local`, or its replay) costs nothing; others by the price table. */
function usageOf(provider: string, model: string, reply: ChatReply): Usage {
  const { promptTokens, completionTokens } = reply.usage;
  const cost = reply.usageProblem !== undefined ? null : provider === 'local' ? 0 : costUsd(model, promptTokens, completionTokens);
  return { promptTokens, completionTokens, requests: 1, costUsd: cost };
}

export async function askWithRepair<A>(options: AskWithRepairOptions<A>): Promise<Outcome<A>> {
  const { transport, messages, params } = options;
  const hash = promptHash(messages);
  const raw: string[] = [];
  let usage: Usage = { ...NO_USAGE };
  let latencyMs = 0;
  let cached = true;
  let conversation = messages;
  const errors: string[] = [];
  const warnings: string[] = [];
  const replies: ChatReply[] = [];
  const rounds = 1 + options.repairs;
  for (let round = 0; round < rounds; round++) {
    let reply: ChatReply;
    try {
      reply = await transport.complete({ date: options.label, messages: conversation, params, signal: options.signal });
    } catch (e) {
      if (!(e instanceof RequestFailedError)) throw e;
      return {
        answer: null,
        failure: `request failed: ${e.message}`,
        raw,
        promptHash: hash,
        usage,
        latencyMs,
        cached: false,
        ...(warnings.length ? { warnings } : {}),
      };
    }
    replies.push(reply);
    raw.push(reply.text);
    usage = addUsage(usage, usageOf(transport.provider, params.model, reply));
    latencyMs += reply.latencyMs;
    cached &&= reply.cached;
    if (reply.usageProblem !== undefined) warnings.push(round > 0 ? `repair ${round}: ${reply.usageProblem}` : reply.usageProblem);
    const parsed = options.check(reply.text);
    if (parsed.ok) {
      // The exchange validated: now (and only now) every reply of it goes into the replay cache.
      for (const r of replies) {
        try {
          r.commit?.();
        } catch (e) {
          warnings.push(`the answer could not be stored in the replay cache (${(e as Error).message}); it is kept in the ${options.keptIn}`);
        }
      }
      return { answer: parsed.answer, promptHash: hash, usage, latencyMs, cached, ...(warnings.length ? { warnings } : {}) };
    }
    errors.push(parsed.error);
    conversation = [...conversation, { role: 'assistant', content: reply.text }, { role: 'user', content: options.repairMessage(parsed.error) }];
  }
  const failure = `answer could not be validated: ${errors.map((e, i) => `${i === 0 ? 'reply' : `repair ${i}`}: ${e}`).join('; ')}`;
  return { answer: null, failure, raw, promptHash: hash, usage, latencyMs, cached, ...(warnings.length ? { warnings } : {}) };
}
