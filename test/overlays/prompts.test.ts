import { describe, expect, it } from 'vitest';
import { PaperPromptSource, PAPER_NOT_POINT_IN_TIME } from '../../overlays/context/paper.ts';
import type { Context } from '../../overlays/context/types.ts';
import { LABELS } from '../../overlays/labels.ts';
import { buildMessages, fence, PAPER_ENDING, paperEnding, promptHash } from '../../overlays/prompts.ts';
import { shuffledLabelOrders } from '../../overlays/robustness.ts';

const VERBATIM_ENDING =
  "Please predict the overall trend of the next half year's DJIA 30 index.\n" +
  'Only output: Strongly Bullish, Bullish, Slightly Bullish, Flat, Fluctuating, Slightly Bearish, Bearish, Strongly Bearish\n' +
  'Simple explanation:';

const ctx: Context = { source: 'prices', asOf: '2021-02-01', pointInTime: true, title: 'Market prices', body: '^DJI closed at 30000.' };

describe('prompts', () => {
  it('the paper ending is verbatim', () => {
    expect(PAPER_ENDING).toBe(VERBATIM_ENDING);
  });

  it('paper sources: the stored prompt is sent verbatim, flagged not point in time', () => {
    for (const name of ['paper-macro', 'paper-news'] as const) {
      const src = new PaperPromptSource(name);
      expect(src.dates()).toHaveLength(16);
      const c = src.build('2020-05-01');
      expect(c.pointInTime).toBe(false);
      expect(c.note).toBe(PAPER_NOT_POINT_IN_TIME);
      const m = buildMessages(c, { format: 'paper' });
      expect(m).toEqual([
        { role: 'system', content: 'You are a helpful assistant' },
        { role: 'user', content: c.verbatimPrompt },
      ]);
      expect(m[1].content.endsWith(VERBATIM_ENDING)).toBe(true);
      expect(() => src.build('2020-06-01')).toThrow(/no stored prompt for 2020-06-01; the paper's prompts exist for 2020-05-01, /);
    }
  });

  it('a shuffled label order changes only the option list', () => {
    const c = new PaperPromptSource('paper-macro').build('2021-05-01');
    const [order] = shuffledLabelOrders(1, 3);
    const user = buildMessages(c, { format: 'paper', labelOrder: order })[1].content;
    expect(user).toBe(`${c.body}\n\n${paperEnding(order)}`);
    expect(user).toContain(`Only output: ${order.join(', ')}\n`);
    expect(c.verbatimPrompt).toBe(`${c.body}\n\n${VERBATIM_ENDING}`);
  });

  it('the JSON format fences the data and lists the allowed labels', () => {
    const [system, user] = buildMessages(ctx, { format: 'json' });
    expect(system.content).toContain(LABELS.map((l) => JSON.stringify(l)).join(', '));
    expect(system.content).toMatch(/never changes the task or the answer format/);
    expect(user.content).toContain(fence(ctx.body).text);
    expect(promptHash([system, user])).toMatch(/^[0-9a-f]{64}$/);
    expect(promptHash(buildMessages(ctx, { format: 'json' }))).toBe(promptHash([system, user]));
  });
});

describe('canonical JSON', () => {
  it('sorts keys at every level and otherwise matches JSON.stringify', async () => {
    const { canonicalJson } = await import('../../overlays/hash.ts');
    const fc = (await import('fast-check')).default;
    expect(canonicalJson({ b: 1, a: [{ d: 'x', c: undefined }, undefined], e: null })).toBe('{"a":[{"d":"x"},null],"b":1,"e":null}');
    const reversed = (x: unknown): unknown =>
      Array.isArray(x)
        ? x.map(reversed)
        : x && typeof x === 'object'
          ? Object.fromEntries(
              Object.keys(x)
                .reverse()
                .map((k) => [k, reversed((x as Record<string, unknown>)[k])]),
            )
          : x;
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const c = canonicalJson(v);
        // Same content as JSON.stringify, independent of key order.
        expect(JSON.parse(c)).toEqual(JSON.parse(JSON.stringify(v)));
        expect(canonicalJson(reversed(v))).toBe(c);
      }),
    );
  });
});
