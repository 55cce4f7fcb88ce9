/** Pure-TS row-wise softmax and log-softmax (stable: shifted by the row max). */

/** log(sum(exp(row))) of row `r`; NaN anywhere in the row gives NaN. */
export function rowLogSumExp(x: Float32Array, offset: number, cols: number): number {
  let m = -Infinity;
  for (let j = 0; j < cols; j++) {
    const v = x[offset + j];
    if (Number.isNaN(v)) return NaN;
    if (v > m) m = v;
  }
  let sum = 0;
  for (let j = 0; j < cols; j++) sum += Math.exp(x[offset + j] - m);
  return m + Math.log(sum);
}

export function softmaxForward(x: Float32Array, out: Float32Array, rows: number, cols: number, log: boolean): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const lse = rowLogSumExp(x, o, cols);
    for (let j = 0; j < cols; j++) out[o + j] = log ? x[o + j] - lse : Math.exp(x[o + j] - lse);
  }
}

// softmax: dx = s * (dy - sum_j dy_j s_j); log-softmax: dx = dy - s * sum_j dy_j
export function softmaxBackward(
  x: Float32Array, dy: Float32Array, out: Float32Array, rows: number, cols: number, log: boolean,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const lse = rowLogSumExp(x, o, cols);
    let acc = 0;
    for (let j = 0; j < cols; j++) acc += log ? dy[o + j] : dy[o + j] * Math.exp(x[o + j] - lse);
    for (let j = 0; j < cols; j++) {
      const s = Math.exp(x[o + j] - lse);
      out[o + j] = log ? dy[o + j] - s * acc : s * (dy[o + j] - acc);
    }
  }
}
