import { Command } from 'commander';
import { registerEnvCommands } from './commands/env.ts';
import { registerTrainCommands } from './commands/train.ts';
import { registerForecastCommand } from './commands/forecast.ts';
import { registerCompareCommand } from './commands/compare.ts';
import { registerBacktestCommand } from './commands/backtest.ts';
import { UserError } from './errors.ts';

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
registerCompareCommand(program);
registerBacktestCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  const err = e as Error;
  const verbose = process.argv.includes('--verbose');
  const userFacing = err instanceof UserError || err.name === 'DataError' || !verbose;
  console.error(`marginlab: ${err.message}`);
  if (verbose || !userFacing) console.error(err.stack);
  process.exitCode = process.exitCode && process.exitCode !== 0 ? process.exitCode : 2;
}
