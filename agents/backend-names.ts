/** The TensorFlow.js backend choices, without loading TensorFlow.js (for CLI flags and config schemas). */
export type BackendPref = 'auto' | 'wasm' | 'cpu' | 'tensorflow';
export const BACKEND_PREFS: readonly BackendPref[] = ['auto', 'wasm', 'cpu', 'tensorflow'];
