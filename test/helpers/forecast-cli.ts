import { Command } from 'commander';
import { registerForecastCommand, type CommandIo } from '../../scripts/commands/forecast.ts';

/** Runs `marginlab forecast ARGS` in this process (no child start-up) and returns its output and exit code. */
export async function forecastCli(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  let stdout = '';
  let stderr = '';
  const io: CommandIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTTY: false };
  const program = new Command('marginlab').exitOverride();
  registerForecastCommand(program, io);
  const saved = process.exitCode;
  process.exitCode = 0;
  await program.parseAsync(['node', 'marginlab', ...args]);
  const code = Number(process.exitCode ?? 0);
  process.exitCode = saved;
  return { stdout, stderr, code };
}
