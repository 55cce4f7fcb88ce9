import { describe, expect, it } from 'vitest';
import { binaryConfusion, classConfusion, precision, recall } from '../../src/metrics/precision-recall.js';

/** Logits whose argmax is each predicted class. */
const logitsOf = (predicted: number[], classes: number) => {
  const out = new Float32Array(predicted.length * classes);
  predicted.forEach((p, r) => { out[r * classes + p] = 1; });
  return out;
};

describe('precision and recall', () => {
  it('binary: at sigmoid > 0.5 (logit > 0), targets >= 0.5 positive', () => {
    // predicted 1, 0, 1, 0, 0; actual 1, 1, 0, 0, 1: tp 1, fp 1, fn 2
    const c = binaryConfusion(Float32Array.of(2, -1, 0.5, -3, 0), [1, 1, 0, 0, 1], 5);
    expect(precision(c)).toBe(0.5);
    expect(recall(c)).toBeCloseTo(1 / 3, 12);
  });

  it('binary: nothing predicted positive gives 0, not NaN (zero_division)', () => {
    const c = binaryConfusion(Float32Array.of(-1, -2), [1, 0], 2);
    expect(precision(c)).toBe(0);
    expect(recall(c)).toBe(0);
  });

  it("multi-class: macro means (sklearn's example: precision 2/9, recall 1/3)", () => {
    // sklearn docs: y_true = [0, 1, 2, 0, 1, 2], y_pred = [0, 2, 1, 0, 0, 1]
    const c = classConfusion(logitsOf([0, 2, 1, 0, 0, 1], 3), [0, 1, 2, 0, 1, 2], 6, 3);
    expect(precision(c)).toBeCloseTo(2 / 9, 12);
    expect(recall(c)).toBeCloseTo(1 / 3, 12);
  });

  it('multi-class: a class neither in the targets nor predicted is left out of the mean', () => {
    // class 0: tp 2, fp 1 (P 2/3, R 1); class 1: fn 1 (P 0, R 0); class 2: absent
    const c = classConfusion(logitsOf([0, 0, 0], 3), [0, 0, 1], 3, 3);
    expect(precision(c)).toBeCloseTo(1 / 3, 12);
    expect(recall(c)).toBe(0.5);
  });
});
