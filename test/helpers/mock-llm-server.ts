/**
 * A real HTTP server on loopback (127.0.0.1, random port) that speaks the OpenAI chat-completions
 * protocol, for driving the real `openai` client in tests and benchmarks. Replies are scripted per
 * request: message content (optionally delayed, or held until a promise settles), or an HTTP error with
 * headers (429 + Retry-After, 500). Misbehaving modes for the client's defences: any usage object
 * (malformed token counts), a raw body with any status and content type (non-JSON 200, HTML), and a huge
 * reply streamed in chunks (never built in memory). Scripts see the request's Authorization header, so a
 * server that echoes the key can be scripted; the header's value is never recorded.
 *
 * Run standalone for benchmarks: `node bin/run-ts.js test/helpers/mock-llm-server.ts --latency-ms 20`
 * prints `{"baseURL": …}` on stdout and serves until killed.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';

export interface ChatBody {
  model: string;
  messages: { role: string; content: string }[];
  temperature?: number;
  max_tokens?: number;
  response_format?: { type: string };
  [key: string]: unknown;
}

interface ReplyTiming {
  delayMs?: number;
  /** Hold the reply until this settles (e.g. until another process has been refused). */
  waitFor?: Promise<unknown>;
}

export type MockReply =
  | ({ content: string; usage?: Record<string, unknown> | { prompt_tokens: number; completion_tokens: number } } & ReplyTiming)
  | ({ status: number; headers?: Record<string, string>; body?: unknown } & ReplyTiming)
  /** A body sent as is (status 200 and text/plain unless given). */
  | ({ rawBody: string; status?: number; contentType?: string } & ReplyTiming)
  /** A valid-looking 200 completion whose content is `oversizedBytes` long, streamed in chunks. */
  | ({ oversizedBytes: number } & ReplyTiming);

/** What a script may know about the request beyond its body. */
export interface MockRequestInfo {
  /** The Authorization header as received (for servers that echo it); never recorded. */
  authorization?: string;
}

/** Decides the reply to the `hit`-th request (0-based, counting every request the server received). */
export type MockScript = (body: ChatBody, hit: number, request: MockRequestInfo) => MockReply;

export interface RecordedRequest {
  hit: number;
  path: string;
  body: ChatBody;
  /** Whether an Authorization header came with it (its value is not kept). */
  authorized: boolean;
}

export interface MockLlmServer {
  /** Base URL for the client, ending in /v1. */
  baseURL: string;
  /** Requests received so far. */
  readonly hits: number;
  /** Most requests being answered at the same time so far. */
  readonly peakInFlight: number;
  readonly requests: RecordedRequest[];
  setScript(script: MockScript): void;
  close(): Promise<void>;
}

export interface MockLlmServerOptions {
  script?: MockScript;
  /** Delay added to every reply (simulated model latency). */
  latencyMs?: number;
  /** Keep request bodies (off for benchmarks). */
  record?: boolean;
}

export const DEFAULT_JSON_ANSWER = JSON.stringify({
  label: 'Slightly Bullish',
  confidence: 0.6,
  explanation: 'Mock reasoning: growth steady, inflation easing.',
  keyFactors: ['growth', 'inflation'],
});

export const defaultScript: MockScript = () => ({ content: DEFAULT_JSON_ANSWER });

function completion(body: ChatBody, content: string, usage?: Record<string, unknown>) {
  const u = usage ?? { prompt_tokens: 100, completion_tokens: 20 };
  const total = typeof u.prompt_tokens === 'number' && typeof u.completion_tokens === 'number' ? { total_tokens: u.prompt_tokens + u.completion_tokens } : {};
  return {
    id: 'chatcmpl-mock',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: body.model,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', logprobs: null }],
    usage: { ...total, ...u },
  };
}

