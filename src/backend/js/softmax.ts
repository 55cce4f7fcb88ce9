/** Pure-TS row-wise softmax and log-softmax, shifted by the row max (stable). */

/**
 * Returns log_softmax as a function of one element of row `offset`: (x - max) - log(sum exp(x - max)).
 * Shifting by the max first keeps it exact even when the max itself is huge.
 * NaN anywhere in the row gives NaN.
 */
export function rowLogSoftmax(x: Float32Array, offset: number, cols: number): (v: number) => number {
  let m = -Infinity;
  for (let j = 0; j < cols; j++) {
    const v = x[offset + j];
    if (Number.isNaN(v)) return () => NaN;
    if (v > m) m = v;
  }
  let sum = 0;
  for (let j = 0; j < cols; j++) sum += Math.exp(x[offset + j] - m);
  const logSum = Math.log(sum);
  return (v) => v - m - logSum;
}

export function softmaxForward(x: Float32Array, out: Float32Array, rows: number, cols: number, log: boolean): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const logp = rowLogSoftmax(x, o, cols);
    for (let j = 0; j < cols; j++) out[o + j] = log ? logp(x[o + j]) : Math.exp(logp(x[o + j]));
  }
}

// softmax: dx = s * (dy - sum_j dy_j s_j); log-softmax: dx = dy - s * sum_j dy_j
export function softmaxBackward(
  x: Float32Array, dy: Float32Array, out: Float32Array, rows: number, cols: number, log: boolean,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const logp = rowLogSoftmax(x, o, cols);
    let acc = 0;
    for (let j = 0; j < cols; j++) acc += log ? dy[o + j] : dy[o + j] * Math.exp(logp(x[o + j]));
    for (let j = 0; j < cols; j++) {
      const s = Math.exp(logp(x[o + j]));
      out[o + j] = log ? dy[o + j] - s * acc : s * (dy[o + j] - acc);
    }
  }
}
