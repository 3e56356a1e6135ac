/**
 * The endpoint is untrusted: whatever it returns (an answer, an error message, a non-JSON body, a usage
 * field) may echo the credentials it was sent. Everything it returns goes through `redact` before it is
 * printed, parsed, cached or written, so the API key never reaches a terminal, a signals file or the cache.
 *
 * Removed: the key itself and the forms an echo may take (URL-encoded, JSON-escaped, base64 of the key
 * or of "Bearer <key>"), and any bearer token or Authorization value, whatever it is. Keys shorter than
 * 4 characters are not searched for (they would match ordinary text).
 */

export const REDACTED = '[REDACTED]';

const MIN_SECRET_LENGTH = 4;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// "Authorization: Bearer x", "authorization": "x" — the value, whatever it is; and "Bearer x" anywhere.
// Both leave an already redacted value alone, so redacting twice changes nothing (replays stay identical).
const AUTH_VALUE = /(\bauthorization\b["']?\s*[:=]\s*["']?)((?:bearer|basic|token)\s+)?([^\s"',;}]+)/gi;
const BEARER = /(\bbearer\s+)[A-Za-z0-9._~+/=-]{4,}/gi;

export type Redact = (text: string) => string;

/** A redactor for these secrets (empty or short ones are ignored). */
export function redactor(secrets: readonly (string | undefined | null)[]): Redact {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (typeof s !== 'string' || s.length < MIN_SECRET_LENGTH) continue;
    forms.add(s);
    forms.add(encodeURIComponent(s));
    forms.add(JSON.stringify(s).slice(1, -1));
    forms.add(Buffer.from(s, 'utf8').toString('base64').replace(/=+$/, ''));
    forms.add(Buffer.from(`Bearer ${s}`, 'utf8').toString('base64').replace(/=+$/, ''));
  }
  const list = [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  const secretsRe = list.length > 0 ? new RegExp(list.map(escapeRegExp).join('|'), 'g') : null;
  return (text: string): string => {
    if (typeof text !== 'string' || text === '') return text;
    // Authorization values first (whole "Bearer <token>"), then the secrets' own forms anywhere.
    let out = text.replace(AUTH_VALUE, (m, pre: string, _scheme: string | undefined, value: string) => (value.startsWith(REDACTED) ? m : `${pre}${REDACTED}`));
    out = out.replace(BEARER, `$1${REDACTED}`);
    return secretsRe ? out.replace(secretsRe, REDACTED) : out;
  };
}

/** Redacts every string inside a JSON-like value (for warnings built from endpoint data). */
export function redactDeep(value: unknown, redact: Redact): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redact));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [redact(k), redactDeep(v, redact)]));
  return value;
}
