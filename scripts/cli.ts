import { Command } from 'commander';
import { registerEnvCommands } from './commands/env.ts';
import { registerTrainCommands } from './commands/train.ts';
import { registerForecastCommand } from './commands/forecast.ts';
import { registerCompareCommand } from './commands/compare.ts';
import { registerBacktestCommand } from './commands/backtest.ts';
import { registerLlmPortfoliosCommand } from './commands/llm-portfolios.ts';
import { registerScoreCommand } from './commands/score.ts';
import { UserError } from './errors.ts';
import { LOCKED_EXIT_CODE } from '../src/lock.ts';

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

try {
  await program.parseAsync(process.argv);
} catch (e) {
  const err = e as Error;
  const verbose = process.argv.includes('--verbose');
  // A user's input error (a flag, a file, a busy run folder) is one line; anything else is a bug of ours
  // and says how to get the stack trace.
  const userFacing = err instanceof UserError || ['DataError', 'StrategyError', 'LockedError', 'SeedListError', 'CheckpointError', 'ScheduleError'].includes(err.name);
  console.error(`marginlab: ${err.message}`);
  if (verbose) console.error(err.stack);
  else if (!userFacing) console.error('(an internal error: rerun with --verbose for the stack trace, and report it)');
  if (err.name === 'LockedError') process.exitCode = LOCKED_EXIT_CODE;
  process.exitCode = process.exitCode && process.exitCode !== 0 ? process.exitCode : 2;
}
