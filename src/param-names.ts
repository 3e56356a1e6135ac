/**
 * Library errors speak of parameters, not flags. An error of any class (a ConfigurationError, a
 * FatalProviderError…, whose class decides the exit status) can carry the parameters its message names:
 * its `message` names them by their option keys (`modelFile`, `dates`), and a front end renders it with
 * its own names (the CLI: `--model-file`, `--dates`). ParameterError (src/parameter-error.ts) is the
 * plain kind of such an error.
 */
export type NameOf = (param: string) => string;

export interface NamesParameters {
  readonly params: readonly string[];
  render(nameOf: NameOf): string;
}

/** `error` with its message written by `template` (parameters named by their keys), renderable with other names. */
export function naming<E extends Error>(error: E, params: readonly string[], template: (nameOf: NameOf) => string): E & NamesParameters {
  const e = error as E & { params: readonly string[]; render: (nameOf: NameOf) => string };
  e.message = template((k) => k);
  if (e.stack) e.stack = e.stack.replace(/^.*$/m, `${e.name}: ${e.message}`);
  Object.defineProperty(e, 'params', { value: params, enumerable: false });
  Object.defineProperty(e, 'render', { value: template, enumerable: false });
  return e;
}

/** True for an error that can name its parameters otherwise (a ParameterError, or one made by `naming`). */
export function namesParameters(e: unknown): e is Error & NamesParameters {
  return e instanceof Error && typeof (e as Partial<NamesParameters>).render === 'function' && Array.isArray((e as Partial<NamesParameters>).params);
}

/** The message of `e` with its parameters named by `nameOf` (any other error: its message). */
export function renderMessage(e: unknown, nameOf: NameOf): string {
  if (namesParameters(e)) return e.render(nameOf);
  return e instanceof Error ? e.message : String(e);
}
