/** Tensor: a Float32Array plus a row-major shape. No math lives here. */
import { DendriteError, describe, invalidDescribed, invalidParameter } from './errors.js';

/** Nested arrays of numbers, e.g. `number[][]` for a matrix. */
export type NestedArray = number | NestedArray[];

/** Anything the ops accept where a tensor is expected. A plain Float32Array is a 1-D tensor. */
export type TensorLike = Tensor | Float32Array | NestedArray[];

/** A dense float32 tensor: `data` in row-major order and its `shape`. */
export class Tensor {
  /** The elements, row-major. Ops read and write this memory directly (no copy). */
  readonly data: Float32Array;
  /** The dimensions; their product equals `data.length`. */
  readonly shape: number[];

  constructor(data: Float32Array, shape: readonly number[]) {
    this.data = data;
    this.shape = [...shape];
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }

  /** A tensor over the same memory with another shape of the same size. */
  reshape(shape: readonly number[]): Tensor {
    checkShape(shape, 'shape', this.data.length);
    return new Tensor(this.data, shape);
  }

  /** The elements as nested JS arrays (a number for a 0-D tensor). */
  toArray(): NestedArray {
    const build = (offset: number, dim: number): NestedArray => {
      if (dim === this.shape.length) return this.data[offset];
      const stride = this.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
      return Array.from({ length: this.shape[dim] }, (_, i) => build(offset + i * stride, dim + 1));
    };
    return build(0, 0);
  }

  toString(): string {
    return `Tensor(shape=[${this.shape.join(', ')}])`;
  }
}

/** Product of the dimensions. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A valid shape: an array of non-negative integers; with `size`, their product must match. */
export function checkShape(shape: unknown, name: string, size?: number): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw invalidParameter(name, 'an array of non-negative integers', shape);
  }
  if (size !== undefined && sizeOf(shape) !== size) {
    throw invalidDescribed(name, `dimensions whose product is ${size}`, `[${shape.join(', ')}] (product ${sizeOf(shape)})`);
  }
  return shape as number[];
}

/** Shape of a rectangular nested array; throws on ragged or non-numeric entries. */
function inferShape(data: NestedArray[], name: string): number[] {
  const shape: number[] = [];
  let level: NestedArray = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  const walk = (node: NestedArray, dim: number, path: string): void => {
    if (dim === shape.length) {
      if (typeof node !== 'number') throw invalidParameter(`${name}${path}`, 'a number', node);
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[dim]) {
      throw invalidParameter(`${name}${path}`, `an array of length ${shape[dim]} (nested arrays must be rectangular)`, node);
    }
    node.forEach((child, i) => walk(child, dim + 1, `${path}[${i}]`));
  };
  walk(data, 0, '');
  return shape;
}

/** True when the typed array's memory has been transferred or detached. */
export function isDetached(a: ArrayBufferView): boolean {
  if (a.byteLength !== 0 || a.buffer.byteLength !== 0) return false;
  const flag = (a.buffer as { detached?: boolean }).detached; // node >= 22
  if (typeof flag === 'boolean') return flag;
  try {
    (a.buffer as ArrayBuffer).slice(0, 0); // throws on a detached buffer
    return false;
  } catch {
    return true;
  }
}

/** Throw the house error if `a` lives in a detached ArrayBuffer. */
export function checkAttached(a: ArrayBufferView, name: string): void {
  if (isDetached(a)) {
    throw invalidDescribed(name, 'a typed array with an attached ArrayBuffer', `${/^[AEIOU]/.test(a.constructor.name) ? 'an' : 'a'} ${a.constructor.name} whose ArrayBuffer is detached`);
  }
}

/**
 * Create a tensor.
 * - `Float32Array`: used as is (no copy); `shape` defaults to `[data.length]`.
 * - other typed arrays or `number[]`: copied into a new Float32Array.
 * - nested arrays (`number[][]`, ...): shape inferred; must be rectangular.
 *
 * @example dd.tensor([[1, 2], [3, 4]]) // shape [2, 2]
 */
export function tensor(data: Float32Array | ArrayLike<number> | NestedArray[], shape?: readonly number[]): Tensor {
  let values: Float32Array;
  let inferred: number[];
  if (data instanceof Float32Array) {
    checkAttached(data, 'data');
    values = data;
    inferred = [data.length];
  } else if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    checkAttached(data, 'data');
    if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
      throw invalidParameter('data', 'a Float32Array, a numeric typed array or an array of numbers', data);
    }
    values = Float32Array.from(data as unknown as ArrayLike<number>);
    inferred = [values.length];
  } else if (Array.isArray(data)) {
    inferred = inferShape(data as NestedArray[], 'data');
    values = Float32Array.from((data as unknown[]).flat(Infinity) as number[]);
  } else {
    throw invalidParameter('data', 'a Float32Array, a numeric typed array or an array of numbers', data);
  }
  if (shape === undefined) return new Tensor(values, inferred);
  return new Tensor(values, checkShape(shape, 'shape', values.length));
}

/**
 * Normalise an op argument to a Tensor (no copy for Tensor / Float32Array),
 * checking that its data matches its shape and is not detached.
 */
export function toTensor(x: unknown, name: string): Tensor {
  if (x instanceof Tensor) {
    if (!(x.data instanceof Float32Array)) throw invalidParameter(`${name}.data`, 'a Float32Array', x.data);
    checkAttached(x.data, `${name}.data`);
    if (x.data.length !== sizeOf(x.shape)) {
      throw invalidDescribed(`${name}.data`, `${sizeOf(x.shape)} elements for shape [${x.shape.join(', ')}]`, describe(x.data));
    }
    return x;
  }
  if (x instanceof Float32Array) {
    checkAttached(x, name);
    return new Tensor(x, [x.length]);
  }
  if (Array.isArray(x)) return tensor(x as NestedArray[]);
  throw new DendriteError(
    `Expected a Tensor, a Float32Array or an array of numbers for ${name} but received ${describe(x)}`,
  );
}

/** The Float32Array an op writes into: the caller's `out` (checked) or a new one. */
export function outputBuffer(out: unknown, length: number, name = 'out'): Float32Array {
  if (out === undefined) return new Float32Array(length);
  const data = out instanceof Tensor ? out.data : out;
  if (!(data instanceof Float32Array)) throw invalidParameter(name, `a Tensor or Float32Array of length ${length}`, out);
  checkAttached(data, name);
  if (data.length !== length) throw invalidParameter(name, `a Tensor or Float32Array of length ${length}`, data);
  return data;
}
