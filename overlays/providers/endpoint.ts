/**
 * An endpoint's identity: the canonical form of an OpenAI-compatible base URL, checked once, used by the
 * live transport (where to send requests) and by the replay cache (whose answers these are).
 */
import { ConfigurationError } from './transport.ts';

/** The SDK's default endpoint. */
export const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/**
 * Checks a base URL and returns its canonical form `scheme://host[:port]/path` (no trailing slash), the
 * endpoint's identity in the replay cache. `origin` names where the value came from, for the message.
 * Refused: not a URL, a scheme other than http/https, credentials in the URL, a query or fragment.
 */
export function normalizeBaseUrl(value: string, origin = 'the base URL'): string {
  const shown = JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
  const expected = 'expected http(s)://host[:port][/path], e.g. https://api.openai.com/v1';
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new ConfigurationError(`${origin} ${shown} is not a URL; ${expected}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    const hint = value.includes('//') ? '' : ` (did you mean "http://${value.trim()}"?)`;
    throw new ConfigurationError(`${origin} ${shown} has the unsupported scheme "${u.protocol.replace(/:$/, '')}"${hint}; ${expected}`);
  }
  if (u.username !== '' || u.password !== '') {
    throw new ConfigurationError(`${origin} carries credentials (user:password@host); they are not supported there: put the key in OPENAI_API_KEY`);
  }
  if (u.search !== '' || u.hash !== '') {
    throw new ConfigurationError(`${origin} ${shown} has a query or fragment; the client appends /chat/completions to it, so ${expected}`);
  }
  if (u.hostname === '') throw new ConfigurationError(`${origin} ${shown} has no host; ${expected}`);
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
}
