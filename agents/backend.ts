/**
 * TensorFlow.js backend selection.
 *
 * `auto` tries, in order:
 *   1. `tensorflow` — the native binding from the optional dependency `@tensorflow/tfjs-node`. Loading it
 *      fails in two ways on machines where its install script could not download the binary: the package
 *      is missing (ERR_MODULE_NOT_FOUND) or the package is there but its native addon is not. Both fall
 *      back quietly.
 *   2. `wasm` — `@tensorflow/tfjs-backend-wasm` (XNNPACK, SIMD; single-threaded in Node). The default here.
 *   3. `cpu` — plain JavaScript kernels (slow, always available).
 *
 * Facts measured on this machine that shaped the rest of `agents/`:
 * - wasm matMul with a transposed operand (`transposeA/B`) is ~15× slower than a plain one, and tfjs's
 *   built-in matMul gradient uses exactly those: `dense.ts` transposes explicitly instead.
 * - `tf.gather`'s gradient is not registered on wasm (use one-hot masks), and there is no `tf.stopGradient`
 *   (compute non-differentiated quantities in JS, outside the gradient function).
 * - Every op costs a few microseconds of dispatch: small per-sample tensors are far slower than plain JS.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

import { BACKEND_PREFS, type BackendPref } from './backend-names.ts';
import { ParameterError } from '../src/parameter-error.ts';

export { BACKEND_PREFS, type BackendPref };

let wasmPathsSet = false;
let tfjsNodeTried: { ok: boolean; reason: string } | null = null;

/** The dist folder of `@tensorflow/tfjs-backend-wasm`, where its `.wasm` binaries live (a file path, with trailing slash). */
export function wasmDistDir(): string {
  const require = createRequire(import.meta.url);
  // The package's "main" for Node is dist/tf-backend-wasm.node.js, next to the .wasm files.
  return dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + '/';
}

async function tryTfjsNode(): Promise<{ ok: boolean; reason: string }> {
  if (tfjsNodeTried) return tfjsNodeTried;
  // A variable specifier keeps TypeScript and bundlers from resolving the optional package statically.
  const specifier = '@tensorflow/tfjs-node';
  let installed = true;
  try {
    createRequire(import.meta.url).resolve(specifier);
  } catch {
    installed = false;
  }
  if (!installed) return (tfjsNodeTried = { ok: false, reason: `${specifier} is not installed` });
  try {
    await import(specifier);
    tfjsNodeTried =
      tf.findBackend('tensorflow') !== null
        ? { ok: true, reason: 'loaded' }
        : { ok: false, reason: `${specifier} loaded but registered no backend with this @tensorflow/tfjs (version mismatch?)` };
  } catch (e) {
    // Typically "Cannot find module …/tfjs_binding.node": the install script could not fetch the binary.
    tfjsNodeTried = { ok: false, reason: `${specifier} is installed but its native addon failed to load (${String((e as Error).message).split('\n')[0]})` };
  }
  return tfjsNodeTried;
}

async function tryWasm(): Promise<boolean> {
  if (!wasmPathsSet) {
    // setWasmPaths throws once the wasm backend has been initialised; only call it the first time.
    try {
      setWasmPaths(wasmDistDir());
    } catch {
      /* already initialised (by someone else) with paths that work */
    }
    wasmPathsSet = true;
  }
  try {
    return await tf.setBackend('wasm');
  } catch {
    return false;
  }
}

/**
 * Select and initialise a backend; returns the name of the backend in use ('tensorflow' | 'wasm' | 'cpu').
 * An explicit preference that cannot be honoured is an error (with what to do); `auto` falls back quietly.
 */
export async function initBackend(pref: BackendPref = 'auto'): Promise<string> {
  if (!BACKEND_PREFS.includes(pref)) {
    throw new Error(`unknown backend "${String(pref)}": expected one of ${BACKEND_PREFS.join(', ')}`);
  }
  if (pref === 'tensorflow' || pref === 'auto') {
    const r = await tryTfjsNode();
    if (r.ok && (await tf.setBackend('tensorflow'))) return finish();
    if (pref === 'tensorflow') {
      throw new ParameterError(
        ['backend'],
        (n) =>
          `backend "tensorflow" is not available: ${r.reason}. Install @tensorflow/tfjs-node (needs network for its ` +
          `native binary) or choose ${n('backend')} wasm`,
      );
    }
  }
  if (pref === 'wasm' || pref === 'auto') {
    if (await tryWasm()) return finish();
    if (pref === 'wasm') {
      throw new ParameterError(['backend'], (n) => `backend "wasm" failed to initialise (wasm files looked up in ${wasmDistDir()}); try ${n('backend')} cpu`);
    }
  }
  if (!(await tf.setBackend('cpu'))) throw new Error('backend "cpu" failed to initialise');
  return finish();
}

async function finish(): Promise<string> {
  await tf.ready();
  return tf.getBackend();
}

/** The backend currently in use (after `initBackend`), or null before any is set. */
export function currentBackend(): string | null {
  // tf.getBackend() would initialise a default backend as a side effect; read the engine's field instead.
  return (tf.engine() as unknown as { backendName: string | null }).backendName ?? null;
}
