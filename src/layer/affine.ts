/**
 * y = act(x W + b) over rows: the js compute of dense (on the last axis) and conv2d (on
 * im2col rows), as native/layers/affine.cc: one GEMM with the bias and an element-wise
 * activation fused, a row-wise one (softmax) after it; backward dz = act'(z) dy,
 * db = column sums, dW = x^T dz, dx = dz W^T.
 */
import { Activation, ACTIVATION_NAMES, type ActivationName, activation } from '../activation/index.js';
import type { Backend, GemmCall } from '../backend/backend.js';
import type { ActivationKernel } from '../backend/kernel-ids.js';
import { invalidParameter } from '../errors.js';
import { isPlainObject } from '../validate.js';

/** An activation: a name from the registry, a `{ name, ...options }` config, or an Activation. */
export type ActivationSpec = ActivationName | ({ name: ActivationName } & Record<string, unknown>) | Activation;

export function toActivation(spec: unknown): Activation {
  if (spec instanceof Activation) return spec as Activation;
  if (typeof spec === 'string') return activation(spec as ActivationName);
  if (isPlainObject(spec) && typeof spec.name === 'string') {
    const { name, ...options } = spec;
    return activation(name as ActivationName, options as never);
  }
  throw invalidParameter('activation', `an activation name (${ACTIVATION_NAMES.join(', ')}), { name, ...options } or an Activation`, spec);
}

/** The options the native Affine reads (native/layers/affine.cc). */
export function nativeActivation(act: Activation): Record<string, number | string> {
  return { activation: act.kernel, alpha: act.params.alpha, beta: act.params.beta, threshold: act.params.threshold };
}

export class Affine {
  constructor(readonly inputs: number, readonly units: number, readonly act: Activation) {}

  get hasActivation(): boolean {
    return this.act.kernel !== 'linear';
  }
  /** z and dz [rows, units] with an activation. */
  scratchSize(rows: number): number {
    return this.hasActivation ? 2 * rows * this.units : 0;
  }

  forward(backend: Backend, rows: number, x: Float32Array, y: Float32Array, w: Float32Array, b: Float32Array | null, scratch: Float32Array): void {
    const { inputs, units, act } = this;
    const z = this.hasActivation ? scratch.subarray(0, rows * units) : y;
    backend.gemm(call({
      m: rows, n: units, k: inputs, a: x, lda: inputs, b: w, ldb: units, c: z, ldc: units, bias: b,
      act: this.hasActivation && !act.rowWise ? { kernel: act.kernel as ActivationKernel, params: act.params, out: y, ldo: units } : null,
    }));
    if (act.rowWise) backend.softmaxForward(z, y, rows, units, act.kernel === 'logSoftmax');
  }

  backward(backend: Backend, rows: number, x: Float32Array, dy: Float32Array, dx: Float32Array | null, w: Float32Array,
    dw: Float32Array, db: Float32Array | null, scratch: Float32Array): void {
    const { inputs, units, act } = this;
    const z = scratch.subarray(0, rows * units);
    const dz = this.hasActivation ? scratch.subarray(rows * units, 2 * rows * units) : dy;
    if (act.rowWise) backend.softmaxBackward(z, dy, dz, rows, units, act.kernel === 'logSoftmax');
    else if (this.hasActivation) backend.activationBackward(act.kernel as ActivationKernel, act.params, z, dy, dz);
    if (db) {
      db.fill(0);
      for (let r = 0; r < rows; r++) for (let j = 0; j < units; j++) db[j] += dz[r * units + j];
    }
    backend.gemm(call({ transA: true, m: inputs, n: units, k: rows, a: x, lda: inputs, b: dz, ldb: units, c: dw, ldc: units }));
    if (dx) backend.gemm(call({ transB: true, m: rows, n: inputs, k: units, a: dz, lda: units, b: w, ldb: units, c: dx, ldc: inputs }));
  }
}

function call(c: Partial<GemmCall> & Pick<GemmCall, 'm' | 'n' | 'k' | 'a' | 'lda' | 'b' | 'ldb' | 'c' | 'ldc'>): GemmCall {
  return { transA: false, transB: false, alpha: 1, beta: 0, bias: null, act: null, ...c };
}
