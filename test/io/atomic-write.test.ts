/**
 * src/atomic.ts writeFileAtomic: whole file or nothing, temp names unique across hosts, nothing left over.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/atomic.ts';

const dir = mkdtempSync(join(tmpdir(), 'marginlab-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('replaces the file whole and leaves no temp file', () => {
    const path = join(dir, 'config.json');
    writeFileSync(path, 'old');
    writeFileAtomic(path, '{"a":1}\n');
    writeFileAtomic(path, new Uint8Array([0x7b, 0x7d]));
    expect(readFileSync(path, 'utf8')).toBe('{}');
    expect(readdirSync(dir)).toEqual(['config.json']);
  });

  it('many writes in a row never collide on a temp name (random part, not the clock)', () => {
    const path = join(dir, 'metrics.jsonl');
    for (let i = 0; i < 200; i++) writeFileAtomic(path, `${i}\n`);
    expect(readFileSync(path, 'utf8')).toBe('199\n');
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('a failed write leaves the old file and no temp file', () => {
    const path = join(dir, 'missing-folder', 'x.json');
    expect(() => writeFileAtomic(path, 'x')).toThrow(/ENOENT/);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});
