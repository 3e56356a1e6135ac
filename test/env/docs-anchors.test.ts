/**
 * Comments cite docs/mechanics.md by section (`docs/mechanics.md#terminal-re-margin`): every cited
 * section, and every link inside the page, must exist, so that renaming a heading cannot silently
 * orphan the comments that explain the code.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const PAGE = readFileSync(join(ROOT, 'docs', 'mechanics.md'), 'utf8');

/** GitHub's heading slug: lower case, punctuation dropped, spaces to hyphens. */
const slug = (h: string) =>
  h
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .replace(/\s/g, '-');
const anchors = new Set(
  PAGE.split('\n')
    .filter((l) => /^#{1,6} /.test(l))
    .map((l) => slug(l.replace(/^#+ /, ''))),
);

function tsFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) tsFiles(p, out);
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

describe('docs/mechanics.md anchors', () => {
  it('every heading has a distinct anchor', () => {
    const headings = PAGE.split('\n').filter((l) => /^#{1,6} /.test(l));
    expect(anchors.size).toBe(headings.length);
  });

  it('every section the code cites exists', () => {
    const missing: string[] = [];
    let cited = 0;
    for (const dir of ['env', 'src', 'overlays', 'agents', 'scripts', 'test']) {
      for (const f of tsFiles(join(ROOT, dir))) {
        for (const m of readFileSync(f, 'utf8').matchAll(/docs\/mechanics\.md#([\w-]+)/g)) {
          cited++;
          if (!anchors.has(m[1])) missing.push(`${f.slice(ROOT.length + 1)}: #${m[1]}`);
        }
      }
    }
    expect(missing).toEqual([]);
    expect(cited).toBeGreaterThan(10);
  });

  it('every link inside the page exists', () => {
    const missing = [...PAGE.matchAll(/\]\(#([\w-]+)\)/g)].map((m) => m[1]).filter((a) => !anchors.has(a));
    expect(missing).toEqual([]);
  });
});
