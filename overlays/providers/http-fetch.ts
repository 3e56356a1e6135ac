/**
 * A `fetch` for the openai SDK built on node:http(s) with keep-alive agents.
 *
 * Why: chat completions are small non-streaming JSON exchanges, and Node's built-in fetch (undici with
 * web streams) spent ~0.4 ms of CPU per request here — the largest part of the client's overhead, which
 * on a two-core machine capped throughput at high concurrency. This reads the whole body into a buffer and
 * hands the SDK a standard `Response`. Streaming bodies are not needed (no `stream: true` requests); any
 * request body that is not a string or bytes goes to the built-in fetch instead.
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

export function createHttpFetch(): typeof fetch {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: Infinity }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: Infinity }),
  };
  const httpFetch = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    if (input instanceof Request) return fetch(input, init);
    const url = input instanceof URL ? input : new URL(input);
    const body = toBody(init.body);
    const agent = agents[url.protocol as keyof typeof agents];
    if (body === null || !agent) return fetch(input, init);
    const lib = url.protocol === 'https:' ? https : http;
    return new Promise<Response>((resolve, reject) => {
      const req = lib.request(
        url,
        { method: init.method ?? 'GET', headers: toHeaderRecord(init.headers), agent, signal: init.signal ?? undefined },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
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
        },
      );
      // An abort (the SDK's timeout or the caller's signal) rejects with an AbortError, as fetch does.
      req.on('error', reject);
      req.end(body);
    });
  };
  return httpFetch as typeof fetch;
}
