/**
 * Commander flags made from a zod object schema: one `--kebab-name <value>` per key, its help text from
 * `.describe()`, its default and allowed values from the schema (never repeated in the command file).
 * `--config FILE` (JSON, camelCase keys) is read once; explicit flags override it; a zod issue is reported
 * with the flag (or config key) that caused it and what it accepts.
 */
import type { Command } from 'commander';
import type { z } from 'zod';
import { readConfigFile, UserError } from './errors.ts';

type AnyObject = z.ZodObject<z.ZodRawShape>;

interface FieldInfo {
  key: string;
  flag: string;
  kind: 'number' | 'integer' | 'string' | 'boolean' | 'enum' | 'list' | 'json';
  nullable: boolean;
  choices?: readonly string[];
  defaultValue?: unknown;
  description: string;
}

const kebab = (k: string) => k.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`);

function describeField(key: string, schema: z.ZodType): FieldInfo {
  let t = schema as unknown as { description?: string; _zod: { def: Record<string, unknown> } };
  const description = t.description ?? '';
  let nullable = false;
  let defaultValue: unknown;
  for (;;) {
    const def = t._zod.def;
    if (def.type === 'default') defaultValue = def.defaultValue;
    if (def.type === 'nullable') nullable = true;
    if (def.type === 'default' || def.type === 'optional' || def.type === 'nullable') {
      t = def.innerType as typeof t;
      continue;
    }
    break;
  }
  const def = t._zod.def;
  let kind: FieldInfo['kind'] = 'json';
  let choices: readonly string[] | undefined;
  if (def.type === 'number') kind = (t as unknown as { isInt?: boolean }).isInt ? 'integer' : 'number';
  else if (def.type === 'string') kind = 'string';
  else if (def.type === 'boolean') kind = 'boolean';
  else if (def.type === 'enum') {
    kind = 'enum';
    choices = Object.values(def.entries as Record<string, string>);
  } else if (def.type === 'array') {
    const el = (def.element as typeof t)._zod.def.type;
    kind = el === 'string' || el === 'enum' ? 'list' : 'json';
  }
  return { key, flag: kebab(key), kind, nullable, choices, defaultValue, description };
}

export function schemaFields(schema: AnyObject): FieldInfo[] {
  return Object.entries(schema.shape).map(([k, v]) => describeField(k, v as z.ZodType));
}

function helpText(f: FieldInfo): string {
  const parts = [f.description];
  if (f.choices && !f.description.includes(f.choices.join(' | '))) parts.push(`(${f.choices.join(' | ')})`);
  if (f.nullable) parts.push('("off" for none)');
  if (f.kind === 'list') parts.push('(comma-separated)');
  if (f.kind === 'json') parts.push('(JSON)');
  if (f.defaultValue !== undefined && !(Array.isArray(f.defaultValue) && f.defaultValue.length === 0)) {
    parts.push(`[default: ${Array.isArray(f.defaultValue) ? f.defaultValue.join(',') : f.defaultValue === null ? 'off' : String(f.defaultValue)}]`);
  }
  return parts.filter(Boolean).join(' ');
}

/** Adds one option per schema key (except `skip`) and `--config`. */
export function addSchemaOptions(cmd: Command, schema: AnyObject, opts: { skip?: string[] } = {}): Command {
  for (const f of schemaFields(schema)) {
    if (opts.skip?.includes(f.key)) continue;
    if (f.kind === 'boolean') cmd.option(`--${f.flag} [bool]`, helpText(f));
    else cmd.option(`--${f.flag} <value>`, helpText(f));
  }
  cmd.option('--config <file>', 'JSON file with any of these settings (camelCase keys); explicit flags win');
  return cmd;
}

function parseFlag(f: FieldInfo, raw: unknown): unknown {
  if (raw === undefined) return undefined;
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
      if (s.trim() === '' || !Number.isFinite(v)) throw new UserError(`--${f.flag}: expected ${f.kind === 'integer' ? 'an integer' : 'a number'}${f.nullable ? ' or "off"' : ''}, got "${s}"`);
      return v;
    }
    case 'enum':
    case 'string':
      return s;
    case 'list':
      return s.split(',').map((x) => x.trim()).filter(Boolean);
    case 'json':
      try {
        return JSON.parse(s);
      } catch (e) {
        throw new UserError(`--${f.flag}: expected JSON, got "${s}" (${(e as Error).message})`);
      }
  }
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
): z.infer<S> {
  const fields = schemaFields(schema);
  const configPath = typeof o.config === 'string' ? o.config : undefined;
  const fromFile = configPath ? readConfigFile(configPath) : {};
  const flags: Record<string, unknown> = {};
  const fromCli = new Set<string>();
  for (const f of fields) {
    const camel = f.flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
    if (cmd.getOptionValueSource(camel) === 'cli' && o[camel] !== undefined) {
      flags[f.key] = parseFlag(f, o[camel]);
      fromCli.add(f.key);
    }
  }
  const parsed = schema.safeParse(prepare({ ...fromFile, ...extra, ...flags }));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue.path[0] ?? '');
    const f = fields.find((x) => x.key === key);
    const allowed = f?.choices ? ` (allowed: ${f.choices.join(', ')})` : '';
    if (issue.code === 'unrecognized_keys') {
      const keys = (issue as unknown as { keys: string[] }).keys;
      throw new UserError(`${configPath ? `--config ${configPath}` : 'config'}: unknown key${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')} (known: ${fields.map((x) => x.key).join(', ')})`);
    }
    const where = fromCli.has(key) || !configPath || !(key in fromFile) ? `--${f?.flag ?? kebab(key)}` : `--config ${configPath}: "${issue.path.join('.')}"`;
    throw new UserError(`${where}: ${issue.message}${allowed}`);
  }
  return parsed.data;
}
