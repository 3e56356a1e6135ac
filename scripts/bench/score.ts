/**
 * `npm run bench:score`: stage 1 for assets, one JSON line per measurement (medians of repeated runs,
 * default 7; `--runs N`; `--only momentum|replay|client`).
 *
 * - score.momentum: records/s of the offline momentum scorer on the bundled Dow data, 27 assets × 48
 *   monthly dates (2020-04-01 … 2024-03-01), in memory: every context built (prices strictly before
 *   each date, ticker news, no macro) and every record made and validated. The data files are loaded once,
 *   outside the timing.
 * - score.momentum.file: the same through `runScoring` into a scores file with the CLI's durability (one
 *   fsync per record), lock and final sort included.
 * - score.replay: records/s replaying LLM answers from the response cache for the same 1,296 contexts × 5
 *   personas (6,480 records; macro included, so prompts are the real size): build each prompt, hash it,
 *   look it up, parse and validate the answer, make the record. No file (as forecast.replay).
 * - score.client: the client's overhead per request against the loopback OpenAI-protocol server (its own
 *   process, 20 ms simulated latency), concurrency 32, through the real SDK and the LLM scorer:
 *   `clientOverheadMs` = concurrency · wall / requests − the server's measured hold time, and the
 *   client process's CPU per request (`clientCpuMs`). Target < 1 ms.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MacroContextSource } from '../../overlays/context/macro.ts';
import { parseDecisionDates } from '../../overlays/dates.ts';
import { CACHE_FILE, cacheKey, ReplayTransport, ResponseCache } from '../../overlays/providers/cache.ts';
import { OpenAITransport } from '../../overlays/providers/openai.ts';
import { promptHash } from '../../overlays/prompts.ts';
import { ScoringContexts, universeClosePrices, type AssetContext } from '../../overlays/scoring/context.ts';
import { defaultScoreChatParams, LlmScorer } from '../../overlays/scoring/llm.ts';
import { MomentumScorer } from '../../overlays/scoring/offline.ts';
import { buildScoreMessages } from '../../overlays/scoring/prompts.ts';
import { PERSONA_NAMES } from '../../overlays/scoring/record.ts';
import { collectScores, planScoring, runScoring, scoreRecord, scoreRecordOrFailure } from '../../overlays/scoring/run.ts';
import { bundledDataPath, loadMacro } from '../../src/data/macro.ts';
import { loadNews } from '../../src/data/news.ts';
import { resolveUniverse } from '../../src/data/universe.ts';
import { emit, summarize } from './measure.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const LATENCY_MS = 20;
const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const RUNS = Math.max(5, Number(arg('--runs') ?? 7));
const only = arg('--only') ?? null;

const ANSWER = JSON.stringify({
  fundamentals: 6,
  momentum: 7,
  sentiment: 5,
  risk: 4,
  reasoning: 'Recorded reasoning: steady trend, mixed news, moderate volatility.',
  confidence: 0.6,
  keyFactors: ['trend', 'news'],
});

// Child mode: the loopback server answering every request with a valid score (its own process, so its
// work does not share the client's event loop).
if (process.argv.includes('--serve')) {
  const { startMockLlmServer } = await import('../../test/helpers/mock-llm-server.ts');
  const s = await startMockLlmServer({ latencyMs: LATENCY_MS, record: false, script: () => ({ content: ANSWER }) });
  process.stdout.write(`${JSON.stringify({ baseURL: s.baseURL })}\n`);
} else {
  const dates = parseDecisionDates('monthly:2020-04-01:2024-03-01');
  const u = resolveUniverse('dow30');
  const prices = universeClosePrices(u, dates);
  const news = loadNews(bundledDataPath('dow30_ticker_news.csv.gz'));
  const macroStore = loadMacro(bundledDataPath('macro_fred_long.csv'));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

  if (only === null || only === 'momentum') {
    const records = dates.length * prices.tickers.length;
    const once = async () => {
      const t0 = performance.now();
      const recs = await collectScores({ dates, contexts: new ScoringContexts({ prices, news }), scorer: new MomentumScorer() });
      if (recs.length !== records || recs.some((r) => r.failure !== undefined)) throw new Error('momentum bench: unexpected records');
      return records / ((performance.now() - t0) / 1000);
    };
    await once();
    const xs: number[] = [];
    for (let r = 0; r < RUNS; r++) xs.push(await once());
    emit(summarize('score.momentum', 'records/s', xs, { assets: prices.tickers.length, dates: dates.length, records }));

    const dir = mkdtempSync(join(tmpdir(), 'marginlab-bench-score-'));
    try {
      const fx: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const out = join(dir, `m${r}.jsonl`);
        const t0 = performance.now();
        await runScoring({ dates, contexts: new ScoringContexts({ prices, news }), scorer: new MomentumScorer(), out, concurrency: 4 });
        fx.push(records / ((performance.now() - t0) / 1000));
      }
      emit(summarize('score.momentum.file', 'records/s', fx, { records, fsyncPerRecord: true }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  if (only === null || only === 'replay') {
    const contexts = new ScoringContexts({ prices, news, macro: new MacroContextSource(macroStore) });
    const jobs = planScoring({ dates, contexts, personas: [...PERSONA_NAMES] }).jobs;
    const params = defaultScoreChatParams('gpt-4o-mini');
    const dir = mkdtempSync(join(tmpdir(), 'marginlab-bench-score-replay-'));
    try {
      // The cache a live run would have written, in one write (a live run fsyncs each entry).
      const lines = jobs.map(({ job, context }) => {
        const messages = buildScoreMessages(context, job.persona);
        return JSON.stringify({
          key: cacheKey('openai', params, messages),
          provider: 'openai',
          model: params.model,
          promptHash: promptHash(messages),
          text: ANSWER,
          usage: { promptTokens: 1500, completionTokens: 80 },
          latencyMs: 900.5,
          createdAt: '2024-01-01T00:00:00.000Z',
        });
      });
      writeFileSync(join(dir, CACHE_FILE), `${lines.join('\n')}\n`);
      const promptChars = median(jobs.map(({ job, context }) => buildScoreMessages(context, job.persona).reduce((s, m) => s + m.content.length, 0)));
      // Fresh context objects per run, each shared by its personas as in a run (nothing memoised carries over).
      const fresh = (): { ctx: AssetContext; persona: string; job: (typeof jobs)[number]['job'] }[] => {
        const copies = new Map<AssetContext, AssetContext>();
        return jobs.map(({ job, context }) => {
          let ctx = copies.get(context);
          if (!ctx) copies.set(context, (ctx = { ...context }));
          return { ctx, persona: job.persona, job };
        });
      };
      const once = async () => {
        const items = fresh();
        const t0 = performance.now();
        const scorer = new LlmScorer(new ReplayTransport(new ResponseCache(dir, false), 'openai'), { params, modelCutoff: null });
        for (const { ctx, persona, job } of items) {
          const o = await scorer.score({ context: ctx, persona });
          if (o.answer === null) throw new Error(`replay failed: ${o.failure}`);
          scoreRecordOrFailure(scoreRecord(job, ctx, scorer, o), o);
        }
        return items.length / ((performance.now() - t0) / 1000);
      };
      await once();
      const xs: number[] = [];
      for (let r = 0; r < RUNS; r++) xs.push(await once());
      emit(summarize('score.replay', 'records/s', xs, { records: jobs.length, medianPromptChars: promptChars }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  if (only === null || only === 'client') {
    const child = spawn(process.execPath, [join(ROOT, 'bin/run-ts.js'), fileURLToPath(import.meta.url), '--serve'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const baseURL = await new Promise<string>((ok, fail) => {
        let buf = '';
        child.stdout!.on('data', (d: Buffer) => {
          buf += d;
          if (buf.includes('\n')) ok((JSON.parse(buf.split('\n')[0]) as { baseURL: string }).baseURL);
        });
        child.on('exit', (code) => fail(new Error(`mock server exited with ${code}`)));
      });
      const stats = async () => (await (await fetch(`${baseURL}/_stats?reset=1`)).json()) as { medianHoldMs: number };
      const contexts = new ScoringContexts({ prices, news, macro: new MacroContextSource(macroStore) });
      const jobs = planScoring({ dates, contexts, personas: ['analyst'] }).jobs;
      const concurrency = 32;
      const requests = 800;
      const run = async () => {
        const transport = new OpenAITransport({ apiKey: 'sk-bench', baseURL, concurrency, timeoutMs: 10_000 });
        const scorer = new LlmScorer(transport, { params: defaultScoreChatParams('gpt-4o-mini'), modelCutoff: null });
        let next = 0;
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        const worker = async () => {
          while (next < requests) {
            const { job, context } = jobs[next++ % jobs.length];
            const o = await scorer.score({ context: { ...context }, persona: job.persona });
            if (o.answer === null) throw new Error(`client bench: ${o.failure}`);
          }
        };
        await Promise.all(Array.from({ length: concurrency }, worker));
        const wall = performance.now() - t0;
        const cpu = process.cpuUsage(cpu0);
        return { rate: (requests / wall) * 1000, cycleMs: (concurrency * wall) / requests, cpuMs: (cpu.user + cpu.system) / 1000 / requests };
      };
      await run(); // warm-up: JIT, connections
      await stats();
      const rates: number[] = [];
      const overheads: number[] = [];
      const cpus: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const t = await run();
        const hold = (await stats()).medianHoldMs;
        rates.push(t.rate);
        overheads.push(t.cycleMs - hold);
        cpus.push(t.cpuMs);
      }
      const r3 = (x: number) => Math.round(x * 1000) / 1000;
      emit(
        summarize('score.client', 'ms/request', overheads, {
          concurrency,
          requests,
          latencyMs: LATENCY_MS,
          scoresPerSecond: Math.round(median(rates)),
          ideal: concurrency / (LATENCY_MS / 1000),
          clientCpuMs: r3(median(cpus)),
          target: '< 1 ms',
        }),
      );
    } finally {
      child.kill('SIGTERM');
    }
  }
}
