/** Validation and conversion of the data given to fit / evaluate / predict. */
import { invalidDescribed, invalidParameter, describe } from '../errors.js';
import { idsTensor } from '../layer/layer.js';
import { Tensor, checkAttached, sizeOf, toTensor } from '../tensor.js';
import type { TargetKind } from '../metrics/index.js';

/**
 * Inputs as one Float32Array of rows of the per-sample shape, without a copy when possible:
 * a tensor [N, ...shape], or rows [N, size] flattened. `ids`: integer ids (Int32Array,
 * number[] or an integer-valued Tensor), carried as float32.
 */
export function inputRows(x: unknown, shape: readonly number[], ids = false, name = 'x'): { data: Float32Array; rows: number } {
  const width = sizeOf(shape);
  const t = ids ? idsTensor(x, name) : toTensor(x, name);
  checkFixedLength(t.data, name);
  const full = () => `[N, ${shape.join(', ')}]`;  // for errors only: predict must not build strings
  if (t.rank === shape.length + 1 && shape.every((d, i) => d === t.shape[i + 1])) return { data: t.data, rows: t.shape[0] };
  if (t.rank === 2) {
    if (t.shape[1] !== width) throw invalidDescribed(name, `rows of ${width} values (the model's input ${full()})`, `shape [${t.shape.join(', ')}]`);
    return { data: t.data, rows: t.shape[0] };
  }
  if (t.rank === 1 && !(x instanceof Tensor) && t.size % width === 0) return { data: t.data, rows: t.size / width };
  throw invalidDescribed(name, `a tensor ${full()}${shape.length > 1 ? ` or [N, ${width}]` : ''}`, `shape [${t.shape.join(', ')}]`);
}

/** Targets of a loss: class indices (softmaxCrossEntropy) or values [N, units]. */
export type Targets = { kind: 'classes'; data: Int32Array } | { kind: 'values'; data: Float32Array };

/**
 * The targets of `rows` rows for a loss whose targets are `kind`, checked. Class targets are
 * indices [N] (or a column [N, 1]) or one-hot rows [N, C] (a Tensor, nested arrays or a flat
 * array of N * C values), turned into indices: the loss and the native loop take indices. Soft rows
 * (probabilities) are refused: the loss has no soft-target path (labelSmoothing smooths
 * indices). `finite`: first check that every value is a finite number.
 */
export function targetRows(y: unknown, rows: number, units: number, kind: TargetKind, name = 'y', finite = true): Targets {
  if (kind === 'classes') return { kind: 'classes', data: classRows(y, rows, units, name, finite) };
  const t = toTensor(y, name);
  checkFixedLength(t.data, name);
  if (t.size !== rows * units) {
    throw invalidDescribed(name, `${rows} rows of ${units} target values`, `${describe(y)} with ${t.size} values`);
  }
  if (finite) checkFiniteRows(t.data, units, name);
  if (kind === 'binary') {
    for (let i = 0; i < t.size; i++) {
      const v = t.data[i];
      if (!(v >= 0 && v <= 1)) throw invalidParameter(`${name}[${i}]`, 'a number in [0, 1]', v);
    }
  }
  return { kind: 'values', data: t.data };
}

const isNumericArray = (v: unknown): v is ArrayLike<number> =>
  ArrayBuffer.isView(v) && !(v instanceof DataView) && !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array);

/**
 * Class indices (Int32Array: an Int32Array y is used without a copy) from indices [N], indices
 * as a column [N, 1] (Keras' sparse targets) or one-hot rows [N, C]; the one check of class
 * targets for fit, evaluate and validationData. With one class, [N, 1] reads as indices (Keras'
 * rule: a column is sparse), so its values must be 0. Every typed array is checked attached and
 * fixed-length, whatever its form.
 */
