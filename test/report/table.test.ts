import { describe, expect, it } from 'vitest';
import { summarize } from '../../src/metrics/stats.ts';
import { formatValue } from '../../src/report/format.ts';
import {
  comparisonTable,
  formatCell,
  perfColumns,
  renderTable,
  toCsv,
  toMarkdown,
  toText,
  tradingColumns,
  type ComparisonTable,
  type MetricColumn,
} from '../../src/report/table.ts';

const columns: MetricColumn[] = perfColumns(['annualReturn', 'sharpeRatio', 'maxDrawdown']);

function table(): ComparisonTable {
  return comparisonTable(
    [
      {
        arm: 'without LLM',
        seeds: [
          { annualReturn: 0.1, sharpeRatio: 0.8, maxDrawdown: -0.2 },
          { annualReturn: 0.14, sharpeRatio: 1.0, maxDrawdown: -0.15 },
          { annualReturn: 0.12, sharpeRatio: 0.9, maxDrawdown: -0.1 },
        ],
      },
      {
        arm: 'with LLM | macro',
        seeds: [
          { annualReturn: 0.2, sharpeRatio: 1.5, maxDrawdown: -0.12 },
          { annualReturn: 0.16, sharpeRatio: NaN, maxDrawdown: -0.08 },
          { annualReturn: 0.18, sharpeRatio: 1.3, maxDrawdown: null },
        ],
      },
    ],
    columns,
  );
}

describe('formatValue', () => {
  it('percent, ratio, money, count and the odd values', () => {
    expect(formatValue(0.1234, 'percent')).toBe('12.34%');
    expect(formatValue(-0.2, 'percent')).toBe('-20.00%');
    expect(formatValue(1.23456, 'ratio')).toBe('1.235');
    expect(formatValue(1.23456, 'ratio', 2)).toBe('1.23');
    expect(formatValue(1234567.891, 'money')).toBe('1,234,568');
    expect(formatValue(-1234.5, 'money', 2)).toBe('-1,234.50');
    expect(formatValue(12.5, 'money')).toBe('12.50');
    expect(formatValue(3, 'count')).toBe('3');
    expect(formatValue(2.4, 'count')).toBe('2.4');
    expect(formatValue(-0.0001, 'ratio')).toBe('0.000');
    expect(formatValue(NaN, 'ratio')).toBe('n/a');
    expect(formatValue(Infinity, 'ratio')).toBe('inf');
    expect(formatValue(-Infinity, 'percent')).toBe('-inf');
  });
});

describe('formatCell', () => {
  const s = summarize([0.1, 0.14, 0.12]);
  it('mean ± sd, mean [lo, hi], mean', () => {
    // mean 0.12, sd 0.02; t_{0.975,2}·0.02/√3 = 4.302652729749462·0.011547 = 0.049683 → [7.03%, 16.97%].
    expect(formatCell(s, columns[0], 'sd')).toBe('12.00% ± 2.00%');
    expect(formatCell(s, columns[0], 'ci')).toBe('12.00% [7.03%, 16.97%]');
    expect(formatCell(s, columns[0], 'mean')).toBe('12.00%');
    expect(formatCell(0.5, columns[1])).toBe('0.500');
    expect(formatCell(null, columns[1])).toBe('—');
  });
  it('a single seed shows the mean only; dropped seeds are flagged', () => {
    expect(formatCell(summarize([0.3]), columns[1], 'sd')).toBe('0.300');
    expect(formatCell(summarize([1, NaN, 2], { nonFinite: 'drop' }), columns[1], 'sd')).toBe('1.500 ± 0.707 (n=2)');
  });
});

describe('comparisonTable', () => {
  it('summarises each metric over the seeds, skipping missing and non-finite values', () => {
    const t = table();
    const sharpe = t.rows[1].cells.sharpeRatio;
    expect(typeof sharpe).toBe('object');
    if (typeof sharpe !== 'object' || sharpe === null) throw new Error('expected a summary');
    expect(sharpe.n).toBe(2);
    expect(sharpe.dropped).toBe(1);
    expect(sharpe.mean).toBeCloseTo(1.4, 14);
    const mdd = t.rows[1].cells.maxDrawdown;
    if (typeof mdd !== 'object' || mdd === null) throw new Error('expected a summary');
    expect(mdd.n).toBe(2);
    expect(mdd.dropped).toBe(0);
  });
});

