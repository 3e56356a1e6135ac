/**
 * Commander flags made from a zod object schema: one `--kebab-name <value>` per key, its help text from
 * `.describe()`, its default and allowed values from the schema (never repeated in the command file).
 * `--config FILE` (JSON, camelCase keys) is read once; explicit flags override it; a zod issue is reported
 * with the flag (or config key) that caused it and what it accepts. Library ParameterErrors (which speak of
 * config keys) are re-rendered with the flags by `asUserError`.
 */
import type { Command } from 'commander';
import type { z } from 'zod';
import { ParameterError } from '../src/parameter-error.ts';
import { readConfigFile, UserError } from './errors.ts';

type AnyObject = z.ZodObject<z.ZodRawShape>;

/** How one field is spelled on the command line when the schema alone does not say it. */
export interface FieldFlag {
  /** Flag name without dashes (default: the key in kebab case), e.g. `freq` for `freqMonths`. */
  flag?: string;
  /** The value placeholder: `<list>`, or `[spec]` for an optional value. */
  value?: string;
  /** Turns the flag's text into the field's value (errors: throw, naming the flag). */
  parse?: (raw: string | boolean, flag: string) => unknown;
  /** Help text after the schema's description (e.g. the flag's own syntax). */
  help?: string;
}
export type FieldFlags = Record<string, FieldFlag>;

export interface FieldInfo {
  key: string;
  flag: string;
  kind: 'number' | 'integer' | 'string' | 'boolean' | 'enum' | 'list' | 'json';
  nullable: boolean;
  /** Required: no default and not optional. */
  required: boolean;
  /** Allowed values (of the field, or of a list's elements). */
  choices?: readonly string[];
  /** The choices are numbers (a union of number literals). */
  numericChoices?: boolean;
  defaultValue?: unknown;
  description: string;
  custom?: FieldFlag;
}

