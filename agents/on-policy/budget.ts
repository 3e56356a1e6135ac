/**
 * Budget and size caps shared by every on-policy algorithm (PPO, A2C): a config past them is refused
 * naming the parameter (the configs' zod schemas call `budgetIssues`; the driver checks the env-dependent
 * sizes with MAX_NETWORK_PARAMS at training start).
 */

/**
 * Caps on what a run may ask for: past them a config is refused naming the parameter, rather than left to
 * run for months or to die allocating. 1e10 env steps is about 12 days at 10,000 steps a second (this
 * lab's PPO on the Dow env does a few thousand); 1e8 network floats is 400 MB per copy of the weights,
 * and training keeps about six (weights, gradient, two optimiser moments, policy snapshots).
 */
export const MAX_TOTAL_TIMESTEPS = 1e10;
/** Floats in the actor + critic (see `paramCount` in checkpoint.ts; the input layer is checked against the env at training start). */
export const MAX_NETWORK_PARAMS = 1e8;
/** PPO: sample-gradients over the run (totalTimesteps × nEpochs): 1e11 is the step cap at SB3's 10 epochs. */
export const MAX_SAMPLE_GRADIENTS = 1e11;

/** A count for messages: 1.00e10 for large ones, 12,345 otherwise. */
export const fmtCount = (x: number): string => (x >= 1e6 ? x.toExponential(2).replace('e+', 'e') : x.toLocaleString('en-US'));
const fmt = fmtCount;

/**
 * Budget and size issues of an on-policy config (PPO and A2C): the training budget, and the hidden layers'
 * own weights (hidden-to-hidden, both networks; the input layer's depend on the env: driver.ts checks them).
 */
export function budgetIssues(cfg: { totalTimesteps: number; hidden: number[]; nEpochs?: number }): { path: string[]; message: string }[] {
  const issues: { path: string[]; message: string }[] = [];
  // Run on parsed values only (a wrong type is reported by the field itself).
  if (typeof cfg.totalTimesteps !== 'number' || !Array.isArray(cfg.hidden) || !cfg.hidden.every((h) => typeof h === 'number')) return issues;
  if (cfg.totalTimesteps > MAX_TOTAL_TIMESTEPS) {
    const days = cfg.totalTimesteps / 1e4 / 86_400;
    const at = days > 3 * 365 ? `${fmt(Math.round(days / 365))} years` : `${Math.round(days)} days`;
    issues.push({
      path: ['totalTimesteps'],
      message: `${fmt(cfg.totalTimesteps)} env steps is above the cap of ${fmt(MAX_TOTAL_TIMESTEPS)} (at 10,000 steps a second it would take ${at})`,
    });
  } else if (typeof cfg.nEpochs === 'number' && cfg.totalTimesteps * cfg.nEpochs > MAX_SAMPLE_GRADIENTS) {
    issues.push({
      path: ['nEpochs'],
      message: `totalTimesteps × nEpochs = ${fmt(cfg.totalTimesteps * cfg.nEpochs)} sample-gradients is above the cap of ${fmt(MAX_SAMPLE_GRADIENTS)}: lower nEpochs or totalTimesteps`,
    });
  }
  let inner = 0;
  for (let i = 1; i < cfg.hidden.length; i++) inner += cfg.hidden[i - 1] * cfg.hidden[i];
  // Two networks (actor, critic), each at least its hidden-to-hidden weights plus one input and one output per unit.
  const atLeast = 2 * (inner + 2 * cfg.hidden.reduce((a, b) => a + b, 0));
  if (atLeast > MAX_NETWORK_PARAMS) {
    issues.push({
      path: ['hidden'],
      message: `hidden ${JSON.stringify(cfg.hidden)} makes networks of at least ${fmt(atLeast)} floats, above the cap of ${fmt(MAX_NETWORK_PARAMS)}: too large to allocate and train`,
    });
  }
  return issues;
}
