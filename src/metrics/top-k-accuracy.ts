/**
 * Top-k accuracy (Keras' top_k_categorical_accuracy, TensorFlow's in_top_k): a row counts
 * when its true class is among the k largest logits. Classes tied with the true class do not
 * push it out: it is in the top k when fewer than k classes score strictly higher.
 */
export function topKAccuracy(logits: Float32Array, labels: ArrayLike<number>, rows: number, classes: number, k: number): number {
  if (rows === 0) return NaN;
  let hits = 0;
  for (let r = 0; r < rows; r++) {
    const base = r * classes;
    const truth = logits[base + labels[r]];
    let higher = 0;
    for (let j = 0; j < classes && higher < k; j++) if (logits[base + j] > truth) higher++;
    if (higher < k && !Number.isNaN(truth)) hits++;
  }
  return hits / rows;
}
