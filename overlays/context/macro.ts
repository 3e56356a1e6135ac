/**
 * Macro context: the latest released values of a set of FRED series, as a decision on `asOf` could have
 * seen them (release lags from src/data/macro.ts). Daily and weekly series are shown once per month (the
 * last visible value of each month), like the paper's monthly table but with honest dates.
 */
import type { MacroObservation, MacroStore } from '../../src/data/macro.ts';
import type { Context, ContextSource } from './types.ts';

/**
 * Default series with a description for the prompt. Third-party series in the bundle (SP500, VIXCLS,
 * ICE BofA spreads) are left out: FRED licenses them for internal research only, and prompts leave the
 * machine. USREC is left out because recessions are dated long after the fact.
 */
export const DEFAULT_MACRO_SERIES: Readonly<Record<string, string>> = {
  GDP: 'Nominal GDP, $bn, seasonally adjusted annual rate (quarterly)',
  UNRATE: 'Unemployment rate, %',
  PAYEMS: 'Nonfarm payrolls, thousands',
  ICSA: 'Initial jobless claims (weekly)',
  CPIAUCSL: 'CPI, all items, index 1982-84=100',
  CPILFESL: 'CPI less food and energy, index',
  FEDFUNDS: 'Effective federal funds rate, % (monthly average)',
  DGS2: '2-year Treasury yield, %',
  DGS10: '10-year Treasury yield, %',
  T10Y2Y: '10-year minus 2-year Treasury spread, percentage points',
  INDPRO: 'Industrial production index',
  RSXFS: 'Retail sales excluding food services, $m',
  HOUST: 'Housing starts, thousands, annual rate',
  UMCSENT: 'University of Michigan consumer sentiment',
  M2SL: 'M2 money stock, $bn',
  DCOILWTICO: 'WTI crude oil, $/barrel',
};

export interface MacroSeriesView {
  id: string;
  description: string;
  frequency: 'D' | 'W' | 'M' | 'Q';
  /** Visible observations, oldest first; daily/weekly thinned to the last one of each month. */
  observations: MacroObservation[];
}

export interface MacroSnapshot {
  asOf: string;
  series: MacroSeriesView[];
}

export interface MacroContextOptions {
  /** Series id → description; defaults to DEFAULT_MACRO_SERIES. */
  series?: Record<string, string>;
  /** Rows per series rendered into the prompt (the paper shows six months). */
  rows?: number;
  /** Observations per series kept for rule-based forecasters (year-over-year needs > 12). */
  history?: number;
}

/** Last observation of each calendar month, keeping order. */
function monthlyLast(obs: MacroObservation[]): MacroObservation[] {
  const out: MacroObservation[] = [];
  for (const o of obs) {
    const prev = out[out.length - 1];
    if (prev && prev.date.slice(0, 7) === o.date.slice(0, 7)) out[out.length - 1] = o;
    else out.push(o);
  }
  return out;
}

function formatValue(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}

function periodLabel(o: MacroObservation, frequency: string): string {
  return frequency === 'M' || frequency === 'Q' ? o.date.slice(0, 7) : o.date;
}

export class MacroContextSource implements ContextSource {
  readonly name = 'macro' as const;
  readonly pointInTime = true;
  private readonly series: Record<string, string>;
  private readonly rows: number;
  private readonly history: number;

  constructor(
    private readonly store: MacroStore,
    options: MacroContextOptions = {},
  ) {
    this.series = options.series ?? { ...DEFAULT_MACRO_SERIES };
    this.rows = options.rows ?? 6;
    this.history = Math.max(options.history ?? 30, this.rows);
    for (const id of Object.keys(this.series)) store.get(id); // fail early on a missing series
  }

  snapshot(asOf: string): MacroSnapshot {
    const series: MacroSeriesView[] = [];
    for (const [id, description] of Object.entries(this.series)) {
      const s = this.store.get(id);
      const visible = this.store.visible(id, asOf);
      const thinned = s.frequency === 'D' || s.frequency === 'W' ? monthlyLast(visible) : visible;
      series.push({ id, description, frequency: s.frequency, observations: thinned.slice(-this.history) });
    }
    return { asOf, series };
  }

  build(asOf: string): Context {
    const macro = this.snapshot(asOf);
    const lines = [
      `Latest values released before ${asOf} (latest FRED vintage; monthly/quarterly rows labelled by period, daily/weekly by observation date, oldest first):`,
    ];
    for (const s of macro.series) {
      const shown = s.observations.slice(-this.rows);
      const values = shown.map((o) => `${periodLabel(o, s.frequency)}: ${formatValue(o.value)}`).join(', ');
      lines.push(`- ${s.id} (${s.description}): ${values === '' ? 'no released value yet' : values}`);
    }
    return {
      source: 'macro',
      asOf,
      pointInTime: true,
      title: 'US macroeconomic indicators',
      body: lines.join('\n'),
      macro,
    };
  }
}