describe('toMarkdown', () => {
  it('has a header row, a separator row and one row per arm, all with the same number of columns', () => {
    const md = toMarkdown(table());
    const lines = md.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe('| Arm | Annual return | Sharpe ratio | Max drawdown |');
    expect(lines[1]).toBe('| :--- | ---: | ---: | ---: |');
    // Unescaped pipes delimit cells: 3 metrics + arm = 4 cells = 5 pipes per line.
    for (const l of lines) expect(l.replace(/\\\|/g, '').split('|').length - 1).toBe(5);
    expect(lines[2]).toBe('| without LLM | 12.00% ± 2.00% | 0.900 ± 0.100 | -15.00% ± 5.00% |');
    expect(lines[3]).toContain('with LLM \\| macro');
    expect(lines[3]).toContain('1.400 ± 0.141 (n=2)');
  });

  it('CI style', () => {
    const md = toMarkdown(table(), { style: 'ci' });
    expect(md).toContain('12.00% [7.03%, 16.97%]');
  });
});

describe('toText', () => {
  it('aligns every column', () => {
    const txt = toText(table());
    const lines = txt.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^-+( {2}-+){3}$/);
    // Right-aligned metric columns: every row ends at the same width as the rule.
    const width = lines[1].length;
    for (const l of [lines[0], lines[2], lines[3]]) expect([...l].length).toBe(width);
    // The arm column is left-aligned.
    expect(lines[2].startsWith('without LLM ')).toBe(true);
  });
});

describe('toCsv', () => {
  it('writes raw numbers with mean, sd, CI and n per metric, quoting where needed', () => {
    const csv = toCsv(table());
    const lines = csv.trimEnd().split('\n');
    expect(lines[0]).toBe(
      'arm,annualReturn_mean,annualReturn_sd,annualReturn_ci_lo,annualReturn_ci_hi,annualReturn_n,' +
        'sharpeRatio_mean,sharpeRatio_sd,sharpeRatio_ci_lo,sharpeRatio_ci_hi,sharpeRatio_n,' +
        'maxDrawdown_mean,maxDrawdown_sd,maxDrawdown_ci_lo,maxDrawdown_ci_hi,maxDrawdown_n',
    );
    expect(lines).toHaveLength(3);
    const fields = lines[1].split(',');
    expect(fields).toHaveLength(16);
    expect(fields[0]).toBe('without LLM');
    expect(Number(fields[1])).toBeCloseTo(0.12, 15);
    expect(Number(fields[2])).toBeCloseTo(0.02, 15);
    expect(fields[5]).toBe('3');
    expect(lines[2].startsWith('with LLM | macro,')).toBe(true);
  });

  it('single numbers get one column; commas and quotes are quoted; NaN is empty', () => {
    const csv = toCsv({
      columns: [{ key: 'x', label: 'X', format: 'ratio' }],
      rows: [
        { arm: 'a, "b"', cells: { x: 1.5 } },
        { arm: 'c', cells: { x: NaN } },
        { arm: 'd', cells: { x: -Infinity } },
      ],
    });
    expect(csv).toBe('arm,x\n"a, ""b""",1.5\nc,\nd,-inf\n');
  });
});

describe('renderTable and columns', () => {
  it('dispatches on the format', () => {
    const t = table();
    expect(renderTable(t, 'markdown')).toBe(toMarkdown(t));
    expect(renderTable(t, 'csv')).toBe(toCsv(t));
    expect(renderTable(t, 'text', { style: 'ci' })).toBe(toText(t, { style: 'ci' }));
  });
  it('perf and trading columns carry display names and formats', () => {
    expect(perfColumns()).toHaveLength(13);
    expect(perfColumns()[6]).toEqual({ key: 'maxDrawdown', label: 'Max drawdown', format: 'percent' });
    expect(tradingColumns().map((c) => c.key)).toContain('annualTurnover');
  });
  it('rejects duplicate column keys', () => {
    expect(() => toMarkdown({ columns: [columns[0], columns[0]], rows: [] })).toThrow(/appears twice/);
  });
});
