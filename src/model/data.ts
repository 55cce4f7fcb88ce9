/** Validation and conversion of the data given to fit / evaluate / predict. */
import { invalidDescribed, invalidParameter, describe } from '../errors.js';
import { classTargets } from '../loss/targets.js';
import { Tensor, toTensor } from '../tensor.js';

/** Inputs as one Float32Array of rows x width, without a copy when possible. */
export function inputRows(x: unknown, width: number, name = 'x'): { data: Float32Array; rows: number } {
  const t = toTensor(x, name);
  if (t.rank === 2) {
    if (t.shape[1] !== width) throw invalidDescribed(name, `rows of ${width} values (the model's inputSize)`, `shape [${t.shape.join(', ')}]`);
    return { data: t.data, rows: t.shape[0] };
  }
  if (t.rank === 1 && !(x instanceof Tensor) && t.size % width === 0) return { data: t.data, rows: t.size / width };
  throw invalidDescribed(name, `a 2-D tensor [N, ${width}]`, `shape [${t.shape.join(', ')}]`);
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

