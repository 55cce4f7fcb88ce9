/**
 * Accuracy: the fraction of correct predictions. Outputs are logits (the models end
 * without softmax / sigmoid): a row's predicted class is its largest logit, and a binary
 * prediction is positive when its logit is > 0 (sigmoid > 0.5).
 */

/** The predicted class of row r: the index of its largest logit (the first on ties). */
export function argmaxRow(logits: Float32Array, r: number, classes: number): number {
  let best = 0;
  const base = r * classes;
  for (let j = 1; j < classes; j++) if (logits[base + j] > logits[base + best]) best = j;
  return best;
}

/** Rows whose largest logit is at the class index in `labels` (multi-class, softmax). */
export function countCorrectClasses(logits: Float32Array, labels: ArrayLike<number>, rows: number, classes: number): number {
  let n = 0;
  for (let r = 0; r < rows; r++) if (argmaxRow(logits, r, classes) === labels[r]) n++;
  return n;
}

/** Elements whose prediction (logit > 0) matches the target (>= 0.5 is positive): binary, per element. */
export function countCorrectBinary(logits: Float32Array, targets: ArrayLike<number>, size: number): number {
  let n = 0;
  for (let i = 0; i < size; i++) if (logits[i] > 0 === targets[i] >= 0.5) n++;
  return n;
}