function classRows(y: unknown, rows: number, classes: number, name: string, finite: boolean): Int32Array {
  const expected = `class indices [${rows}] or one-hot [${rows}, ${classes}]`;
  let values: ArrayLike<number>;
  let oneHot: boolean;
  if (y instanceof Tensor || (Array.isArray(y) && y.some(Array.isArray))) {
    const t = toTensor(y, name);
    const column = t.rank === 2 && t.shape[0] === rows && t.shape[1] === 1;
    oneHot = !column && t.rank === 2 && t.shape[0] === rows && t.shape[1] === classes;
    if (!oneHot && !column && !(t.rank === 1 && t.size === rows)) throw invalidDescribed(name, expected, `shape [${t.shape.join(', ')}]`);
    values = t.data;
  } else if (Array.isArray(y) || isNumericArray(y)) {
    values = y as ArrayLike<number>;
    if (ArrayBuffer.isView(values)) checkAttached(values, name);  // a detached view reads as empty
    oneHot = classes > 1 && values.length === rows * classes;
    if (!oneHot && values.length !== rows) throw invalidDescribed(name, `${expected} (${rows * classes} values)`, describe(y));
  } else {
    throw invalidParameter(name, `${expected} as a Tensor, a typed array or an array`, y);
  }
  if (ArrayBuffer.isView(values)) {
    checkAttached(values, name);  // a Tensor's data too
    checkFixedLength(values, name);
  }
  if (finite && !(values instanceof Int32Array)) checkFiniteRows(values, oneHot ? classes : 1, name);
  if (oneHot) return oneHotToIndices(values, rows, classes, name);
  for (let i = 0; i < rows; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < 0 || v >= classes) throw invalidParameter(`${name}[${i}]`, `an integer class index in [0, ${classes - 1}]`, v);
  }
  return values instanceof Int32Array ? values : Int32Array.from(values);
}

/** The index of the single 1 of each one-hot row. */
function oneHotToIndices(values: ArrayLike<number>, rows: number, classes: number, name: string): Int32Array {
  const indices = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let hot = -1;
    for (let j = 0; j < classes; j++) {
      const v = values[r * classes + j];
      if (v === 1 && hot < 0) hot = j;
      else if (v !== 0) {  // a second 1, or any other value
        hot = -2;
        break;
      }
    }
    if (hot < 0) {
      // float32 values shown as written (0.2, not 0.20000000298023224)
      const row = Array.from({ length: classes }, (_, j) => +values[r * classes + j].toPrecision(7));
      throw invalidParameter(`${name}[${r}]`,
        'a one-hot row (a single 1, zeros elsewhere; soft labels are not supported: give class indices, with the loss option labelSmoothing to smooth them)', row);
    }
    indices[r] = hot;
  }
  return indices;
}

/**
 * Throws at the first NaN or infinity: `Expected finite numbers for x but received NaN at
 * row 12, column 3` (rows of `width` values; the column is left out for one value per row).
 */
export function checkFiniteRows(data: ArrayLike<number>, width: number, name: string, from = 0, to = data.length): void {
  for (let i = from; i < to; i++) {
    const v = data[i];
    if (v - v !== 0) {  // NaN and ±Infinity (fast: no call per element)
      const where = width > 1 ? `row ${Math.floor(i / width)}, column ${i % width}` : `row ${i}`;
      throw invalidDescribed(name, 'finite numbers', `${v} at ${where}`);
    }
  }
}

/**
 * Refuses a view of a resizable ArrayBuffer or a growable SharedArrayBuffer: native code reads
 * x and y from its threads while JS runs, and a resize under it (a shrink above all) would let
 * it read memory that is gone. Copying instead would hide that in-place changes are no longer
 * seen; the caller copies explicitly (`x.slice()`) when that is what they want.
 */
export function checkFixedLength(view: ArrayBufferView, name: string): void {
  const buffer = view.buffer as { resizable?: boolean; growable?: boolean };
  if (buffer.resizable === true || buffer.growable === true) {
    const kind = buffer.growable === true ? 'a growable SharedArrayBuffer' : 'a resizable ArrayBuffer';
    throw invalidDescribed(name, 'a typed array over a fixed-length ArrayBuffer (copy it first, e.g. x.slice())', `a ${view.constructor.name} over ${kind}`);
  }
}

// checkFiniteRowsAsync's chunk: about 1 ms of checking between two turns of the event loop
const FINITE_CHUNK = 1 << 19;

/**
 * checkFiniteRows in chunks with the event loop running between them (fit's up-front check of
 * a large x: Fashion-MNIST's 47M values take ~80 ms). Small arrays are checked at once.
 */
export async function checkFiniteRowsAsync(data: ArrayLike<number>, width: number, name: string): Promise<void> {
  for (let from = 0; from < data.length; from += FINITE_CHUNK) {
    if (from > 0) await new Promise((resolve) => setImmediate(resolve));
    checkFiniteRows(data, width, name, from, Math.min(data.length, from + FINITE_CHUNK));
  }
}

/** Copy the rows `order[start .. start + count)` of `src` (width values each) into `dst`. */
export function gatherRows(dst: Float32Array, src: Float32Array, width: number, order: Uint32Array, start: number, count: number): void {
  for (let r = 0; r < count; r++) {
    const from = order[start + r] * width;
    const to = r * width;
    for (let j = 0; j < width; j++) dst[to + j] = src[from + j]; // no subarray views: no allocation
  }
}
