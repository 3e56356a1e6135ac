/**
 * `forecast` and `score` take their flags, help, defaults, allowed values and `--config FILE` from one
 * schema each (ForecastSchema, ScoreSchema, through scripts/schema-flags.ts): explicit flags override the
 * file; a bad value names its flag or config key and what is allowed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { ForecastSchema, registerForecastCommand, type CommandIo } from '../../scripts/commands/forecast.ts';
import { registerScoreCommand, ScoreSchema } from '../../scripts/commands/score.ts';
import { forecastCli } from '../helpers/forecast-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'fc-schema-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const config = (name: string, body: unknown) => {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(body));
  return p;
};

async function scoreCli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const io: CommandIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTTY: false };
  const program = new Command('marginlab').exitOverride();
  registerScoreCommand(program, io);
  const saved = process.exitCode;
  process.exitCode = 0;
  await program.parseAsync(['node', 'marginlab', 'score', ...args]);
  const code = Number(process.exitCode ?? 0);
  process.exitCode = saved;
  return { stdout, stderr, code };
}

const helpOf = (register: (p: Command) => Command) => {
  const program = new Command('marginlab');
  return register(program).helpInformation();
};

describe('one schema per command', () => {
  it('every key of the schema is a flag whose help shows its description, allowed values and default', () => {
    const help = helpOf((p) => registerForecastCommand(p));
    for (const key of Object.keys(ForecastSchema.shape)) {
      const flag = key === 'jsonMode' ? '--no-json-mode' : `--${key.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)}`;
      expect(help).toContain(flag);
    }
    expect(help.replace(/\s+/g, ' ')).toMatch(/--combine <method> ensemble combination \(majority \| mean\) \[default: majority\]/);
    expect(help.replace(/\s+/g, ' ')).toMatch(/--concurrency <n> forecasts \(and requests\) in flight \[default: 4\]/);
    expect(help).toMatch(/--config <file>/);
    const scoreHelp = helpOf((p) => registerScoreCommand(p));
    for (const key of Object.keys(ScoreSchema.shape)) {
      const flag = key === 'macro' ? '--no-macro' : `--${key.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)}`;
      expect(scoreHelp).toContain(flag);
    }
    expect(scoreHelp.replace(/\s+/g, ' ')).toMatch(/--provider <name> scorer \(momentum \| random \| oracle \| openai \| replay\) \(required\)/);
    expect(scoreHelp).toContain('--no-news');
  });

  it('forecast --config: read once, explicit flags win, a bad value names the config key', async () => {
    const cfg = config('fc.json', { source: 'macro', provider: ['momentum'], dates: '2020-05-01', out: join(dir, 'x.jsonl'), concurrency: 0 });
    const bad = await forecastCli(['forecast', '--config', cfg, '--dry-run']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(new RegExp(`^error: --config ${cfg.replace(/[.\\/]/g, '\\$&')}: "concurrency": expected a positive integer, got "0"\\n$`));
    const fixed = await forecastCli(['forecast', '--config', cfg, '--concurrency', '2', '--dry-run']);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.stdout).toMatch(/^===== 2020-05-01 \(macro, asOf 2020-05-01\) =====/);
    const unknown = await forecastCli([
      'forecast',
      '--config',
      config('u.json', { source: 'macro', provider: ['momentum'], out: join(dir, 'u.jsonl'), providers: ['momentum'] }),
      '--dry-run',
    ]);
    expect(unknown.stderr).toMatch(/unknown key "providers" \(known: source, provider, /);
    const choice = await forecastCli(['forecast', '--source', 'macro', '--provider', 'momentum', '--out', join(dir, 'y.jsonl'), '--gpu', 'yes']);
    expect(choice.code).toBe(1);
    expect(choice.stderr).toMatch(/^error: --gpu: .*\(allowed: off, auto\)/);
  });

  it('score --config: news null is --no-news; flags still name themselves', async () => {
    const cfg = config('sc.json', { provider: 'momentum', dates: '2021-03-01', tickers: ['AAPL'], news: null, macro: false, out: join(dir, 's.jsonl') });
    const r = await scoreCli(['--config', cfg, '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/===== 2021-03-01 AAPL \(analyst/);
    expect(r.stdout).not.toMatch(/News about AAPL/);
    const bad = await scoreCli(['--config', cfg, '--horizon', '0', '--dry-run']);
    expect(bad.stderr).toMatch(/^error: --horizon: expected "next" \(to the next scoring date\) or a positive whole number of trading days, got "0"/);
    const personas = await scoreCli(['--config', cfg, '--personas', 'analyst,nope', '--dry-run']);
    expect(personas.code).toBe(1);
    expect(personas.stderr).toMatch(/^error: --personas: unknown persona "nope"/);
  });
});
