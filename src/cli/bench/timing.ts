/** Timing helpers of `dendrite bench`. */

/**
 * Seconds per call of `fn`: after a warm-up call, `batches` batches of calls
 * lasting about `batchSeconds` each (at most `maxCallsPerBatch` calls); the fastest
 * batch wins (the least disturbed). bench/lib.mjs uses this one too.
 */
export function timeCall(fn: () => void, { batches = 5, batchSeconds = 0.05, maxCallsPerBatch = 1e6 } = {}): number {
  fn();
  let t0 = performance.now();
  fn();
  const once = Math.max((performance.now() - t0) / 1000, 1e-7);
  const calls = Math.max(1, Math.min(maxCallsPerBatch, Math.round(batchSeconds / once)));
  let best = Infinity;
  for (let b = 0; b < batches; b++) {
    t0 = performance.now();
    for (let i = 0; i < calls; i++) fn();
    best = Math.min(best, (performance.now() - t0) / 1000 / calls);
  }
  return best;
}

/** Deterministic pseudo-random floats in [-1, 1) (an LCG), for synthetic inputs. */
export function syntheticFloats(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    out[i] = (a >>> 8) / 8388608 - 1;
  }
  return out;
}

/** First line of an error's message. */
export function errorLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0];
}
