/** Validation and conversion of the data given to fit / evaluate / predict. */
import { invalidDescribed, invalidParameter, describe } from '../errors.js';
import { idsTensor } from '../layer/layer.js';
import { classTargets } from '../loss/targets.js';
import { Tensor, sizeOf, toTensor } from '../tensor.js';

/**
 * Inputs as one Float32Array of rows of the per-sample shape, without a copy when possible:
 * a tensor [N, ...shape], or rows [N, size] flattened. `ids`: integer ids (Int32Array,
 * number[] or an integer-valued Tensor), carried as float32.
 */
export function inputRows(x: unknown, shape: readonly number[], ids = false, name = 'x'): { data: Float32Array; rows: number } {
  const width = sizeOf(shape);
  const t = ids ? idsTensor(x, name) : toTensor(x, name);
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

export function targetRows(y: unknown, rows: number, units: number, classes: boolean, unitInterval: boolean, name = 'y'): Targets {
  if (classes) return { kind: 'classes', data: classTargets(y, rows, units, name) };
  const t = toTensor(y, name);
  if (t.size !== rows * units) {
    throw invalidDescribed(name, `${rows} rows of ${units} target values`, `${describe(y)} with ${t.size} values`);
  }
  if (unitInterval) {
    for (let i = 0; i < t.size; i++) {
      const v = t.data[i];
      if (!(v >= 0 && v <= 1)) throw invalidParameter(`${name}[${i}]`, 'a number in [0, 1]', v);
    }
  }
  return { kind: 'values', data: t.data };
}

/** Copy the rows `order[start .. start + count)` of `src` (width values each) into `dst`. */
export function gatherRows(dst: Float32Array, src: Float32Array, width: number, order: Uint32Array, start: number, count: number): void {
  for (let r = 0; r < count; r++) {
    const from = order[start + r] * width;
    const to = r * width;
    for (let j = 0; j < width; j++) dst[to + j] = src[from + j]; // no subarray views: no allocation
  }
}
