/**
 * The in-memory shape of a classification data set, shared by every loader:
 * float32 features, row-major [rows, features], and int32 class indices.
 */
import { DendriteError } from '../errors.js';

/** One split of a data set: `rows` rows of `features` floats and their class indices. */
export interface Split {
  /** Row-major features, `rows * features` values. */
  x: Float32Array;
  /** Class index of every row, in [0, classes). */
  y: Int32Array;
  rows: number;
}

/** A classification data set: a training split and a held-out test (validation) split. */
export interface Dataset {
  /** Short name ('spirals', 'fashion-mnist', 'csv:iris.csv', ...). */
  name: string;
  /** One line saying where the data comes from. */
  description: string;
  features: number;
  /**
   * The per-sample shape of x (its rows are `features` values in row-major order over it):
   * [H, W, C] for images loaded with `shape: 'image'`, else absent ([features]).
   */
  inputShape?: number[];
  classes: number;
  /** Readable class names, when the source has them. */
  classNames?: string[];
  train: Split;
  test: Split;
  /** A validation accuracy that counts as "learned" on this data (compare's epochs-to-target). */
  targetAccuracy: number;
  /** Feature scaling applied after loading (recorded so that predict can apply it again). */
  scaling?: Scaling;
}

/** Per-feature standardisation: x' = (x - mean) / std. */
export interface Scaling {
  mean: number[];
  std: number[];
}

/** The per-sample shape of a data set's rows: its inputShape, else [features]. */
export function sampleShape(data: Pick<Dataset, 'features' | 'inputShape'>): number[] {
  return data.inputShape ? [...data.inputShape] : [data.features];
}

/** A DendriteError in the house format about a data file (code ERR_DENDRITE_INVALID_FILE): io's fileError. */
export { fileError as dataError } from '../io/file-error.js';

/** A DendriteError in the house format about an argument (code ERR_DENDRITE_INVALID_ARGUMENT). */
export function argumentError(name: string, expected: string, received: string): DendriteError {
  return new DendriteError(`Expected ${expected} for ${name} but received ${received}`);
}

/** The first `rows` rows of a split (views, no copy). */
export function headRows(split: Split, features: number, rows: number): Split {
  const n = Math.min(rows, split.rows);
  return { x: split.x.subarray(0, n * features), y: split.y.subarray(0, n), rows: n };
}

/** A seeded permutation of 0..n-1 (Fisher-Yates over mulberry32). */
export function permutation(n: number, seed: number): Uint32Array {
  const next = mulberry32(seed);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

/** Rows `order[from..to)` of (x, y) copied into a new split. */
export function gather(x: Float32Array, y: Int32Array, features: number, order: ArrayLike<number>, from: number, to: number): Split {
  const rows = to - from;
  const gx = new Float32Array(rows * features);
  const gy = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const src = order[from + r];
    gx.set(x.subarray(src * features, (src + 1) * features), r * features);
    gy[r] = y[src];
  }
  return { x: gx, y: gy, rows };
}

/** Shuffle (seeded) and split rows into train and test: the last `testFraction` of the shuffled rows are the test split. */
export function splitRows(x: Float32Array, y: Int32Array, features: number, testFraction: number, seed: number): { train: Split; test: Split } {
  const rows = y.length;
  const order = permutation(rows, seed);
  const trainRows = rows - Math.max(1, Math.round(rows * testFraction));
  return { train: gather(x, y, features, order, 0, trainRows), test: gather(x, y, features, order, trainRows, rows) };
}

/** Mean and standard deviation of every feature over a split (std 1 for constant features). */
export function fitScaling(split: Split, features: number): Scaling {
  const mean = new Float64Array(features);
  const sq = new Float64Array(features);
  for (let r = 0; r < split.rows; r++) {
    for (let f = 0; f < features; f++) mean[f] += split.x[r * features + f];
  }
  for (let f = 0; f < features; f++) mean[f] /= Math.max(1, split.rows);
  for (let r = 0; r < split.rows; r++) {
    for (let f = 0; f < features; f++) sq[f] += (split.x[r * features + f] - mean[f]) ** 2;
  }
  const std = Array.from(sq, (s) => Math.sqrt(s / Math.max(1, split.rows)) || 1);
  return { mean: Array.from(mean), std };
}

/** Standardise a split's features in place. */
export function applyScaling(split: Split, features: number, scaling: Scaling): void {
  for (let r = 0; r < split.rows; r++) {
    for (let f = 0; f < features; f++) {
      const i = r * features + f;
      split.x[i] = (split.x[i] - scaling.mean[f]) / scaling.std[f];
    }
  }
}

/** mulberry32: a small, fast, seeded generator of floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded standard normal generator (Box-Muller over mulberry32). */
export function gaussian(seed: number): () => number {
  const next = mulberry32(seed);
  return () => {
    const u = 1 - next();
    const v = next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}