/** Streams a 200 completion whose content is `bytes` long, chunk by chunk, until done or the client leaves. */
function streamOversized(res: ServerResponse, body: ChatBody, bytes: number): void {
  if (res.destroyed || res.writableEnded) return;
  const [head, tail] = JSON.stringify(completion(body, '\u0000')).split('\\u0000');
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write(head);
  const chunk = 'x'.repeat(64 * 1024);
  let sent = 0;
  const pump = () => {
    while (sent < bytes) {
      if (res.destroyed) return;
      const n = Math.min(chunk.length, bytes - sent);
      sent += n;
      if (!res.write(n === chunk.length ? chunk : chunk.slice(0, n))) {
        res.once('drain', pump);
        return;
      }
    }
    res.end(tail);
  };
  res.on('error', () => {}); // the client hanging up mid-stream is the expected outcome
  pump();
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed || res.writableEnded) return; // the client gave up (timeout test)
  const text = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export async function startMockLlmServer(options: MockLlmServerOptions = {}): Promise<MockLlmServer> {
  let script = options.script ?? defaultScript;
  let hits = 0;
  let inFlight = 0;
  let peakInFlight = 0;
  const requests: RecordedRequest[] = [];
  const latency = options.latencyMs ?? 0;

  // How long each reply was actually held (timer lag included), for benchmarks: GET /v1/_stats.
  let holds: number[] = [];
  const server: Server = createServer(async (req, res) => {
    if (req.method === 'GET' && req.url?.startsWith('/v1/_stats')) {
      const sorted = [...holds].sort((a, b) => a - b);
      if (req.url.includes('reset=1')) holds = [];
      const cpu = process.cpuUsage();
      send(res, 200, {
        count: sorted.length,
        medianHoldMs: sorted[sorted.length >> 1] ?? null,
        p90HoldMs: sorted[Math.floor(sorted.length * 0.9)] ?? null,
        processCpuMs: (cpu.user + cpu.system) / 1000,
      });
      return;
    }
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      send(res, 404, { error: { message: `mock serves POST /v1/chat/completions, not ${req.method} ${req.url}`, type: 'invalid_request_error' } });
      return;
    }
    const hit = hits++;
    inFlight++;
    peakInFlight = Math.max(peakInFlight, inFlight);
    res.on('close', () => inFlight--);
    let body: ChatBody;
    try {
      body = JSON.parse(await readBody(req)) as ChatBody;
    } catch {
      send(res, 400, { error: { message: 'body is not JSON', type: 'invalid_request_error' } });
      return;
    }
    if (options.record !== false) requests.push({ hit, path: req.url, body, authorized: typeof req.headers.authorization === 'string' });
    const reply = script(body, hit, { authorization: req.headers.authorization });
    const delay = latency + (reply.delayMs ?? 0);
    const received = performance.now();
    const respond = () => {
      if (holds.length < 100_000) holds.push(performance.now() - received);
      if ('content' in reply) send(res, 200, completion(body, reply.content, reply.usage));
      else if ('rawBody' in reply) {
        if (res.destroyed || res.writableEnded) return;
        res.writeHead(reply.status ?? 200, { 'content-type': reply.contentType ?? 'text/plain', 'content-length': Buffer.byteLength(reply.rawBody) });
        res.end(reply.rawBody);
      } else if ('oversizedBytes' in reply) streamOversized(res, body, reply.oversizedBytes);
      else send(res, reply.status, reply.body ?? { error: { message: `scripted ${reply.status}`, type: 'server_error' } }, reply.headers);
    };
    const later = () => (delay > 0 ? setTimeout(respond, delay) : respond());
    if (reply.waitFor) reply.waitFor.then(later, later);
    else later();
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    get hits() {
      return hits;
    },
    get peakInFlight() {
      return peakInFlight;
    },
    requests,
    setScript(s: MockScript) {
      script = s;
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
    },
  };
}

// Standalone mode for benchmarks (a separate process keeps server work off the client's event loop).
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--latency-ms');
  const latencyMs = i >= 0 ? Number(process.argv[i + 1]) : 0;
  const s = await startMockLlmServer({ latencyMs, record: false });
  process.stdout.write(`${JSON.stringify({ baseURL: s.baseURL })}\n`);
}
