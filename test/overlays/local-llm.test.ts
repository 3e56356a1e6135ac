/**
 * The local provider (llama.cpp in process) on a model the test makes: a tiny random-weight GGUF
 * (test/helpers/gguf.ts). No real weights exist here, so the tests assert what must hold for any model:
 * every answer validates, failures say what went wrong, nothing hangs.
 *
 * The runtime (node-llama-cpp) is an optional install (`npm run setup:local-llm`); without it the tests
 * that need it are skipped with a message, and the ones that check files and messages still run.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ForecastAnswerSchema, parseJsonReply } from '../../overlays/answer.ts';
import type { Context } from '../../overlays/context/types.ts';
import { LABELS } from '../../overlays/labels.ts';
import { RecordingTransport, ResponseCache } from '../../overlays/providers/cache.ts';
import { defaultChatParams, LlmForecaster } from '../../overlays/providers/llm.ts';
import { answerGrammarSchema, LocalLlamaTransport, type LocalLlamaTransportOptions } from '../../overlays/providers/local.ts';
import { readGgufSummary } from '../../overlays/providers/local-gguf.ts';
import { locateRuntime, RUNTIME_INSTALL_HINT } from '../../overlays/providers/local-runtime.ts';
import { ConfigurationError, FatalProviderError } from '../../overlays/providers/transport.ts';
import { forecastCli } from '../helpers/forecast-cli.ts';
import { CHATML_TEMPLATE, tinyLlamaGguf, writeTinyLlamaGguf } from '../helpers/gguf.ts';

const runtime = locateRuntime();
if (!runtime) console.warn(`skipping the local-llm runtime tests: ${RUNTIME_INSTALL_HINT}`);

const dir = mkdtempSync(join(tmpdir(), 'local-llm-'));
const tiny = writeTinyLlamaGguf(join(dir, 'tiny.gguf'));

const context: Context = {
  source: 'macro',
  asOf: '2021-05-01',
  pointInTime: true,
  title: 'US macroeconomic indicators',
  body: '- UNRATE (Unemployment rate, %): 2021-02: 6.2, 2021-03: 6.1',
};

const transports: LocalLlamaTransport[] = [];
function transport(o: Partial<LocalLlamaTransportOptions> = {}): LocalLlamaTransport {
  const t = new LocalLlamaTransport({ modelFile: tiny, threads: 1, contextSize: 2048, ...o });
  transports.push(t);
  return t;
}
afterAll(async () => {
  for (const t of transports) await t.dispose();
});

function forecaster(t: LocalLlamaTransport, format: 'json' | 'paper' = 'json', maxTokens?: number) {
  const params = { ...defaultChatParams(t.model, format), ...(maxTokens ? { maxTokens } : {}) };
  return new LlmForecaster(t, { format, params, modelCutoff: null });
}

describe('the test model and the file checks (no runtime needed)', () => {
  it('the writer makes the same few-hundred-KB GGUF every time, with the metadata the provider reads', () => {
    const a = tinyLlamaGguf();
    expect(a.equals(tinyLlamaGguf())).toBe(true);
    expect(a.length).toBeGreaterThan(100_000);
    expect(a.length).toBeLessThan(1_000_000);
    const s = readGgufSummary(tiny);
    expect(s).toMatchObject({ version: 3, architecture: 'llama', chatTemplate: CHATML_TEMPLATE, trainedContext: 16384, fileBytes: a.length });
    expect(s.requiredBytes).toBeLessThanOrEqual(a.length);
  });

  it('a missing, empty, non-GGUF or truncated file is a configuration error naming the file and the problem', () => {
    const bad = (name: string, bytes: Buffer) => {
      const p = join(dir, name);
      writeFileSync(p, bytes);
      return p;
    };
    const check = (path: string, re: RegExp) => {
      expect(() => readGgufSummary(path)).toThrow(ConfigurationError);
      expect(() => readGgufSummary(path)).toThrow(re);
      // The transport refuses it the same way, before it looks for the runtime.
      expect(() => new LocalLlamaTransport({ modelFile: path, runtime: null })).toThrow(re);
    };
    const full = readFileSync(tiny);
    check(join(dir, 'nope.gguf'), /nope\.gguf does not exist/);
    check(bad('empty.gguf', Buffer.alloc(0)), /is empty \(0 bytes\)/);
    check(bad('weights.safetensors', Buffer.from('{"__metadata__": {}}')), /is not a GGUF model file: it starts with "\{\\"__"/);
    check(bad('half.gguf', full.subarray(0, full.length >> 1)), new RegExp(`truncated: it has ${full.length >> 1} bytes, its tensors need ${full.length}`));
    check(bad('head.gguf', full.subarray(0, 1000)), /truncated: the file \(1000 bytes\) ends inside its GGUF header/);
  });

  it('without the runtime the provider says exactly how to install it', () => {
    const e = (() => {
      try {
        new LocalLlamaTransport({ modelFile: tiny, runtime: null });
      } catch (err) {
        return err as Error;
      }
      return null;
    })();
    expect(e).toBeInstanceOf(ConfigurationError);
    expect(e?.message).toContain('npm run setup:local-llm');
    expect(e?.message).toContain('npm ci --prefix local-llm --omit=optional');
  });

  it('--dry-run with --provider local prints the prompts, checks the file, and needs neither the runtime nor a load', async () => {
    const r = await forecastCli([
      'forecast',
      '--source',
      'macro',
      '--provider',
      'local',
      '--model-file',
      tiny,
      '--dates',
      '2021-05-01',
      '--dry-run',
      '--out',
      join(dir, 'dry.jsonl'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/===== 2021-05-01 \(macro/);
    expect(r.stderr).not.toMatch(/loaded/);
    const bad = await forecastCli([
      'forecast',
      '--source',
      'macro',
      '--provider',
      'local',
      '--model-file',
      join(dir, 'nope.gguf'),
      '--dry-run',
      '--out',
      join(dir, 'dry2.jsonl'),
    ]);
    expect(bad.code).toBe(1);
  });

  it('the grammar comes from the reply schema: the eight labels, the fields, no numeric bounds', () => {
    const g = answerGrammarSchema() as { properties: Record<string, Record<string, unknown>>; required: string[]; additionalProperties: boolean };
    expect(Object.keys(g.properties)).toEqual(['label', 'score', 'confidence', 'explanation', 'keyFactors']);
    expect(g.properties.label.enum).toEqual([...LABELS]);
    expect(g.required).toEqual(['label', 'confidence', 'explanation']);
    expect(g.additionalProperties).toBe(false);
    expect(JSON.stringify(g)).not.toMatch(/minimum|maximum|\$schema/);
  });
});

describe.skipIf(!runtime)('the local provider through llama.cpp', () => {
  it('a JSON forecast under the grammar validates; the model string names the file, its size and sha256, and the runtime', async () => {
    const t = transport();
    expect(t.model).toMatch(
      new RegExp(`^tiny \\(tiny\\.gguf, ${readFileSync(tiny).length} bytes, sha256:[0-9a-f]{64}, node-llama-cpp ${runtime!.version.replace(/\./g, '\\.')}\\)$`),
    );
    expect(t.endpoint).toMatch(/^local:llama\.cpp\?context=2048&gpu=off&seed=0&template=model&grammar=[0-9a-f]{16}$/);
    const o = await forecaster(t).forecast({ date: '2021-05-01', context });
    expect(o.failure).toBeUndefined();
    expect(ForecastAnswerSchema.safeParse(o.answer).success).toBe(true);
    expect(o.usage.requests).toBe(1);
    expect(o.usage.promptTokens).toBeGreaterThan(100);
    expect(o.usage.completionTokens).toBeGreaterThan(10);
    expect(o.usage.completionTokens).toBeLessThan(200);
    expect(t.stats).toMatchObject({ requests: 1 });
    expect(t.backend).toBe('cpu');
    // Greedy: the same prompt gives the same text.
    const again = await forecaster(t).forecast({ date: '2021-05-01', context });
    expect(again.answer).toEqual(o.answer);
  });

  it('every reply under the grammar is JSON of the answer shape, whatever the (random) weights', async () => {
    const wild = transport({ modelFile: writeTinyLlamaGguf(join(dir, 'unshaped.gguf'), { unshaped: true, seed: 7 }) });
    const params = { ...defaultChatParams(wild.model, 'json'), maxTokens: 400 };
    for (const [i, body] of ['a', 'rates up', 'inflation 9%'].entries()) {
      const r = await wild.complete({ date: `2021-0${i + 1}-01`, messages: forecaster(wild).messages({ ...context, body }), params });
      // A reply cut at maxTokens is the only way out of the shape; one that finished always parses.
      if (r.usage.completionTokens < 400) {
        const parsed = JSON.parse(r.text) as Record<string, unknown>;
        expect(LABELS).toContain(parsed.label);
        expect(Object.keys(parsed).every((k) => ['label', 'score', 'confidence', 'explanation', 'keyFactors'].includes(k))).toBe(true);
      }
      expect(r.usage.completionTokens).toBeLessThanOrEqual(400);
    }
  });

  it("the paper's free-text format runs unconstrained and is parsed as free text", async () => {
    const o = await forecaster(transport(), 'paper', 64).forecast({ date: '2021-05-01', context });
    expect(o.answer?.label).toBe('Flat');
    expect(o.answer?.confidence).toBeNull();
  });

  it('a reply cut at maxTokens is a validation failure (with the repair round), not a hang', async () => {
    const t = transport();
    const o = await forecaster(t, 'json', 20).forecast({ date: '2021-05-01', context });
    expect(o.answer).toBeNull();
    expect(o.failure).toMatch(/answer could not be validated: reply: not valid JSON/);
    expect(o.raw).toHaveLength(2);
    expect(o.usage.completionTokens).toBeLessThanOrEqual(40);
    expect(parseJsonReply(o.raw![0]).ok).toBe(false);
  });

  it('a prompt longer than the context fails that date, saying by how much and which --context-size to use', async () => {
    const o = await forecaster(transport({ contextSize: 256 })).forecast({ date: '2021-05-01', context: { ...context, body: 'x'.repeat(3000) } });
    expect(o.answer).toBeNull();
    expect(o.failure).toMatch(
      /request failed: local tiny\.gguf, 2021-05-01: the prompt is (\d+) tokens, \d+ more than the 256-token context leaves for a reply; rerun with --context-size \d+/,
    );
    const [, n] = /the prompt is (\d+) tokens, (\d+) more/.exec(o.failure!)!.slice(0);
    expect(Number(n)).toBeGreaterThan(3000);
  });

  it('a file without a chat template gets ChatML, said once; a template that cannot be applied stops the run', async () => {
    const notes: string[] = [];
    const plain = transport({ modelFile: writeTinyLlamaGguf(join(dir, 'plain.gguf'), { chatTemplate: null }), onNotice: (m) => notes.push(m) });
    expect(plain.template).toBe('chatml');
    expect(notes.join('\n')).toMatch(/has no chat template .*using ChatML/);
    expect((await forecaster(plain).forecast({ date: '2021-05-01', context })).answer?.label).toBe('Flat');

    for (const [name, template] of [
      ['syntax.gguf', "{% for m in messages %}{{ m['content'] }{% endfor %}"],
      ['raises.gguf', "{{ raise_exception('this template only takes user turns') }}"],
    ]) {
      const broken = transport({ modelFile: writeTinyLlamaGguf(join(dir, name), { chatTemplate: template }) });
      const err = await forecaster(broken)
        .forecast({ date: '2021-05-01', context })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FatalProviderError);
      expect((err as Error).message).toMatch(new RegExp(`the chat template in ${name.replace('.', '\\.')} cannot be applied`));
    }
  });

  it('out of memory making the context stops the run with the fix', async () => {
    // 32 layers × 16M tokens of KV cache ≈ 275 GB: more than any test machine, refused before allocating.
    const deep = transport({ modelFile: writeTinyLlamaGguf(join(dir, 'deep.gguf'), { blocks: 32, contextLength: 2 ** 25 }), contextSize: 2 ** 25 });
    const err = await forecaster(deep)
      .forecast({ date: '2021-05-01', context })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FatalProviderError);
    expect((err as Error).message).toMatch(/out of memory making a 33554432-token context for deep\.gguf: .*try a smaller --context-size/);
  });

  it('Ctrl-C during generation: the call rejects at once, the partial reply is discarded (not cached), the next call works', async () => {
    const wild = transport({ modelFile: writeTinyLlamaGguf(join(dir, 'ramble.gguf'), { unshaped: true, seed: 3 }), contextSize: 8192 });
    const cache = new ResponseCache(join(dir, 'abort-cache'), true);
    const rec = new RecordingTransport(wild, cache);
    const params = { ...defaultChatParams(wild.model, 'paper'), maxTokens: 6000 };
    const messages = forecaster(wild, 'paper').messages(context);
    await wild.countPromptTokens(messages); // loads the model, so the abort lands in generation
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(new Error('interrupted by SIGINT')), 150);
    const err = await rec.complete({ date: '2021-05-01', messages, params, signal: controller.signal }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('interrupted by SIGINT');
    expect(performance.now() - started).toBeLessThan(5000);
    expect(cache.size).toBe(0);
    const after = await rec.complete({ date: '2021-05-01', messages, params: { ...params, maxTokens: 16 } });
    expect(after.usage.completionTokens).toBe(16);
  });
});
