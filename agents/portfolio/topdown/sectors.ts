/**
 * Regime → GICS sector tilts (the ranking agent's first phase), and which sector each ticker is in.
 *
 * The table is the textbook sector rotation over the business cycle (cyclicals when growth is firm,
 * commodity producers when inflation rises with it, defensives when growth fades), written down once
 * here so that every decision's tilt can be read back from the regime alone.
 */
import { GICS_SECTORS, SECTOR_ETF_GICS } from '../../../src/data/universe.ts';
import type { Regime } from './macro-agent.ts';

export type Sector = (typeof GICS_SECTORS)[number];
export type Tilt = 'overweight' | 'underweight' | 'neutral';

export interface RegimeTilts {
  overweight: readonly Sector[];
  underweight: readonly Sector[];
  /** Why, in one sentence (journal and README). */
  why: string;
}

/** The documented table: every sector not listed is neutral. */
export const REGIME_SECTOR_TILTS: Readonly<Record<Regime, RegimeTilts>> = {
  expansion: {
    overweight: ['Information Technology', 'Consumer Discretionary', 'Industrials', 'Financials'],
    underweight: ['Utilities', 'Consumer Staples', 'Real Estate'],
    why: 'firm growth with inflation not rising: cyclicals earn most from growing demand; defensive bond proxies lag',
  },
  overheating: {
    overweight: ['Energy', 'Materials', 'Industrials', 'Financials'],
    underweight: ['Utilities', 'Real Estate', 'Information Technology'],
    why: 'firm growth with rising inflation: commodity producers and banks gain from prices and rates; rate-sensitive and long-duration sectors lose',
  },
  slowdown: {
    overweight: ['Health Care', 'Consumer Staples', 'Utilities'],
    underweight: ['Industrials', 'Materials', 'Consumer Discretionary'],
    why: 'fading growth: defensives with steady demand hold up; the most cyclical sectors fall first',
  },
  contraction: {
    overweight: ['Consumer Staples', 'Utilities', 'Health Care'],
    underweight: ['Financials', 'Consumer Discretionary', 'Energy', 'Industrials'],
    why: 'shrinking activity: defensives; credit losses, weak discretionary spending and falling commodity demand hit the cyclicals',
  },
};

/** Each of the 11 GICS sectors with its tilt under the regime. */
export function sectorTilts(regime: Regime): Record<Sector, Tilt> {
  const t = REGIME_SECTOR_TILTS[regime];
  const out = {} as Record<Sector, Tilt>;
  for (const s of GICS_SECTORS) out[s] = t.overweight.includes(s) ? 'overweight' : t.underweight.includes(s) ? 'underweight' : 'neutral';
  return out;
}

/** +1 overweight, −1 underweight, 0 neutral. */
export function tiltSign(t: Tilt): number {
  return t === 'overweight' ? 1 : t === 'underweight' ? -1 : 0;
}

/**
 * The GICS sector of every ticker, from the universe's map (dow30: data/dow30_sectors.csv; sectors: the
 * sector each ETF tracks) or, without a map, the SPDR ETF table (the ETF IS its sector). Tickers with no
 * sector (SPY in a user file, an unknown stock) are left out and listed, never guessed.
 */
export function resolveSectors(
  tickers: readonly string[],
  sectorOf: Readonly<Record<string, string>> | undefined,
): { sectorOf: (Sector | null)[]; unmapped: string[] } {
  const known = new Set<string>(GICS_SECTORS);
  const out: (Sector | null)[] = [];
  const unmapped: string[] = [];
  for (const t of tickers) {
    const s = sectorOf?.[t] ?? SECTOR_ETF_GICS[t];
    if (s !== undefined && known.has(s)) out.push(s as Sector);
    else {
      out.push(null);
      unmapped.push(t);
    }
  }
  return { sectorOf: out, unmapped };
}
