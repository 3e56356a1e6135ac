import { describe, expect, it } from 'vitest';
import { barChartSvg, dateTicks, lineChartSvg, linearTicks, logTicks } from '../../src/report/svg.ts';
import { checkXml } from './xml-check.ts';

function tradingDays(start: string, n: number): string[] {
  const out: string[] = [];
  const d = new Date(`${start}T00:00:00Z`);
  while (out.length < n) {
    if (d.getUTCDay() % 6 !== 0) out.push(d.toISOString().slice(0, 10));
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return out;
}

describe('lineChartSvg', () => {
  const dates = tradingDays('2020-05-01', 300);
  const grow = (g: number) => dates.map((_, i) => 1e6 * (1 + g) ** i * (1 + 0.01 * Math.sin(i)));

  it('is well-formed with one <path> per series, a legend entry each, and escaped names', () => {
    const svg = lineChartSvg({
      title: 'Equity <with & without>',
      yLabel: 'Account value',
      dates,
      series: [
        { name: 'with LLM', values: grow(0.001) },
        { name: 'without LLM', values: grow(0.0005) },
        { name: 'DJIA "buy & hold"', values: grow(0.0003), dashed: true },
      ],
    });
    const counts = checkXml(svg);
    expect(counts.get('path')).toBe(3);
    expect(svg).toContain('Equity &lt;with &amp; without&gt;');
    expect(svg).toContain('DJIA &quot;buy &amp; hold&quot;');
    expect(svg).toContain('stroke-dasharray');
    // Date ticks fall on quarter starts for a ~14-month series.
    expect(svg).toContain('>2020-07<');
    expect(svg).toContain('>2021-01<');
  });

  it('breaks a line at NaN gaps', () => {
    const v = grow(0.001);
    v[100] = NaN;
    const svg = lineChartSvg({ dates, series: [{ name: 'a', values: v }] });
    checkXml(svg);
    const d = /<path d="([^"]*)"/.exec(svg)![1];
    expect(d.match(/M/g)).toHaveLength(2);
  });

  it('log scale: well-formed, and refuses non-positive values', () => {
    const svg = lineChartSvg({ dates, series: [{ name: 'a', values: grow(0.01) }], logScale: true });
    expect(checkXml(svg).get('path')).toBe(1);
    const bad = grow(0.001);
    bad[7] = 0;
    expect(() => lineChartSvg({ dates, series: [{ name: 'a', values: bad }], logScale: true })).toThrow(
      /log scale needs positive values; series "a" is 0 at 2020-05-12/,
    );
  });

  it('rejects mismatched lengths and empty input', () => {
    expect(() => lineChartSvg({ dates, series: [{ name: 'a', values: [1, 2] }] })).toThrow(/has 2 values for 300 dates/);
    expect(() => lineChartSvg({ dates, series: [] })).toThrow(/no series/);
  });

  it('handles a single day and a flat series', () => {
    checkXml(lineChartSvg({ dates: ['2021-01-04'], series: [{ name: 'a', values: [100] }] }));
    checkXml(lineChartSvg({ dates: dates.slice(0, 5), series: [{ name: 'a', values: [1, 1, 1, 1, 1] }] }));
  });
});

describe('barChartSvg', () => {
  it('draws a bar and an error bar per arm, negative values below zero', () => {
    const svg = barChartSvg({
      title: 'Sharpe ratio (mean, 95% CI)',
      bars: [
        { label: 'without LLM', mean: 0.8, lo: 0.3, hi: 1.3 },
        { label: 'with LLM', mean: 1.4, lo: 0.9, hi: 1.9 },
        { label: 'DJIA', mean: -0.2 },
      ],
    });
    const counts = checkXml(svg);
    // One background rect + three bars.
    expect(counts.get('rect')).toBe(4);
    expect(svg).toContain('>1.400<');
    expect(svg).toContain('>-0.200<');
    // Error bars: a stem and two caps for each of the two arms that have an interval.
    const whiskers = svg.match(/stroke="#222"/g) ?? [];
    expect(whiskers).toHaveLength(6);
  });

  it('formats percent axes and shows n/a for a missing mean', () => {
    const svg = barChartSvg({
      format: 'percent',
      bars: [
        { label: 'a', mean: 0.12, lo: 0.05, hi: 0.19 },
        { label: 'b', mean: NaN },
      ],
    });
    checkXml(svg);
    expect(svg).toContain('>12.00%<');
    expect(svg).toContain('>20%<');
    expect(svg).toContain('>n/a<');
  });
});

describe('ticks', () => {
  it('linear ticks are 1/2/5 steps covering the data', () => {
    const t = linearTicks(-0.137, 0.42);
    expect(t.values).toEqual([-0.2, 0, 0.2, 0.4, 0.6]);
    expect(linearTicks(0, 0).values).toEqual([-1, -0.5, 0, 0.5, 1]);
  });
  it('log ticks use 1-2-5 per decade, or fall back to linear values in a narrow range', () => {
    expect(logTicks(1.2e5, 8e6).values).toEqual([2e5, 5e5, 1e6, 2e6, 5e6]);
    expect(logTicks(0.9, 1.6).values).toEqual([1, 1.2, 1.4, 1.6]);
  });
  it('date ticks pick months, quarters, half-years or years', () => {
    expect(dateTicks(tradingDays('2020-05-01', 130)).map((t) => t.label)).toEqual(['2020-06', '2020-07', '2020-08', '2020-09', '2020-10']);
    expect(dateTicks(tradingDays('2020-05-01', 252)).map((t) => t.label)).toEqual(['2020-07', '2020-10', '2021-01', '2021-04']);
    expect(dateTicks(tradingDays('2020-05-01', 700)).map((t) => t.label)).toEqual(['2020-07', '2021-01', '2021-07', '2022-01', '2022-07', '2023-01']);
    expect(dateTicks(tradingDays('2010-01-01', 2600)).every((t) => /^\d{4}$/.test(t.label))).toBe(true);
    expect(dateTicks(tradingDays('2020-05-01', 7)).length).toBeGreaterThanOrEqual(2);
  });
});

describe('the well-formedness check itself', () => {
  it.each([
    ['an unclosed tag', '<svg xmlns="http://www.w3.org/2000/svg"><g></svg>'],
    ['a bare <', '<svg xmlns="http://www.w3.org/2000/svg"><text>a < b</text></svg>'],
    ['a bare &', '<svg xmlns="http://www.w3.org/2000/svg"><text>a & b</text></svg>'],
    ['a NaN coordinate', '<svg xmlns="http://www.w3.org/2000/svg"><path d="M NaN 1"/></svg>'],
    ['two roots', '<svg xmlns="http://www.w3.org/2000/svg"></svg><svg xmlns="http://www.w3.org/2000/svg"></svg>'],
    ['an unquoted attribute', '<svg xmlns="http://www.w3.org/2000/svg"><line x1=1/></svg>'],
  ])('rejects %s', (_, bad) => {
    expect(() => checkXml(bad)).toThrow();
  });
  it('accepts a minimal document', () => {
    const counts = checkXml('<svg xmlns="http://www.w3.org/2000/svg"><text>a &amp; b</text><line x1="1"/></svg>\n');
    expect(counts.get('line')).toBe(1);
  });
});
