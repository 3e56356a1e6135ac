/** Content hashes: sha256 over canonical JSON (object keys sorted), so equal content gives equal keys. */
import { createHash, hash } from 'node:crypto';

// One-shot `crypto.hash` (Node ≥ 20.12) is about twice as fast as createHash for short inputs.
const oneShot = typeof hash === 'function';

export function sha256Hex(text: string): string {
  return oneShot ? hash('sha256', text, 'hex') : createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * JSON with object keys sorted at every level; like JSON.stringify, undefined/function members are
 * dropped from objects and become null in arrays. Hand-written rather than a JSON.stringify replacer:
 * it runs for every prompt and cache lookup, and a replacer call per value made replay 3× slower.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'object':
      break;
    default:
      return 'null'; // undefined, function, symbol, bigint never occur in hashed content
  }
  const withJson = value as { toJSON?: () => unknown };
  if (typeof withJson.toJSON === 'function') return canonicalJson(withJson.toJSON());
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + canonicalJson(value[i]);
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  let out = '{';
  let first = true;
  for (const k of Object.keys(obj).sort()) {
    const v = obj[k];
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    out += `${first ? '' : ','}${JSON.stringify(k)}:${canonicalJson(v)}`;
    first = false;
  }
  return `${out}}`;
}

export function contentHash(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
