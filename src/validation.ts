/**
 * The one formatter of validation errors (zod issues), used by the library's readers (records, files,
 * configs) and by the CLI layer: every message says `field: problem`, a file's adds `file:line: ` in
 * front, a flag's names the flag (or config key) and the values allowed.
 *
 *   formatIssues(error)                      → "score: Too big: expected number to be <=3; label: Required"
 *   formatIssues(error, { first: true })     → the first problem only
 *   formatIssue(issue, { quote: true })      → "\"a.b\": problem"
 */
import type { z } from 'zod';

export type ValidationIssue = z.core.$ZodIssue;

export interface IssueStyle {
  /** What an issue without a path is about (the value itself): "(record)", "(answer)", "spec"… */
  whole?: string;
  /** Quote the field: `"a.b": problem` (config keys) rather than `a.b: problem`. */
  quote?: boolean;
  /** Words before the field: `option "a"` (`label: 'option'`). */
  label?: string;
}

/** The field an issue is about, as words: `a.b.0`, or `whole` when it has no path. */
export function issueField(issue: Pick<ValidationIssue, 'path'>, style: IssueStyle = {}): string {
  if (issue.path.length === 0) return style.whole ?? '(record)';
  const path = issue.path.map(String).join('.');
  const field = style.quote ? `"${path}"` : path;
  return style.label ? `${style.label} ${field}` : field;
}

/** One issue as `field: problem`. */
export function formatIssue(issue: ValidationIssue, style: IssueStyle = {}): string {
  return `${issueField(issue, style)}: ${issue.message}`;
}

/** One `field: problem` per issue. */
export function fieldProblems(error: z.ZodError, whole = '(record)'): string[] {
  return error.issues.map((i) => formatIssue(i, { whole }));
}

/** Every issue (or only the first) as `field: problem`, joined by `; `. */
export function formatIssues(error: z.ZodError, style: IssueStyle & { first?: boolean; separator?: string } = {}): string {
  const issues = style.first ? error.issues.slice(0, 1) : error.issues;
  return issues.map((i) => formatIssue(i, style)).join(style.separator ?? '; ');
}

/** The first issue of an error (zod never fails without one). */
export function firstIssue(error: z.ZodError): ValidationIssue {
  return error.issues[0];
}

/** `unknown key "a"` / `unknown keys "a", "b"` for an unrecognized_keys issue (else null). */
export function unknownKeysProblem(issue: ValidationIssue): string | null {
  if (issue.code !== 'unrecognized_keys') return null;
  const keys = issue.keys;
  return `unknown key${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}`;
}

/** A flag's (or a config key's) problem with the values it allows: `--x: problem (allowed: a, b)`. */
export function flagProblem(where: string, problem: string, allowed?: readonly string[]): string {
  return `${where}: ${problem}${allowed ? ` (allowed: ${allowed.join(', ')})` : ''}`;
}
