/**
 * dd.data.trainTestSplit: split samples and their targets into a training and a
 * test set, as scikit-learn's train_test_split (seeded shuffle, then the last
 * `testSize` rows of the shuffled order are the test set, as the loaders split).
 */
import { invalidDescribed, invalidParameter } from '../errors.js';
import { Tensor, toTensor, type TensorLike } from '../tensor.js';
import { checkBoolean, checkInteger, checkOptions } from '../validate.js';
import { permutation } from './dataset.js';

/** Options of trainTestSplit. */
export interface TrainTestSplitOptions {
  /** The test set: a fraction of the rows in (0, 1) (rounded up, as scikit-learn) or a row count >= 1. Default 0.25 (scikit-learn's). */
  testSize?: number;
  /** Seed of the shuffle. Default 0. */
  seed?: number;
  /** Shuffle before splitting (default true); false: the last rows are the test set. */
  shuffle?: boolean;
}

/** Targets trainTestSplit accepts: one value (or a row of values) per sample. */
export type SplitTargets = Tensor | Int32Array | Float32Array | number[] | string[];

/** The result of trainTestSplit: the inputs as tensors, the targets of the kind given. */
export interface TrainTestSplit<Y extends SplitTargets> {
  xTrain: Tensor;
  yTrain: Y;
  xTest: Tensor;
  yTest: Y;
}

/**
 * Split samples x [N, ...] and targets y (N values, or N rows of values) into train and test sets.
 * @param x the samples: a Tensor [N, ...] (a Float32Array or a number[] is N samples of one value)
 * @param y targets: class indices (Int32Array, number[]), labels (string[]), values (Float32Array
 *   or a Tensor [N, ...]); a flat typed array or number[] of N*k values is N rows of k
 * @throws DendriteError for fewer than 2 samples, targets that do not divide into N rows, or a
 *   testSize that leaves no training or no test row
 */
export function trainTestSplit<Y extends SplitTargets>(x: TensorLike, y: Y, options: TrainTestSplitOptions = {}): TrainTestSplit<Y> {
  const o = checkOptions(options, ['testSize', 'seed', 'shuffle']);
  const t = toTensor(x, 'x');
  const rows = t.rank === 0 ? 0 : t.shape[0];
  if (rows < 2) throw invalidDescribed('x', 'at least 2 samples (a training and a test row)', `shape [${t.shape.join(', ')}]`);
  const testRows = resolveTestRows(o.testSize, rows);
  const seed = o.seed === undefined ? 0 : checkInteger(o.seed, 'seed', 0, 2 ** 32 - 1);
  const shuffle = o.shuffle === undefined ? true : checkBoolean(o.shuffle, 'shuffle');
  const order = shuffle ? permutation(rows, seed) : Uint32Array.from({ length: rows }, (_, i) => i);
  const trainOrder = order.subarray(0, rows - testRows);
  const testOrder = order.subarray(rows - testRows);
  const xRow = t.size / rows;
  const xPart = (part: Uint32Array) => new Tensor(gatherRows(t.data, xRow, part, new Float32Array(part.length * xRow)), [part.length, ...t.shape.slice(1)]);
  const yPart = targetSplitter(y, rows);
  return { xTrain: xPart(trainOrder), yTrain: yPart(trainOrder), xTest: xPart(testOrder), yTest: yPart(testOrder) };
}

function resolveTestRows(testSize: unknown, rows: number): number {
  // scikit-learn: n_test = ceil(test_size * n_samples) for a fraction.
  if (testSize === undefined) return Math.min(rows - 1, Math.ceil(rows * 0.25));
  if (typeof testSize === 'number' && testSize > 0 && testSize < 1) {
    return Math.min(rows - 1, Math.ceil(rows * testSize));
  }
  return checkInteger(testSize, 'testSize', 1, rows - 1);
}

/** A function copying the targets of the given rows, in y's own kind. */
function targetSplitter<Y extends SplitTargets>(y: Y, rows: number): (order: Uint32Array) => Y {
  if (y instanceof Tensor) {
    const t = toTensor(y, 'y');
    if (t.rank === 0 || t.shape[0] !== rows) throw invalidDescribed('y', `a tensor of ${rows} rows (one per sample)`, `shape [${t.shape.join(', ')}]`);
    const width = t.size / rows;
    return (order) => new Tensor(gatherRows(t.data, width, order, new Float32Array(order.length * width)), [order.length, ...t.shape.slice(1)]) as Y;
  }
  const isTyped = y instanceof Int32Array || y instanceof Float32Array;
  if (!isTyped && !Array.isArray(y)) throw invalidParameter('y', 'targets: a Tensor, an Int32Array, a Float32Array, a number[] or a string[]', y);
  const values = y as ArrayLike<unknown>;
  if (values.length === 0 || values.length % rows !== 0) {
    throw invalidDescribed('y', `${rows} targets (or ${rows} rows of targets), one per sample`, `${values.length} values`);
  }
  const width = values.length / rows;
  return (order) => {
    const out = isTyped ? new (y.constructor as Int32ArrayConstructor | Float32ArrayConstructor)(order.length * width) : new Array<unknown>(order.length * width);
    return gatherRows(values, width, order, out as never) as unknown as Y;
  };
}

/** Rows `order` of `width` values from `source` into `out`, in order. */
function gatherRows<T extends { [i: number]: unknown; length: number }>(source: ArrayLike<unknown>, width: number, order: ArrayLike<number>, out: T): T {
  for (let r = 0; r < order.length; r++) {
    const from = order[r] * width;
    for (let k = 0; k < width; k++) out[r * width + k] = source[from + k];
  }
  return out;
}
