/**
 * An error caused by a caller's input (a parameter, a run folder, a file it named), raised by library
 * code. The message speaks of parameters by their config keys (`trade`, `freqMonths`); a front end that
 * names them otherwise (the CLI's `--trade`, `--freq`) re-renders it with `render(nameOf)`.
 */
export class ParameterError extends Error {
  override readonly name = 'ParameterError';
  /** The config keys the message speaks of, the first being the one at fault (none: no single parameter). */
  readonly params: readonly string[];
  private readonly template: (nameOf: (key: string) => string) => string;

  constructor(params: readonly string[], message: string | ((nameOf: (key: string) => string) => string)) {
    const template = typeof message === 'string' ? () => message : message;
    super(template((k) => k));
    this.params = params;
    this.template = template;
  }

  /** The parameter at fault, if any. */
  get param(): string | undefined {
    return this.params[0];
  }

  /** The message with every parameter named by `nameOf` (e.g. its flag). */
  render(nameOf: (key: string) => string): string {
    return this.template(nameOf);
  }
}

/** Runs `f`, turning any error it throws into a ParameterError about `params` (message kept). */
export function asParameterError<T>(params: readonly string[], f: () => T, prefix?: (nameOf: (key: string) => string) => string): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ParameterError && !prefix) throw e;
    const msg = e instanceof ParameterError ? e : (e as Error).message;
    throw new ParameterError(params, (n) => `${prefix ? prefix(n) : ''}${typeof msg === 'string' ? msg : msg.render(n)}`);
  }
}
