/**
 * The JSON object in a model's reply, shared by every path that asks for JSON (forecasts, scores).
 * Models wrap it in a ```json fence or in prose often enough that only the bare text would be too strict.
 */

/** The JSON object inside a reply: the whole text, a ```json fence, or the outermost {...}. */
export function extractJson(text: string): string {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text);
  if (fenced) return fenced[1].trim();
  const t = text.trim();
  if (t.startsWith('{')) return t;
  const a = t.indexOf('{');
  const b = t.lastIndexOf('}');
  return a >= 0 && b > a ? t.slice(a, b + 1) : t;
}

/** The parsed JSON value of a reply, or the problem (said as the repair message will quote it). */
export function parseJsonInReply(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(extractJson(text)) };
  } catch (e) {
    return { ok: false, error: `not valid JSON (${(e as Error).message})` };
  }
}
