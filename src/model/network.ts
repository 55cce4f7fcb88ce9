/**
 * The compute core of a Sequential of Dense layers for one batch size: every
 * buffer and every GEMM descriptor is allocated once, so forward, backward and
 * the optimizer step allocate nothing per batch. Per layer i with input a [B, in]:
 *   forward   z = a W + b (GEMM with the bias fused), y = act(z) (fused too when element-wise)
 *   backward  dz = act'(z) * dy;  dW = a^T dz;  db = 1^T dz;  da = dz W^T (not for the first layer)
 */
import type { Backend, GemmCall } from '../backend/backend.js';
import type { ActivationKernel } from '../backend/kernel-ids.js';
import type { Dense } from '../layer/dense.js';

const gemmCall = (c: Partial<GemmCall> & Pick<GemmCall, 'm' | 'n' | 'k' | 'a' | 'lda' | 'b' | 'ldb' | 'c' | 'ldc'>): GemmCall => ({
  transA: false, transB: false, alpha: 1, beta: 0, bias: null, act: null, ...c,
});

class LayerPass {
  /** Pre-activation z [B, units]. */
  readonly z: Float32Array;
  /** Output y [B, units] (z itself for a linear layer). */
  readonly y: Float32Array;
  /** d(loss)/dz (dy itself for a linear layer, which writes it in place). */
  readonly dz: Float32Array;
  /** d(loss)/dy, written by the next layer's backward (or the loss). */
  readonly dy: Float32Array;
  readonly forwardCall: GemmCall;
  readonly weightGradCall: GemmCall;
  readonly biasGradCall: GemmCall | null;
  /** null for the first layer: nothing needs d(loss)/d(input) there. */
  readonly inputGradCall: GemmCall | null;

  constructor(readonly layer: Dense, batch: number, input: Float32Array, inputGrad: Float32Array | null, ones: Float32Array,
    readonly weightGrad: Float32Array, readonly biasGrad: Float32Array | null) {
    const { units } = layer;
    const inSize = layer.inputSize!;
    const act = layer.activation;
    const linear = act.kernel === 'linear';
    const fused = !linear && !act.rowWise;
    this.z = new Float32Array(batch * units);
    this.y = linear ? this.z : new Float32Array(batch * units);
    this.dy = new Float32Array(batch * units);
    this.dz = linear ? this.dy : new Float32Array(batch * units);
    this.forwardCall = gemmCall({
      m: batch, n: units, k: inSize, a: input, lda: inSize, b: layer.weight.data, ldb: units, c: this.z, ldc: units,
      bias: layer.bias?.data ?? null,
      act: fused ? { kernel: act.kernel as ActivationKernel, params: act.params, out: this.y, ldo: units } : null,
    });
    this.weightGradCall = gemmCall({
      transA: true, m: inSize, n: units, k: batch, a: input, lda: inSize, b: this.dz, ldb: units, c: weightGrad, ldc: units,
    });
    this.biasGradCall = biasGrad
      ? gemmCall({ m: 1, n: units, k: batch, a: ones, lda: batch, b: this.dz, ldb: units, c: biasGrad, ldc: units })
      : null;
    this.inputGradCall = inputGrad
      ? gemmCall({ transB: true, m: batch, n: inSize, k: units, a: this.dz, lda: units, b: layer.weight.data, ldb: units, c: inputGrad, ldc: inSize })
      : null;
  }

  forward(backend: Backend): void {
    backend.gemm(this.forwardCall);
    const act = this.layer.activation;
    if (act.rowWise) backend.softmaxForward(this.z, this.y, this.z.length / this.layer.units, this.layer.units, act.kernel === 'logSoftmax');
  }

  backward(backend: Backend): void {
    const act = this.layer.activation;
    const rows = this.z.length / this.layer.units;
    if (act.rowWise) backend.softmaxBackward(this.z, this.dy, this.dz, rows, this.layer.units, act.kernel === 'logSoftmax');
    else if (act.kernel !== 'linear') backend.activationBackward(act.kernel as ActivationKernel, act.params, this.z, this.dy, this.dz);
    backend.gemm(this.weightGradCall);
    if (this.biasGradCall) backend.gemm(this.biasGradCall);
    if (this.inputGradCall) backend.gemm(this.inputGradCall);
  }
}

/** Buffers and passes of a model for one batch size. */
export class Network {
  /** The batch input [B, inputSize]: callers copy rows here before forward(). */
  readonly input: Float32Array;
  readonly passes: LayerPass[];

  /** `grads` holds one gradient per parameter, in the order of the layers' parameters(). */
  constructor(layers: Dense[], readonly batch: number, grads: Float32Array[]) {
    this.input = new Float32Array(batch * layers[0].inputSize!);
    const ones = new Float32Array(batch).fill(1);
    this.passes = [];
    let input = this.input;
    let g = 0;
    layers.forEach((layer, i) => {
      const inputGrad = i > 0 ? this.passes[i - 1].dy : null;
      const weightGrad = grads[g++];
      const biasGrad = layer.bias ? grads[g++] : null;
      const pass = new LayerPass(layer, batch, input, inputGrad, ones, weightGrad, biasGrad);
      this.passes.push(pass);
      input = pass.y;
    });
  }

  /** The output [B, units] of the last layer after forward(). */
  get output(): Float32Array {
    return this.passes[this.passes.length - 1].y;
  }

  /** d(loss)/d(output): the loss writes it here before backward(). */
  get outputGrad(): Float32Array {
    return this.passes[this.passes.length - 1].dy;
  }

  forward(backend: Backend): void {
    for (const pass of this.passes) pass.forward(backend);
  }

  backward(backend: Backend): void {
    for (let i = this.passes.length - 1; i >= 0; i--) this.passes[i].backward(backend);
  }
}
