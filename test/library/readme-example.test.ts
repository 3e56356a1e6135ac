/**
 * The library example of the documentation is a test: its code block (the one after the marker comment)
 * is written to a temporary .ts file inside the repository, so that `import … from 'marginlab'` resolves
 * through package.json "exports", imported in-process, and its output checked line by line.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';

/** Where the example lives: the README's "Use it as a library". */
const DOC = 'README.md';
const MARKER = '<!-- example: run as a test by test/library/readme-example.test.ts -->';

function exampleCode(): string {
  const text = readFileSync(DOC, 'utf8');
  const at = text.indexOf(MARKER);
  if (at < 0) throw new Error(`${DOC}: no line "${MARKER}" before the example's code block`);
  const m = /```ts\n([\s\S]*?)\n```/.exec(text.slice(at));
  if (!m) throw new Error(`${DOC}: no \`\`\`ts code block after the marker`);
  return m[1];
}

describe(`the library example (${DOC})`, () => {
  const file = resolve('test/library', `.readme-example-${process.pid}.ts`);
  afterEach(() => {
    rmSync(file, { force: true });
    vi.restoreAllMocks();
  });

  it('is about 20 lines and imports only from the package root', () => {
    const code = exampleCode();
    const lines = code.split('\n').filter((l) => l.trim() && !l.trim().startsWith('//'));
    expect(lines.length).toBeLessThanOrEqual(20);
    const imports = [...code.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    expect(imports).toEqual(['marginlab']);
  });

  it('runs to the end and prints the expected lines', async () => {
    writeFileSync(file, exampleCode() + '\n');
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void out.push(args.join(' ')));
    await import(pathToFileURL(file).href);
    const pct = String.raw`-?\d+\.\d%`;
    const metricLine = (name: string) => new RegExp(String.raw`^${name}: annual return ${pct}, Sharpe -?\d+\.\d\d, max drawdown ${pct}$`);
    expect(out).toHaveLength(5);
    expect(out[0]).toBe('observation 278 values, reward -0.0077, equity $999923');
    expect(out[1]).toMatch(/^trained 512 steps in 2 updates on (wasm|cpu|tensorflow)$/);
    expect(out[2]).toMatch(metricLine('PPO'));
    // The strategy and the benchmark do not depend on the backend: the documented numbers exactly.
    expect(out[3]).toBe('MVO: annual return -2.7%, Sharpe -0.02, max drawdown -18.2%');
    expect(out[4]).toBe('DJIA: annual return -6.1%, Sharpe -0.26, max drawdown -18.8%');
    // The documented output is what it printed (PPO's line aside).
    const doc = readFileSync(DOC, 'utf8');
    for (const line of [out[0], out[3], out[4]]) expect(doc).toContain(line);
  });
});
