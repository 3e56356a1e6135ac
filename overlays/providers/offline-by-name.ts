/** The offline forecasters by name (no API key, deterministic): `forecast --provider` and compare's overlay arms. */
import type { BundledSources } from '../context/bundled.ts';
import type { Forecaster } from '../forecaster.ts';
import { ConstantForecaster, MacroRulesForecaster, MomentumForecaster } from './offline.ts';
import { OracleForecaster } from './oracle.ts';

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
