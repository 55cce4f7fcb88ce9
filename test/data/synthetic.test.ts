// The generated data sets: seeded, balanced, split 80/20.
import { describe, expect, it } from 'vitest';
import { loadDataset, moons, spirals, xor } from '../../src/data/index.js';

describe('generated data sets', () => {
  it('are deterministic for a seed and differ across seeds', () => {
    expect(Array.from(spirals().train.x.subarray(0, 8))).toEqual(Array.from(spirals().train.x.subarray(0, 8)));
    expect(Array.from(spirals({ seed: 1 }).train.x.subarray(0, 8))).not.toEqual(Array.from(spirals().train.x.subarray(0, 8)));
  });

  it('have the documented shapes and balanced classes (xor: about)', () => {
    for (const [data, classes, rows, slack] of [[spirals(), 3, 1500, 1], [moons(), 2, 1000, 1], [xor(), 2, 1000, 100]] as const) {
      expect(data.features).toBe(2);
      expect(data.classes).toBe(classes);
      expect(data.train.rows + data.test.rows).toBe(rows);
      expect(data.test.rows).toBe(rows * 0.2);
      const counts = new Array(classes).fill(0);
      for (const c of [...data.train.y, ...data.test.y]) counts[c]++;
      for (const n of counts) expect(Math.abs(n - rows / classes)).toBeLessThanOrEqual(slack);
      for (const v of data.train.x) expect(Math.abs(v)).toBeLessThan(2);
    }
  });

  it('rejects unknown names in the house format', async () => {
    await expect(loadDataset('circles')).rejects.toThrow('Expected one of spirals, moons, xor, fashion-mnist, mnist, csv:<file> for spec but received "circles"');
  });

  it('applies limit and testLimit', async () => {
    const d = await loadDataset('moons', { limit: 10, testLimit: 3 });
    expect([d.train.rows, d.test.rows, d.train.x.length]).toEqual([10, 3, 20]);
  });
});
