// What the callback tests share: a fresh temporary folder per test and a tiny classifier on js.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import * as dd from '../../src/index.js';

/** A temporary folder created before and removed after every test; read it through the getter. */
export function tempDirPerTest(prefix: string): () => string {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), prefix));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  return () => dir;
}

/** A 2-4-2 classifier on the js backend, compiled with Adam and accuracy. */
export function tinyClassifier(): dd.Sequential {
  const m = dd.sequential([dd.layers.dense({ inputSize: 2, units: 4, activation: 'tanh' }), dd.layers.dense({ units: 2 })], { seed: 1, backend: 'js' });
  m.compile({ optimizer: new dd.optimizers.Adam({ lr: 0.05 }), loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });
  return m;
}

export const X = dd.tensor([[0, 0], [0, 1], [1, 0], [1, 1], [0.5, 0.5], [0.2, 0.8]]);
export const Y = [0, 1, 1, 0, 1, 0];
