/**
 * A news file that is well-formed but meaningless is refused, naming the file: empty (or only blank lines,
 * or a header without rows), not UTF-8 (Latin-1, UTF-16, binary), inside gzip too. Before any date runs.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { registerForecastCommand, type CommandIo } from '../../scripts/commands/forecast.ts';
import { loadNews } from '../../src/data/news.ts';

const dir = mkdtempSync(join(tmpdir(), 'marginlab-news-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}
const esc = (p: string) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('news files that say nothing', () => {
  it('empty, blank lines only, or a header without rows: an error naming the file', () => {
    const cases: [string, string | Buffer, RegExp][] = [
      ['empty.csv', '', /the news file is empty; expected at least one item with date and text/],
      ['empty.jsonl', '', /the news file is empty/],
      ['blank.jsonl', '\n\n  \n', /the news file holds only blank lines/],
      ['header.csv', 'date,text\n', /the news file holds no news items \(a header without rows\?\)/],
      ['empty.csv.gz', gzipSync(Buffer.alloc(0)), /the news file is empty/],
    ];
    for (const [name, content, message] of cases) {
      const p = file(name, content);
      expect(() => loadNews(p), name).toThrow(new RegExp(`^${esc(p)}: ${message.source}`));
    }
  });

  it('not UTF-8: Latin-1, UTF-16 with or without a byte-order mark, binary: an error naming the file and where', () => {
    const latin1 = Buffer.concat([Buffer.from('date,text\n2020-04-01,Soci'), Buffer.from([0xe9, 0x74, 0xe9]), Buffer.from(' G\n')]);
    const p1 = file('latin1.csv', latin1);
    expect(() => loadNews(p1)).toThrow(new RegExp(`^${esc(p1)}: the news file is not UTF-8 \\(invalid byte 0xe9 at byte offset 25\\); expected UTF-8 text`));
    const p2 = file('utf16.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('date,text\n2020-04-01,x\n', 'utf16le')]));
    expect(() => loadNews(p2)).toThrow(new RegExp(`^${esc(p2)}: the news file is UTF-16 \\(byte-order mark ff fe\\); expected UTF-8`));
    const p3 = file('utf16-nobom.jsonl', Buffer.from('{"date":"2020-04-01","text":"x"}\n', 'utf16le'));
    expect(() => loadNews(p3)).toThrow(new RegExp(`^${esc(p3)}: the news file contains NUL bytes`));
    const p4 = file('binary.jsonl.gz', gzipSync(Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d, 0x0a])));
    expect(() => loadNews(p4)).toThrow(new RegExp(`^${esc(p4)}: the news file is not UTF-8 \\(invalid byte 0xc3 at byte offset 2\\)`));
    const p5 = file('truncated.csv', Buffer.concat([Buffer.from('date,text\n2020-04-01,caf'), Buffer.from([0xc3])]));
    expect(() => loadNews(p5)).toThrow(/the news file is not UTF-8 \(invalid byte 0xc3 at byte offset 24\)/);
  });

  it('valid UTF-8 (with a byte-order mark, accents, gzip) still loads', () => {
    const p = file('ok.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('date,text\n2020-04-01,Société Générale rises\n')]));
    expect(loadNews(p).items.map((i) => i.text)).toEqual(['Société Générale rises']);
    const j = file('ok.jsonl.gz', gzipSync(Buffer.from('\ufeff{"date":"2020-04-01","text":"Zürich"}\n')));
    expect(loadNews(j).items.map((i) => i.text)).toEqual(['Zürich']);
  });

  it('the forecast command stops before any date, with exit 1 and the file named', async () => {
    const news = file('empty-news.csv', 'date,text\n');
    const out = join(dir, 'out', 'news.jsonl');
    let stderr = '';
    const io: CommandIo = { stdout: () => {}, stderr: (t) => void (stderr += t), isTTY: false };
    const program = new Command('marginlab').exitOverride();
    registerForecastCommand(program, io);
    const saved = process.exitCode;
    process.exitCode = 0;
    await program.parseAsync(['node', 'marginlab', 'forecast', '--source', 'news', '--provider', 'constant', '--news', news, '--out', out]);
    const code = process.exitCode;
    process.exitCode = saved;
    expect(code).toBe(1);
    expect(stderr).toMatch(new RegExp(`^error: ${esc(news)}: the news file holds no news items`, 'm'));
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.lock`)).toBe(false);
  });
});
