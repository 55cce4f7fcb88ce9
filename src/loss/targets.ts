/** Conversion and validation of loss targets. */
import { invalidDescribed, invalidParameter, describe } from '../errors.js';
import { Tensor, checkAttached, toTensor } from '../tensor.js';

/**
 * Class targets for `rows` samples of `classes` classes, as an Int32Array.
 * Accepts a Tensor of shape [rows] holding integers in any numeric type, an
 * Int32Array (used without a copy), another integer typed array, or number[].
 */
export function classTargets(targets: unknown, rows: number, classes: number, name = 'targets'): Int32Array {
  let values: ArrayLike<number>;
  if (targets instanceof Tensor) {
    const t = toTensor(targets, name);
    if (t.rank !== 1) throw invalidDescribed(name, `a tensor of shape [${rows}]`, `shape [${t.shape.join(', ')}]`);
    values = t.data;
  } else if (Array.isArray(targets)) {
    values = targets as number[];
  } else if (ArrayBuffer.isView(targets) && !(targets instanceof DataView) && !(targets instanceof BigInt64Array) && !(targets instanceof BigUint64Array)) {
    checkAttached(targets, name);
    values = targets as unknown as ArrayLike<number>;
  } else {
    throw invalidParameter(name, 'class indices as a Tensor of shape [N], an Int32Array or a number[]', targets);
  }
  if (values.length !== rows) {
    throw invalidDescribed(name, `${rows} class indices (one per row of the logits)`, describe(targets));
  }
  for (let i = 0; i < rows; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < 0 || v >= classes) {
      throw invalidParameter(`${name}[${i}]`, `an integer class index in [0, ${classes - 1}]`, v);
    }
  }
  return values instanceof Int32Array ? values : Int32Array.from(values);
}

/**
 * Real-valued targets with the same number of elements as the predictions.
 * With `unitInterval`, every value must lie in [0, 1] (probabilities).
 */
export function valueTargets(targets: unknown, size: number, unitInterval: boolean, name = 'targets'): Float32Array {
  const t = toTensor(targets, name);
  if (t.size !== size) throw invalidDescribed(name, `${size} elements (as many as the predictions)`, `${t.size}`);
  if (unitInterval) {
    for (let i = 0; i < size; i++) {
      const v = t.data[i];
      if (!(v >= 0 && v <= 1)) throw invalidParameter(`${name}[${i}]`, 'a number in [0, 1]', v);
    }
  }
  return t.data;
}
