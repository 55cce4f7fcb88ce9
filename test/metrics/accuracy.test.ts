import { describe, expect, it } from 'vitest';
import { argmaxRow, countCorrectBinary, countCorrectClasses } from '../../src/metrics/accuracy.js';

describe('accuracy', () => {
  it('multi-class: the largest logit, the first one on ties', () => {
    const logits = Float32Array.of(0.1, 2, 0.3, /* */ 5, -1, 5, /* */ -2, -3, -1);
    expect([0, 1, 2].map((r) => argmaxRow(logits, r, 3))).toEqual([1, 0, 2]);
    expect(countCorrectClasses(logits, [1, 2, 2], 3, 3)).toBe(2);
  });

  it('binary: logit > 0 against target >= 0.5, per element', () => {
    // predictions 1, 0, 1, 0, 0 (a logit of 0 is sigmoid 0.5: not positive); targets 1, 1, 0, 0, 1
    expect(countCorrectBinary(Float32Array.of(2, -1, 0.5, -3, 0), [1, 0.7, 0.2, 0, 1], 5)).toBe(2);
  });
});
