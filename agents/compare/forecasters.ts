/** The offline forecasters of a comparison's overlay arms, by name (no API key, deterministic). */
import type { BundledSources } from '../../overlays/context/bundled.ts';
import type { Forecaster } from '../../overlays/forecaster.ts';
import { ConstantForecaster, MacroRulesForecaster, MomentumForecaster } from '../../overlays/providers/offline.ts';
import { OracleForecaster } from '../../overlays/providers/oracle.ts';

/** The offline forecasters by name (shared by `forecast` and `compare`). */
export function offlineForecaster(name: string, data: BundledSources, o: { oracleAccuracy: number; horizonMonths: number; seed: number }): Forecaster {
  switch (name) {
    case 'momentum':
      return new MomentumForecaster();
    case 'macro':
      return new MacroRulesForecaster();
    case 'constant':
      return new ConstantForecaster();
    case 'oracle':
      return new OracleForecaster(data.bundledPrices().index, { accuracy: o.oracleAccuracy, horizonMonths: o.horizonMonths, seed: o.seed });
    default:
      throw new Error(`unknown provider ${name}`);
  }
}
