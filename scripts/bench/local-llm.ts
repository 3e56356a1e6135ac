/**
 * `npm run bench:local-llm`: the local provider (llama.cpp in process), one JSON line per measurement
 * (medians over `--runs N`, default 5), on the tests' tiny GGUF and, when MARGINLAB_BENCH_GGUF names a real
 * model file, on that one too. Needs the optional runtime (`npm run setup:local-llm`).
 *
 * Prompts are the real ones: the macro source for the paper's 16 decision dates (quarterly 2020-05 …
 * 2024-02), JSON format under the answer grammar. Each measured prompt gets a unique first line so the
 * runtime cannot reuse the previous prompt's evaluated prefix (a real run does reuse the shared system
 * prompt; these figures are the pessimistic side).
 *
 * - local.<model>.load: runtime import + model load + context creation, s (a fresh transport each run).
 * - local.<model>.prompt: prompt evaluation, tokens/s (a request with maxTokens 1).
 * - local.<model>.generate: generation under the grammar, tokens/s (the same prompt again, now cached).
 * - local.<model>.forecast: forecasts/s through the LLM forecaster (prompt, generation, validation).
 * - local.<model>.paper16: seconds for the paper's 16 dates (16 / forecasts/s, measured on all 16).
 * - local.<model>.overhead: the provider's own time per request beyond the runtime's generateResponse, ms
 *   (target < 5 ms).
 * Each is measured per thread count (BENCH_THREADS, default "1,2"; the name ends in .t<threads>); every line
 * carries the context size (BENCH_CONTEXT, 8192) and peak RSS of the process so far (MiB).
 *
 * Threads matter more than they seem: llama.cpp's worker threads spin at a barrier each token, so on a
 * machine whose other cores are busy, 2 threads can be many times slower than 1 for small models.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BundledSources } from '../../overlays/context/bundled.ts';
import { parseDecisionDates } from '../../overlays/dates.ts';
import { defaultChatParams, LlmForecaster } from '../../overlays/providers/llm.ts';
import { LocalLlamaTransport } from '../../overlays/providers/local.ts';
import { locateRuntime, RUNTIME_INSTALL_HINT } from '../../overlays/providers/local-runtime.ts';
import type { ChatMessage } from '../../overlays/prompts.ts';
import { writeTinyLlamaGguf } from '../../test/helpers/gguf.ts';
import { emit, peakRssMiB, summarize } from './measure.ts';

const runsFlag = process.argv.indexOf('--runs');
const RUNS = runsFlag >= 0 ? Math.max(1, Number(process.argv[runsFlag + 1])) : Number(process.env.BENCH_RUNS ?? 5);
const THREAD_COUNTS = (process.env.BENCH_THREADS ?? '1,2').split(',').map(Number);
const CONTEXT = Number(process.env.BENCH_CONTEXT ?? 8192);

if (!locateRuntime()) {
  console.error(`bench:local-llm: ${RUNTIME_INSTALL_HINT}`);
  process.exit(1);
}

const data = new BundledSources();
const macro = data.source('macro');
const DATES = parseDecisionDates('quarterly:2020-05-01:2024-02-01');

async function bench(name: string, modelFile: string, threads: number): Promise<void> {
  const load: number[] = [];
  const prompt: number[] = [];
  const generate: number[] = [];
  const forecasts: number[] = [];
  const paper16: number[] = [];
  const overhead: number[] = [];
  let promptTokens = 0;
  let replyTokens = 0;
  for (let run = 0; run < RUNS; run++) {
    const t = new LocalLlamaTransport({ modelFile, threads: threads, contextSize: CONTEXT });
    const params = defaultChatParams(t.model, 'json');
    const f = new LlmForecaster(t, { format: 'json', params, modelCutoff: null });
    const unique = (messages: ChatMessage[], tag: string): ChatMessage[] => messages.map((m, i) => (i === 0 ? { ...m, content: `[${tag}]\n${m.content}` } : m));
    try {
      // Load (the first request loads; countPromptTokens does only that and a tokenisation).
      const l0 = performance.now();
      await t.countPromptTokens([{ role: 'user', content: 'x' }]);
      load.push((performance.now() - l0) / 1000);

      // Prompt evaluation and generation, on three dates.
      for (const date of DATES.slice(0, 3)) {
        const messages = unique(f.messages(macro.build(date)), `${run}-${date}`);
        const before = { ...t.stats };
        const a = await t.complete({ date, messages, params: { ...params, maxTokens: 1 } });
        prompt.push(a.usage.promptTokens / ((t.stats.generateMs - before.generateMs) / 1000));
        const mid = { ...t.stats };
        const b = await t.complete({ date, messages, params });
        generate.push(b.usage.completionTokens / ((t.stats.generateMs - mid.generateMs) / 1000));
        promptTokens = a.usage.promptTokens;
        replyTokens = b.usage.completionTokens;
      }

      // The paper's 16 dates through the forecaster (the shared system prompt may be reused, as in a real run).
      const s0 = { ...t.stats };
      const w0 = performance.now();
      let ok = 0;
      for (const date of DATES) {
        const context = macro.build(date);
        const tagged = { ...context, title: `${context.title} [${run}]` };
        const o = await f.forecast({ date, context: tagged });
        if (o.answer) ok++;
      }
      const wall = (performance.now() - w0) / 1000;
      forecasts.push(DATES.length / wall);
      paper16.push(wall);
      const requests = t.stats.requests - s0.requests;
      overhead.push((t.stats.requestMs - s0.requestMs - (t.stats.generateMs - s0.generateMs)) / requests);
      if (ok < DATES.length) console.error(`note: ${name}: ${DATES.length - ok} of ${DATES.length} forecasts did not validate in run ${run + 1}`);
    } finally {
      await t.dispose();
    }
  }
  const detail = { threads: threads, contextSize: CONTEXT, promptTokens, replyTokens, peakRssMiB: peakRssMiB() };
  emit(summarize(`local.${name}.load`, 's', load, detail));
  emit(summarize(`local.${name}.prompt`, 'tokens/s', prompt, detail));
  emit(summarize(`local.${name}.generate`, 'tokens/s', generate, detail));
  emit(summarize(`local.${name}.forecast`, 'forecasts/s', forecasts, detail));
  emit(summarize(`local.${name}.paper16`, 's', paper16, detail));
  emit(summarize(`local.${name}.overhead`, 'ms/request', overhead, { ...detail, target: '< 5 ms' }));
}

const dir = mkdtempSync(join(tmpdir(), 'bench-local-llm-'));
try {
  const tiny = writeTinyLlamaGguf(join(dir, 'tiny.gguf'));
  const real = process.env.MARGINLAB_BENCH_GGUF;
  for (const threads of THREAD_COUNTS) {
    await bench(`tiny.t${threads}`, tiny, threads);
    if (real) await bench(`${real.replace(/^.*\//, '').replace(/\.gguf$/i, '')}.t${threads}`, real, threads);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
