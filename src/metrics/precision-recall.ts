/**
 * Precision tp / (tp + fp) and recall tp / (tp + fn).
 * Binary (sigmoid outputs): every element is one decision, positive when its logit is > 0
 * (sigmoid > 0.5, Keras' threshold) and its target >= 0.5; multi-label outputs are pooled
 * (Keras' Precision / Recall). Multi-class (softmax): per class from the argmax, then the
 * unweighted mean over the classes present in the targets or the predictions (sklearn's
 * average='macro'). A ratio with nothing to count (0 / 0) is 0 (sklearn's zero_division).
 */
import { argmaxRow } from './accuracy.js';

/** True positives, false positives and false negatives, one entry per class. */
export interface Confusion {
  truePositives: Float64Array;
  falsePositives: Float64Array;
  falseNegatives: Float64Array;
}

const ratio = (a: number, b: number): number => (b > 0 ? a / b : 0);

/** The binary counts (one class: the positive one). */
export function binaryConfusion(logits: Float32Array, targets: ArrayLike<number>, size: number): Confusion {
  const c = { truePositives: new Float64Array(1), falsePositives: new Float64Array(1), falseNegatives: new Float64Array(1) };
  for (let i = 0; i < size; i++) {
    const predicted = logits[i] > 0;
    const actual = targets[i] >= 0.5;
    if (predicted && actual) c.truePositives[0]++;
    else if (predicted) c.falsePositives[0]++;
    else if (actual) c.falseNegatives[0]++;
  }
  return c;
}

/** The per-class counts of argmax predictions against class indices. */
export function classConfusion(logits: Float32Array, labels: ArrayLike<number>, rows: number, classes: number): Confusion {
  const c = { truePositives: new Float64Array(classes), falsePositives: new Float64Array(classes), falseNegatives: new Float64Array(classes) };
  for (let r = 0; r < rows; r++) {
    const predicted = argmaxRow(logits, r, classes);
    const actual = labels[r];
    if (predicted === actual) c.truePositives[actual]++;
    else {
      c.falsePositives[predicted]++;
      c.falseNegatives[actual]++;
    }
  }
  return c;
}

/** Binary precision (one class) or the macro mean of the per-class precisions. */
export function precision(c: Confusion): number {
  return macro(c, (k) => ratio(c.truePositives[k], c.truePositives[k] + c.falsePositives[k]));
}

/** Binary recall (one class) or the macro mean of the per-class recalls. */
export function recall(c: Confusion): number {
  return macro(c, (k) => ratio(c.truePositives[k], c.truePositives[k] + c.falseNegatives[k]));
}

function macro(c: Confusion, perClass: (k: number) => number): number {
  const classes = c.truePositives.length;
  if (classes === 1) return perClass(0);
  let sum = 0;
  let present = 0;
  for (let k = 0; k < classes; k++) {
    // a class neither in the targets nor predicted is left out (sklearn's labels default)
    if (c.truePositives[k] + c.falsePositives[k] + c.falseNegatives[k] === 0) continue;
    sum += perClass(k);
    present++;
  }
  return present ? sum / present : 0;
}
