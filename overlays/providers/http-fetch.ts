/**
 * A `fetch` for the openai SDK built on node:http(s) with keep-alive agents.
 *
 * Why: chat completions are small non-streaming JSON exchanges, and Node's built-in fetch (undici with
 * web streams) spent ~0.4 ms of CPU per request here — the largest part of the client's overhead, which
 * on a two-core machine capped throughput at high concurrency. This reads the whole body into a buffer and
 * hands the SDK a standard `Response`. Streaming bodies are not needed (no `stream: true` requests); any
 * request body that is not a string or bytes goes to the built-in fetch instead.
 *
 * Bodies are capped (`maxBodyBytes`): reading stops, and the request fails with ReplyTooLargeError, as soon
 * as a response (answer or error) is longer, so a hostile endpoint cannot make the client hold 60 MB.
 * `withBodyCap` puts the same cap on any other fetch.
 */
import http from 'node:http';
import https from 'node:https';

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

function toHeaderRecord(headers: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(headers).forEach((value, key) => {
    out[key] = value;
  });
  return out;
}

function toBody(body: RequestInit['body']): string | Uint8Array | undefined | null {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  return null; // streams, forms, blobs: not handled here
}

/**
 * A real `Response` (status, headers, instanceof) whose body is already in memory: `text()`, `json()` and
 * `arrayBuffer()` read the buffer directly. Building the web stream a body normally gets cost more than
 * the rest of the response handling together; `body` is null, which the SDK only reads for streaming.
 */
function bufferedResponse(bytes: Buffer | null, status: number, statusText: string, headers: Headers): Response {
  const response = new Response(null, { status, statusText, headers });
  const text = async () => (bytes === null ? '' : bytes.toString('utf8'));
  Object.defineProperties(response, {
    text: { value: text },
    json: { value: async () => JSON.parse(await text()) as unknown },
    arrayBuffer: { value: async () => (bytes === null ? new ArrayBuffer(0) : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)) },
  });
  return response;
}

/** A reply (answer or error body) larger than the cap: the date fails, nothing of it is kept. */
export class ReplyTooLargeError extends Error {
  override readonly name = 'ReplyTooLargeError';
  constructor(
    readonly maxBytes: number,
    readonly seenBytes: number,
  ) {
    super(`the reply is larger than the ${maxBytes}-byte cap (${seenBytes} bytes or more; see --max-reply-bytes)`);
  }
}

export interface HttpFetchOptions {
  /** Largest response body read (bytes); a longer one is cut off and rejects with ReplyTooLargeError. */
  maxBodyBytes?: number;
}

export function createHttpFetch(options: HttpFetchOptions = {}): typeof fetch {
  const maxBytes = options.maxBodyBytes ?? Infinity;
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: Infinity }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: Infinity }),
  };
  const fallback = Number.isFinite(maxBytes) ? withBodyCap(fetch, maxBytes) : fetch;
  const httpFetch = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    if (input instanceof Request) return fallback(input, init);
    const url = input instanceof URL ? input : new URL(input);
    const body = toBody(init.body);
    const agent = agents[url.protocol as keyof typeof agents];
    if (body === null || !agent) return fallback(input, init);
    const lib = url.protocol === 'https:' ? https : http;
    return new Promise<Response>((resolve, reject) => {
      const req = lib.request(url, { method: init.method ?? 'GET', headers: toHeaderRecord(init.headers), agent, signal: init.signal ?? undefined }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > maxBytes) {
          req.destroy();
          reject(new ReplyTooLargeError(maxBytes, declared));
          return;
        }
        res.on('data', (c: Buffer) => {
          if (size > maxBytes) return;
          size += c.length;
          if (size > maxBytes) {
            // Stop reading at once: memory stays bounded by the cap, whatever the server sends.
            chunks.length = 0;
            req.destroy();
            reject(new ReplyTooLargeError(maxBytes, size));
            return;
          }
          chunks.push(c);
        });
        res.on('error', reject);
        res.on('end', () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            if (Array.isArray(v)) for (const x of v) headers.append(k, x);
            else if (v !== undefined) headers.set(k, v);
          }
          const status = res.statusCode ?? 500;
          resolve(bufferedResponse(NULL_BODY_STATUSES.has(status) ? null : Buffer.concat(chunks), status, res.statusMessage ?? '', headers));
        });
      });
      // An abort (the SDK's timeout or the caller's signal) rejects with an AbortError, as fetch does.
      req.on('error', reject);
      req.end(body);
    });
  };
  return httpFetch as typeof fetch;
}

/**
 * Wraps any `fetch` so that no response body longer than `maxBytes` is read (answers and error bodies
 * alike): the body is read up to the cap into memory, and a longer one rejects with ReplyTooLargeError.
 */
/** Reads a body stream, refusing (and cancelling it) past `maxBytes`. */
export async function readStreamCapped(stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<Buffer> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new ReplyTooLargeError(maxBytes, size);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

export function withBodyCap(inner: typeof fetch, maxBytes: number): typeof fetch {
  const capped = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const res = await inner(input, init);
    const declared = Number(res.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > maxBytes) {
      await res.body?.cancel().catch(() => {});
      throw new ReplyTooLargeError(maxBytes, declared);
    }
    if (res.body === null) return res;
    const body = await readStreamCapped(res.body, maxBytes);
    return bufferedResponse(NULL_BODY_STATUSES.has(res.status) ? null : body, res.status, res.statusText, res.headers);
  };
  return capped as typeof fetch;
}
