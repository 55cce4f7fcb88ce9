import { describe, expect, it } from 'vitest';
import { meanAbsoluteError, meanSquaredError } from '../../src/metrics/regression-errors.js';

describe('mae and mse', () => {
  it('are the means over every element', () => {
    const p = Float32Array.of(1, 2, 3);
    const t = [1.5, 2, 1];
    expect(meanAbsoluteError(p, t, 3)).toBeCloseTo((0.5 + 0 + 2) / 3, 12);
    expect(meanSquaredError(p, t, 3)).toBeCloseTo((0.25 + 0 + 4) / 3, 12);
  });
});