const kebab = (k: string) => k.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`);
const camelOf = (flag: string) => flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

type Node = { description?: string; _zod: { def: Record<string, unknown> } };

function choicesOf(t: Node): { choices?: string[]; numeric?: boolean } {
  const def = t._zod.def;
  if (def.type === 'enum') return { choices: Object.values(def.entries as Record<string, string>).map(String) };
  if (def.type === 'union') {
    const opts = def.options as Node[];
    const values = opts.map((o) => (o._zod.def.type === 'literal' ? (o._zod.def.values as unknown[]) : null));
    if (values.every((v) => v !== null)) {
      const flat = values.flat() as unknown[];
      return { choices: flat.map(String), numeric: flat.every((v) => typeof v === 'number') };
    }
  }
  return {};
}

function describeField(key: string, schema: z.ZodType, custom?: FieldFlag): FieldInfo {
  let t = schema as unknown as Node;
  const description = t.description ?? '';
  let nullable = false;
  let optional = false;
  let defaultValue: unknown;
  for (;;) {
    const def = t._zod.def;
    if (def.type === 'default') defaultValue = def.defaultValue;
    if (def.type === 'nullable') nullable = true;
    if (def.type === 'optional') optional = true;
    if (def.type === 'default' || def.type === 'optional' || def.type === 'nullable') {
      t = def.innerType as Node;
      continue;
    }
    break;
  }
  const def = t._zod.def;
  let kind: FieldInfo['kind'] = 'json';
  let { choices, numeric } = choicesOf(t);
  if (def.type === 'number') kind = (t as unknown as { isInt?: boolean }).isInt ? 'integer' : 'number';
  else if (def.type === 'string') kind = 'string';
  else if (def.type === 'boolean') kind = 'boolean';
  else if (choices) kind = 'enum';
  else if (def.type === 'array') {
    const el = def.element as Node;
    const elType = el._zod.def.type;
    kind = elType === 'string' || elType === 'enum' ? 'list' : 'json';
    ({ choices, numeric } = choicesOf(el));
  }
  return {
    key,
    flag: custom?.flag ?? kebab(key),
    kind,
    nullable,
    required: defaultValue === undefined && !optional,
    choices,
    numericChoices: numeric,
    defaultValue,
    description,
    custom,
  };
}

export function schemaFields(schema: AnyObject, custom: FieldFlags = {}): FieldInfo[] {
  return Object.entries(schema.shape).map(([k, v]) => describeField(k, v as z.ZodType, custom[k]));
}

function showDefault(f: FieldInfo): string | null {
  const d = f.defaultValue;
  if (d === undefined) return null;
  if (Array.isArray(d)) return d.length === 0 ? 'none' : d.join(',');
  if (d === null) return 'off';
  if (typeof d === 'object') return JSON.stringify(d);
  return String(d);
}

/** The help line of a field: its description, allowed values, syntax and default. */
export function helpText(f: FieldInfo): string {
  const parts = [f.description];
  if (f.custom?.help) parts.push(f.custom.help);
  if (f.choices && !f.description.includes(f.choices.join(' | '))) parts.push(`(${f.choices.join(' | ')})`);
  if (f.nullable) parts.push('("off" for none)');
  if (f.kind === 'list' && !f.custom?.parse) parts.push('(comma-separated; "none" for none)');
  if (f.kind === 'json' && !f.custom?.parse) parts.push('(JSON)');
  if (f.required) parts.push('(required)');
  const d = showDefault(f);
  if (d !== null) parts.push(`[default: ${d}]`);
  return parts.filter(Boolean).join(' ');
}

/** Adds one option per schema key (except `skip`) and `--config`. */
export function addSchemaOptions(cmd: Command, schema: AnyObject, opts: { skip?: string[]; flags?: FieldFlags } = {}): Command {
  for (const f of schemaFields(schema, opts.flags)) {
    if (opts.skip?.includes(f.key)) continue;
    const value = f.custom?.value ?? (f.kind === 'boolean' ? '[bool]' : '<value>');
    cmd.option(`--${f.flag} ${value}`, helpText(f));
  }
  cmd.option('--config <file>', 'JSON file with any of these settings (camelCase keys); explicit flags win');
  return cmd;
}

function parseFlag(f: FieldInfo, raw: unknown): unknown {
  if (raw === undefined) return undefined;
  if (f.custom?.parse) return f.custom.parse(raw as string | boolean, `--${f.flag}`);
  const s = String(raw);
  if (f.nullable && (s === 'off' || s === 'none' || s === 'null')) return null;
  switch (f.kind) {
    case 'boolean':
      if (raw === true || s === 'true' || s === '1' || s === 'yes') return true;
      if (s === 'false' || s === '0' || s === 'no') return false;
      throw new UserError(`--${f.flag}: expected true or false, got "${s}"`);
    case 'number':
    case 'integer': {
      const v = Number(s);
      if (s.trim() === '' || !Number.isFinite(v))
        throw new UserError(`--${f.flag}: expected ${f.kind === 'integer' ? 'an integer' : 'a number'}${f.nullable ? ' or "off"' : ''}, got "${s}"`);
      return v;
    }
    case 'enum':
      return f.numericChoices && s.trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : s;
    case 'string':
      return s;
    case 'list':
      return s.trim() === 'none'
        ? []
        : s
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean);
    case 'json':
      try {
        return JSON.parse(s);
      } catch (e) {
        throw new UserError(`--${f.flag}: expected JSON, got "${s}" (${(e as Error).message})`);
      }
  }
}

/** Whether the field's flag was given on the command line. */
export function givenOnCli(cmd: Command, f: Pick<FieldInfo, 'flag'>): boolean {
  return cmd.getOptionValueSource(camelOf(f.flag)) === 'cli';
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

/**
 * The validated config of a command: `--config` file values, then explicit flags, through the schema.
 * Errors name the flag (or the config file and key) and what the schema accepts.
 */
export function parseSchemaOptions<S extends AnyObject>(
  schema: S,
  o: Record<string, unknown>,
  cmd: Command,
  extra: Record<string, unknown> = {},
  /** Fills settings a named preset implies before the schema's defaults (e.g. a strategy's). */
  prepare: (raw: Record<string, unknown>) => Record<string, unknown> = (r) => r,
  flagSpec: FieldFlags = {},
): z.infer<S> {
  const fields = schemaFields(schema, flagSpec);
  const configPath = typeof o.config === 'string' ? o.config : undefined;
  const fromFile = configPath ? readConfigFile(configPath) : {};
  const flags: Record<string, unknown> = {};
  const fromCli = new Set<string>();
  for (const f of fields) {
    const camel = camelOf(f.flag);
    if (cmd.getOptionValueSource(camel) === 'cli' && o[camel] !== undefined) {
      flags[f.key] = parseFlag(f, o[camel]);
      fromCli.add(f.key);
    }
  }
  const input = prepare({ ...fromFile, ...extra, ...flags });
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue.path[0] ?? '');
    const f = fields.find((x) => x.key === key);
    if (issue.code === 'unrecognized_keys') {
      const keys = (issue as unknown as { keys: string[] }).keys;
      throw new UserError(
        `${configPath ? `--config ${configPath}` : 'config'}: unknown key${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')} (known: ${fields.map((x) => x.key).join(', ')})`,
      );
    }
    const flag = f?.flag ?? kebab(key);
    const renamed = flag !== kebab(key) ? ` (config key "${issue.path.join('.')}")` : '';
    const where = fromCli.has(key) || !configPath || !(key in fromFile) ? `--${flag}${renamed}` : `--config ${configPath}: "${issue.path.join('.')}"`;
    if (f?.required && valueAt(input, issue.path) === undefined) {
      throw new UserError(
        `--${flag}${renamed}: required, not given (give the flag or "${key}" in --config)${f.choices ? ` (allowed: ${f.choices.join(', ')})` : ''}`,
      );
    }
    const badChoice = f?.choices && ['invalid_value', 'invalid_union', 'invalid_type'].includes(issue.code) && (f.kind === 'enum' || issue.path.length > 1);
    if (badChoice) {
      const got = valueAt(input, issue.path);
      throw new UserError(`${where}: expected one of ${f.choices!.join(', ')}; got ${JSON.stringify(got)} (allowed: ${f.choices!.join(', ')})`);
    }
    const allowed = f?.choices ? ` (allowed: ${f.choices.join(', ')})` : '';
    throw new UserError(`${where}: ${issue.message}${allowed}`);
  }
  return parsed.data;
}

/**
 * A library error as the command line shows it: a ParameterError re-rendered with the flags (`trade` →
 * `--trade`, or the flag `flagSpec` names); anything else unchanged.
 */
export function asUserError(e: unknown, flagSpec: FieldFlags = {}): unknown {
  if (e instanceof ParameterError) return new UserError(e.render((k) => `--${flagSpec[k]?.flag ?? kebab(k)}`));
  return e;
}

/** Runs library work, its ParameterErrors shown with the command's flags. */
export async function withFlags<T>(work: () => Promise<T> | T, flagSpec: FieldFlags = {}): Promise<T> {
  try {
    return await work();
  } catch (e) {
    throw asUserError(e, flagSpec);
  }
}
