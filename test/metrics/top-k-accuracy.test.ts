import { describe, expect, it } from 'vitest';
import { topKAccuracy } from '../../src/metrics/top-k-accuracy.js';

describe('topKAccuracy', () => {
  const logits = Float32Array.of(0.1, 0.5, 0.4, /* */ 0.9, 0.05, 0.05, /* */ 0.2, 0.3, 0.5);
  const labels = [2, 0, 0];

  it('counts rows whose class is among the k largest logits', () => {
    expect(topKAccuracy(logits, labels, 3, 3, 1)).toBeCloseTo(1 / 3);  // row 1 only
    expect(topKAccuracy(logits, labels, 3, 3, 2)).toBeCloseTo(2 / 3);  // rows 0, 1
    expect(topKAccuracy(logits, labels, 3, 3, 3)).toBe(1);
  });

  it('ties with the true class keep it in the top k (in_top_k)', () => {
    expect(topKAccuracy(Float32Array.of(0.3, 0.3, 0.3), [2], 1, 3, 1)).toBe(1);
    expect(topKAccuracy(Float32Array.of(0.3, 0.4, 0.4), [0], 1, 3, 2)).toBe(0);
  });

  it('a NaN logit never counts; no rows is NaN', () => {
    expect(topKAccuracy(Float32Array.of(NaN, 1), [0], 1, 2, 1)).toBe(0);
    expect(topKAccuracy(new Float32Array(0), [], 0, 2, 1)).toBeNaN();
  });
});
