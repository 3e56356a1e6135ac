/**
 * One error policy for every command (scripts/exit-codes.ts, scripts/interrupt.ts): a user's error is one
 * line and its exit status; a bug of ours says to rerun with --verbose; the stack trace only with
 * --verbose; Ctrl-C / SIGTERM abort the work's signal and give 130 / 143.
 */
import { describe, expect, it } from 'vitest';
import { EXIT, exitCodeOf, reportError } from '../../scripts/exit-codes.ts';
import { trapInterrupts } from '../../scripts/interrupt.ts';
import { UserError } from '../../scripts/errors.ts';
import { LockedError } from '../../src/lock.ts';
import { FatalProviderError, ConfigurationError } from '../../overlays/providers/transport.ts';
import { ParameterError } from '../../src/parameter-error.ts';
import { naming } from '../../src/param-names.ts';
import { forecastCli } from '../helpers/forecast-cli.ts';
import { runCli } from '../helpers/cli.ts';

const report = (e: unknown, verbose = false) => {
  let text = '';
  const code = reportError(e, { verbose, write: (t) => void (text += t), prefix: 'marginlab: ' });
  return { code, lines: text.trimEnd().split('\n'), text };
};
const STACK = /\n\s+at .*:\d+/;

describe('reportError', () => {
  it('a user error is one line with its exit status, and no stack trace', () => {
    for (const [e, code] of [
      [new UserError('--x: bad'), EXIT.input],
      [new Error('run folder r already holds a run'), EXIT.input],
      [new ConfigurationError('--base-url: not a URL'), EXIT.input],
      [new FatalProviderError('HTTP 401'), EXIT.provider],
      [new LockedError('in use by pid 1', 't', 't.lock', null), EXIT.locked],
    ] as const) {
      const r = report(e);
      expect(r.code).toBe(code);
      expect(r.lines).toEqual([`marginlab: ${e.message}`]);
    }
  });

  it('a ParameterError names the flag', () => {
    const e = new ParameterError(['modelFile'], (n) => `${n('modelFile')} m.gguf does not exist`);
    expect(e.message).toBe('modelFile m.gguf does not exist');
    expect(report(e).lines).toEqual(['marginlab: --model-file m.gguf does not exist']);
  });

  it('an error of any class can name its parameters: the library says the key, the CLI the flag; the class keeps its exit status', () => {
    const e = naming(new ConfigurationError(''), ['modelFile'], (n) => `${n('modelFile')} m.gguf is empty`);
    expect(e).toBeInstanceOf(ConfigurationError);
    expect(e.message).toBe('modelFile m.gguf is empty');
    expect(report(e)).toMatchObject({ code: EXIT.input, lines: ['marginlab: --model-file m.gguf is empty'] });
    const f = naming(new FatalProviderError(''), ['provider', 'cache'], (n) => `record one first with ${n('provider')} openai ${n('cache')} c`);
    expect(report(f)).toMatchObject({ code: EXIT.provider, lines: ['marginlab: record one first with --provider openai --cache c'] });
  });

  it('an internal error says to rerun with --verbose; the stack trace only with --verbose', () => {
    let bug: unknown;
    try {
      void (undefined as unknown as { x: number }).x;
    } catch (e) {
      bug = e;
    }
    const r = report(bug);
    expect(r.code).toBe(EXIT.internal);
    expect(r.lines).toHaveLength(2);
    expect(r.lines[1]).toMatch(/internal error: rerun with --verbose/);
    expect(r.text).not.toMatch(STACK);
    const v = report(bug, true);
    expect(v.text).toMatch(STACK);
    expect(report(new UserError('--x: bad'), true).text).toMatch(STACK);
    expect(exitCodeOf(new RangeError('bad index'))).toBe(EXIT.internal);
  });
});

describe('trapInterrupts', () => {
  it('SIGINT / SIGTERM abort the signal once, print the notice once, and give 130 / 143', () => {
    for (const [name, code] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const) {
      let text = '';
      const before = process.listenerCount(name);
      const trap = trapInterrupts({ notice: (s) => `stop ${s}\n`, write: (t) => void (text += t), repeat: 'ignore' });
      expect(trap.signal.aborted).toBe(false);
      process.emit(name, name);
      process.emit(name, name);
      expect(trap.signal.aborted).toBe(true);
      expect(trap.received).toBe(name);
      expect(trap.exitCode).toBe(code);
      expect(text).toBe(`stop ${name}\n`);
      trap.dispose();
      expect(process.listenerCount(name)).toBe(before);
    }
  });
});

describe('through the commands', () => {
  it('forecast: a user error is one line and exit 1; --verbose adds the stack trace', async () => {
    const args = ['forecast', '--source', 'macro', '--provider', 'local', '--dates', '2020-05-01', '--out', '/tmp/never/x.jsonl'];
    const r = await forecastCli(args);
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toEqual(['error: --provider local needs --model-file PATH.gguf']);
    const v = await forecastCli([...args, '--verbose']);
    expect(v.code).toBe(1);
    expect(v.stderr).toMatch(STACK);
  });

  it('scripts/cli.ts: a user error is one line, exit 1, no stack trace (one subprocess)', () => {
    const r = runCli(['env', 'rollout', '--start', '2019-13-01']);
    expect(r.code).toBe(EXIT.input);
    expect(r.stderr.trimEnd().split('\n')).toEqual(['marginlab: --start: expected a date YYYY-MM-DD, got "2019-13-01"']);
  });
});
