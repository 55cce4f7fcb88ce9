import { describe, expect, it } from 'vitest';
import { rocAuc } from '../../src/metrics/auc.js';

describe('rocAuc', () => {
  it("sklearn's roc_auc_score example: 0.75", () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1], 4)).toBeCloseTo(0.75, 12);
  });

  it('perfect and reversed rankings', () => {
    expect(rocAuc([1, 2, 3, 4], [0, 0, 1, 1], 4)).toBe(1);
    expect(rocAuc([4, 3, 2, 1], [0, 0, 1, 1], 4)).toBe(0);
  });

  it('tied scores count half (average ranks)', () => {
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1], 4)).toBe(0.5);
    // pairs (pos, neg): 0.5 vs 0.1 -> 1, 0.5 vs 0.5 -> 0.5, 0.9 vs both -> 2: 3.5 / 4
    expect(rocAuc([0.1, 0.5, 0.5, 0.9], [0, 0, 1, 1], 4)).toBe(0.875);
  });

  it('matches the pairwise definition on random data', () => {
    let seed = 7;
    const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const n = 200;
    const scores = Array.from({ length: n }, () => Math.round(next() * 20) / 20);  // many ties
    const labels = Array.from({ length: n }, () => (next() < 0.4 ? 1 : 0));
    let wins = 0;
    let pairs = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (labels[i] !== 1 || labels[j] !== 0) continue;
        pairs++;
        wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
      }
    }
    expect(rocAuc(scores, labels, n)).toBeCloseTo(wins / pairs, 12);
  });

  it('is NaN with one class only, or a NaN score', () => {
    expect(rocAuc([0.1, 0.2], [1, 1], 2)).toBeNaN();
    expect(rocAuc([0.1, 0.2], [0, 0], 2)).toBeNaN();
    expect(rocAuc([NaN, 0.2], [0, 1], 2)).toBeNaN();
  });
});
