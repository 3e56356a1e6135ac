/** `marginlab llm-portfolios`: flag wiring over `runLlmExperiment` (agents/portfolio/llm-experiments.ts). */
import type { Command } from 'commander';
import { LLM_EXPERIMENTS, LlmExperimentSchema, runLlmExperiment } from '../../agents/portfolio/llm-experiments.ts';
import { StrategyError } from '../../agents/portfolio/strategy.ts';
import { checkBundledData, checkOutputDir, UserError } from '../errors.ts';
import { addSchemaOptions, parseSchemaOptions } from '../schema-flags.ts';

export function registerLlmPortfoliosCommand(program: Command): void {
  const cmd = program
    .command('llm-portfolios')
    .description(
      'the published LLM-portfolio evaluation windows as named experiments: asset-score strategies (llm-score, llm-mvo, black-litterman) per scorer, ' +
        "the top-down sector allocation and its benchmarks, beside equal weight and MVO, with the scorers' rank IC and hit rate; writes table.md, results.json, report.html",
    );
  addSchemaOptions(cmd, LlmExperimentSchema);
  cmd.addHelpText(
    'after',
    '\nExperiments:\n' +
      Object.values(LLM_EXPERIMENTS)
        .map((e) => `  ${e.name.padEnd(15)} ${e.title}`)
        .join('\n') +
      '\n\nExamples:\n' +
      '  marginlab llm-portfolios --experiment sector-2019h1 --out runs/sector-2019h1\n' +
      '  marginlab llm-portfolios --experiment compare-period --out runs/llm-compare-period\n' +
      '  marginlab llm-portfolios --experiment post-cutoff --scores gpt=runs/gpt-scores.jsonl --model-cutoff 2023-10 --out runs/post-cutoff\n' +
      '\nThe oracle scorer reads realised returns: a cheating ceiling, marked in every table. Sharpe and Sortino use a risk-free rate of 0.',
  );
  cmd.action(async (o: Record<string, unknown>, c: Command) => {
    const cfg = parseSchemaOptions(LlmExperimentSchema, o, c);
    checkBundledData();
    checkOutputDir(cfg.out);
    const t0 = Date.now();
    let res;
    try {
      res = await runLlmExperiment(cfg, { log: (s) => process.stderr.write(`[llm-portfolios] ${s}\n`) });
    } catch (e) {
      if (e instanceof StrategyError || /^(post-cutoff|scores |trade period|scores file)/.test((e as Error).message)) throw new UserError((e as Error).message);
      throw e;
    }
    console.log(res.table);
    console.log(`run folder: ${res.out} (table.md, results.json, report.html, episodes/, decisions/, scores/) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });
}
