/**
 * Generated 2-D classification problems that no linear model can fit:
 * interleaved spirals, two moons and XOR. Seeded, so every run sees the same points.
 */
import { gaussian, mulberry32, splitRows, type Dataset } from './dataset.js';

/** Options of the generators. */
export interface SyntheticOptions {
  /** Number of points (all classes together). */
  rows?: number;
  /** Standard deviation of the noise added to every point. */
  noise?: number;
  /** Seed of the points and of the train/test split. Default 0. */
  seed?: number;
  /** Fraction of the points held out as the test split. Default 0.2. */
  testFraction?: number;
}

/** The names of the generated data sets. */
export const SYNTHETIC_NAMES = ['spirals', 'moons', 'xor'] as const;
export type SyntheticName = (typeof SYNTHETIC_NAMES)[number];

/**
 * Three interleaved spiral arms (one class each) turning 1.25 times around the
 * origin in [-1, 1]²: the classic problem a linear model gets about 1/3 right.
 */
export function spirals(options: SyntheticOptions = {}): Dataset {
  const { rows = 1500, noise = 0.04, seed = 0, testFraction = 0.2 } = options;
  const classes = 3;
  const turns = 1.25;
  const next = mulberry32(seed);
  const normal = gaussian(seed + 1);
  const x = new Float32Array(rows * 2);
  const y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const c = i % classes;
    const t = 0.05 + 0.95 * next();
    const angle = (2 * Math.PI * c) / classes + 2 * Math.PI * turns * t;
    x[2 * i] = t * Math.cos(angle) + noise * normal();
    x[2 * i + 1] = t * Math.sin(angle) + noise * normal();
    y[i] = c;
  }
  return finish('spirals', `${rows} points on 3 interleaved spiral arms (generated, seed ${seed})`, x, y, classes, ['arm 0', 'arm 1', 'arm 2'], testFraction, seed, 0.9);
}

/** Two interleaving half circles (scikit-learn's make_moons). */
export function moons(options: SyntheticOptions = {}): Dataset {
  const { rows = 1000, noise = 0.15, seed = 0, testFraction = 0.2 } = options;
  const next = mulberry32(seed);
  const normal = gaussian(seed + 1);
  const x = new Float32Array(rows * 2);
  const y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const c = i % 2;
    const a = Math.PI * next();
    x[2 * i] = (c === 0 ? Math.cos(a) : 1 - Math.cos(a)) - 0.5 + noise * normal();
    x[2 * i + 1] = (c === 0 ? Math.sin(a) : 0.5 - Math.sin(a)) - 0.25 + noise * normal();
    y[i] = c;
  }
  return finish('moons', `${rows} points on two interleaving half circles (generated, seed ${seed})`, x, y, 2, ['upper', 'lower'], testFraction, seed, 0.95);
}

/** XOR: points in [-1, 1]², class 1 where the signs of the coordinates differ. */
export function xor(options: SyntheticOptions = {}): Dataset {
  const { rows = 1000, noise = 0.05, seed = 0, testFraction = 0.2 } = options;
  const next = mulberry32(seed);
  const normal = gaussian(seed + 1);
  const x = new Float32Array(rows * 2);
  const y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const a = next() * 2 - 1;
    const b = next() * 2 - 1;
    x[2 * i] = a + noise * normal();
    x[2 * i + 1] = b + noise * normal();
    y[i] = a * b < 0 ? 1 : 0;
  }
  return finish('xor', `${rows} points of the XOR problem (generated, seed ${seed})`, x, y, 2, ['same sign', 'different sign'], testFraction, seed, 0.95);
}

function finish(name: string, description: string, x: Float32Array, y: Int32Array, classes: number, classNames: string[], testFraction: number, seed: number, targetAccuracy: number): Dataset {
  const { train, test } = splitRows(x, y, 2, testFraction, seed + 2);
  return { name, description, features: 2, classes, classNames, train, test, targetAccuracy };
}
