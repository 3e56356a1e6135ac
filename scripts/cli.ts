import { Command } from 'commander';
import { registerEnvCommands } from './commands/env.ts';
import { registerTrainCommands } from './commands/train.ts';
import { registerForecastCommand } from './commands/forecast.ts';
import { registerCompareCommand } from './commands/compare.ts';
import { registerBacktestCommand } from './commands/backtest.ts';
import { registerLlmPortfoliosCommand } from './commands/llm-portfolios.ts';
import { registerScoreCommand } from './commands/score.ts';
import { registerSweepCommands } from './commands/sweep.ts';
import { reportError } from './exit-codes.ts';

/** The `marginlab` command line. Each concept registers its own subcommands. */
const program = new Command();
program
  .name('marginlab')
  .description('Margin-trading RL agents with an LLM overlay: environment, agents, forecasts and with/without comparisons')
  .option('--verbose', 'print stack traces on errors')
  .showHelpAfterError('(run with --help for usage)');

registerEnvCommands(program);
registerTrainCommands(program);
registerForecastCommand(program);
registerScoreCommand(program);
registerCompareCommand(program);
registerBacktestCommand(program);
registerLlmPortfoliosCommand(program);
registerSweepCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  // One policy for every command (scripts/exit-codes.ts): a user's error (a flag, a file, a busy run folder,
  // the provider) is one line; a bug of ours says to rerun with --verbose; the stack trace only with --verbose.
  process.exitCode = reportError(e, { verbose: process.argv.includes('--verbose'), write: (t) => void process.stderr.write(t), prefix: 'marginlab: ' });
}
