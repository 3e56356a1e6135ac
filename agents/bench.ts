/**
 * Training-speed helper for `scripts/bench/train.ts`: trains `algo` on `vecEnv` for `steps` env steps (no run
 * folder, no progress) and reports end-to-end env-steps per second (rollouts + updates + logging; backend
 * initialisation excluded). Config: PPO with SB3 defaults, A2C with the paper's `margintrader` preset,
 * unless `config` overrides.
 */
import type { VecEnv } from '../env/types.ts';
import { A2C_PRESETS, trainA2C, type A2cConfigInput } from './a2c.ts';
import { initBackend, type BackendPref } from './backend.ts';
import type { PpoConfigInput } from './ppo/config.ts';
import { trainPPO } from './ppo/train.ts';

export interface BenchTrainOptions {
  algo: 'ppo' | 'a2c';
  vecEnv: VecEnv;
  /** Env steps to train for (rounded up to whole updates). */
  steps: number;
  config?: PpoConfigInput | A2cConfigInput;
  backend?: BackendPref;
  seed?: number;
}

export interface BenchTrainResult {
  algo: 'ppo' | 'a2c';
  backend: string;
  /** Env steps actually trained (whole updates). */
  steps: number;
  seconds: number;
  stepsPerSec: number;
}

export async function benchTrain(o: BenchTrainOptions): Promise<BenchTrainResult> {
  const backend = (await initBackend(o.backend ?? 'auto')) as BackendPref;
  const seed = o.seed ?? 0;
  const t0 = performance.now();
  const r =
    o.algo === 'ppo'
      ? await trainPPO({ vecEnv: o.vecEnv, backend, progress: 'none', config: { ...(o.config as PpoConfigInput), seed, totalTimesteps: o.steps } })
      : await trainA2C({
          vecEnv: o.vecEnv,
          backend,
          progress: 'none',
          config: { ...A2C_PRESETS.margintrader, ...(o.config as A2cConfigInput), seed, totalTimesteps: o.steps },
        });
  const seconds = (performance.now() - t0) / 1000;
  return { algo: o.algo, backend: r.backend, steps: r.globalStep, seconds, stepsPerSec: r.globalStep / seconds };
}
