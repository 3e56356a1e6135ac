import { expect } from 'vitest';

/**
 * A small well-formedness check: every tag is closed in order (a stack), attributes are quoted, there
 * is exactly one root <svg>, and no text outside it. Not a full XML parser, but it catches the mistakes
 * a string-built SVG can make (unclosed tags, unescaped < or & in text, NaN coordinates).
 */
export function checkXml(svg: string): Map<string, number> {
  const counts = new Map<string, number>();
  const stack: string[] = [];
  const tagRe = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  let roots = 0;
  for (let m = tagRe.exec(svg); m; m = tagRe.exec(svg)) {
    const between = svg.slice(last, m.index);
    expect(between).not.toMatch(/[<>]/);
    expect(between).not.toMatch(/&(?!(amp|lt|gt|quot|apos);)/);
    if (stack.length === 0) expect(between.trim()).toBe('');
    last = tagRe.lastIndex;
    const [, closing, name, , selfClosing] = m;
    if (closing) {
      expect(stack.pop()).toBe(name);
    } else {
      counts.set(name, (counts.get(name) ?? 0) + 1);
      if (stack.length === 0) roots++;
      if (!selfClosing) stack.push(name);
    }
  }
  expect(svg.slice(last).trim()).toBe('');
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
  expect(svg.trimStart().startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  expect(svg).not.toMatch(/NaN|Infinity|undefined/);
  return counts;
}
