/**
 * The exit status of every `marginlab` command, and the one place an error becomes a line on stderr and
 * an exit status (`reportError`): scripts/cli.ts uses it for errors that leave a command, `forecast` and
 * `score` (which are also run without scripts/cli.ts, by tests and fixtures) for their own.
 *
 * | status    | meaning                                                                                    |
 * |-----------|--------------------------------------------------------------------------------------------|
 * | 0         | success                                                                                    |
 * | 1         | usage, configuration or input error (a flag, a file, a config value); nothing ran          |
 * | 2         | partial failure: some dates / keys failed, recorded in the output; a rerun retries them    |
 * | 3         | the provider stopped the run (credentials, unknown model, replay cache miss)               |
 * | 70        | internal error (a bug of ours): one line, the stack trace with --verbose                   |
 * | 75        | locked: another run holds the output (try again later)                                     |
 * | 130 / 143 | interrupted by Ctrl-C (SIGINT) / SIGTERM                                                    |
 */
import { LOCKED_EXIT_CODE } from '../src/lock.ts';
import { renderMessage } from '../src/param-names.ts';

export const EXIT = {
  ok: 0,
  input: 1,
  partial: 2,
  provider: 3,
  /** sysexits EX_SOFTWARE. */
  internal: 70,
  /** sysexits EX_TEMPFAIL: try again later. */
  locked: LOCKED_EXIT_CODE,
  sigint: 130,
  sigterm: 143,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The status of an interruption by `signal`. */
export function interruptExitCode(signal: 'SIGINT' | 'SIGTERM'): number {
  return signal === 'SIGTERM' ? EXIT.sigterm : EXIT.sigint;
}

/**
 * Errors the JavaScript runtime raises on a bug of ours (a call on undefined, an index out of range…).
 * Every other error was raised on purpose, with a message written for the user (a flag, a file, a lock,
 * the provider): it is one line, without a stack trace.
 */
const INTERNAL_ERRORS: ReadonlySet<string> = new Set([
  'TypeError',
  'ReferenceError',
  'RangeError',
  'SyntaxError',
  'EvalError',
  'URIError',
  'AssertionError',
  'InternalError',
]);

/** True for an error that is a bug of ours rather than a problem with the user's input or environment. */
export function isInternalError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  // A JSON.parse SyntaxError that reached here unwrapped is still a bug: readers wrap theirs with the file.
  return INTERNAL_ERRORS.has(e.constructor?.name ?? e.name) || INTERNAL_ERRORS.has(e.name);
}

/** The exit status for an error that stopped a command. */
export function exitCodeOf(e: unknown): number {
  const name = e instanceof Error ? e.name : '';
  if (name === 'LockedError') return EXIT.locked;
  if (name === 'FatalProviderError') return EXIT.provider;
  if (isInternalError(e)) return EXIT.internal;
  return EXIT.input;
}

const kebab = (k: string) => k.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`);

/** A library parameter as the CLI's flag: `modelFile` → `--model-file`. */
export const flagOf = (param: string): string => `--${kebab(param)}`;

/** The message of an error in the CLI's words: an error that names parameters (a ParameterError…) names their flags. */
export function cliMessage(e: unknown, nameOf: (param: string) => string = flagOf): string {
  return renderMessage(e, nameOf);
}

export interface ReportOptions {
  /** Print the stack trace. */
  verbose: boolean;
  /** Writes to stderr (a line without its newline is completed). */
  write: (text: string) => void;
  /** Before the message: "marginlab: " (scripts/cli.ts), "error: " (forecast, score). */
  prefix: string;
  /** How a parameter of a ParameterError is named (default: its flag). */
  nameOf?: (param: string) => string;
}

/**
 * Prints an error that stopped a command and returns its exit status. A user's error is one line; an
 * internal error adds a line saying to rerun with --verbose; the stack trace only with `verbose`.
 */
export function reportError(e: unknown, o: ReportOptions): number {
  o.write(`${o.prefix}${cliMessage(e, o.nameOf)}\n`);
  if (o.verbose && e instanceof Error && e.stack) o.write(`${e.stack}\n`);
  else if (isInternalError(e)) o.write('(an internal error: rerun with --verbose for the stack trace, and report it)\n');
  return exitCodeOf(e);
}
