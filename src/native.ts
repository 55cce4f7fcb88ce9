/**
 * The single place that loads the native addon (via `bindings`) and types
 * every native function. Loading never throws: on failure the library runs
 * on the `js` backend and `backends()` reports `nativeLoadError()`.
 */
import bindings from 'bindings';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Every function the addon exports. Arguments are validated by the facade. */
export interface NativeAddon {
  activationForward(id: number, x: Float32Array, out: Float32Array, alpha: number, beta: number, threshold: number): void;
  activationBackward(
    id: number, x: Float32Array, dy: Float32Array, out: Float32Array, alpha: number, beta: number, threshold: number,
  ): void;
  softmaxForward(x: Float32Array, out: Float32Array, rows: number, cols: number, log: boolean): void;
  softmaxBackward(x: Float32Array, dy: Float32Array, out: Float32Array, rows: number, cols: number, log: boolean): void;
  mse(pred: Float32Array, target: Float32Array, grad: Float32Array | null): number;
  softmaxCrossEntropy(
    logits: Float32Array, targets: Int32Array, rows: number, cols: number, labelSmoothing: number, grad: Float32Array | null,
  ): number;
  bceWithLogits(logits: Float32Array, targets: Float32Array, grad: Float32Array | null): number;
  /** The active kernel variant. */
  isa(): string;
  /** Variants compiled in and supported by this CPU, best first. */
  isaVariants(): string[];
  /** Switch the variant ('auto' | 'avx2' | 'scalar'); false if unavailable. */
  selectIsa(name: string): boolean;
  /** Activation kernel names in native order. */
  activationNames(): string[];
  optimizerStep(id: number, params: Float32Array[], grads: Float32Array[], state: Float32Array, slots: number, coeffs: Float64Array): void;
  clipGradNorm(grads: Float32Array[], maxNorm: number): number;
  clipGradValue(grads: Float32Array[], value: number): void;
  /** Threads of the native pool (the caller included). */
  numThreads(): number;
  setNumThreads(n: number): void;
  /** Optimizer kernel names in native order. */
  optimizerNames(): string[];
  /** memcpy of x into out: the bandwidth baseline of the benchmarks. */
  copyFloat32(out: Float32Array, x: Float32Array): void;
}

let addon: NativeAddon | null = null;
let loadError: Error | null = null;

function load(): void {
  // DENDRITE_ADDON_PATH points at a specific .node file (custom builds; tests of the fallback).
  const explicit = process.env.DENDRITE_ADDON_PATH;
  try {
    addon = (explicit
      ? createRequire(path.join(process.cwd(), 'index.js'))(path.resolve(explicit))
      : bindings('dendrite')) as NativeAddon;
  } catch (err) {
    loadError = err instanceof Error ? err : new Error(String(err));
  }
}
load();

/** The loaded addon, or null when it could not be loaded. */
export function nativeAddon(): NativeAddon | null {
  return addon;
}

/** Why the addon could not be loaded, with hints; null when it loaded. */
export function nativeLoadError(): string | null {
  if (!loadError) return null;
  const first = loadError.message.split('\n')[0];
  return [
    `the native addon could not be loaded: ${first}`,
    'Possible solutions:',
    '- rebuild it: npm rebuild dendrite (needs cmake or python3, and a C++17 compiler)',
    '- or use the pure TypeScript backend: dd.setBackend("js")',
  ].join('\n');
}
