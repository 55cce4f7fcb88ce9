/**
 * The js compute core of a Sequential for one batch size (the TypeScript twin of
 * native/model/trainer.cc's workspace): the input, and per layer its output y, the
 * gradient dy of that output and its scratch, allocated once, so forward, backward and the
 * optimizer step allocate nothing per batch. A layer that passes its input through
 * (flatten) shares its neighbours' buffers.
 */
import type { Backend } from '../backend/backend.js';
import type { JsStep, Layer } from '../layer/layer.js';

export class Network {
  /** The batch input [B, inputSize]: callers copy rows here before forward(). */
  readonly input: Float32Array;
  /** One step per layer (its buffers and tensors). */
  readonly steps: JsStep[];

  /**
   * `grads` holds one gradient per trainable tensor, in the order of the layers' parameters();
   * `backend` is the one the layers compute on.
   */
  constructor(readonly layers: readonly Layer[], readonly batch: number, grads: Float32Array[], backend: Backend) {
    this.input = new Float32Array(batch * layers[0].inputSize);
    const ys: Float32Array[] = [];
    layers.forEach((l, i) => ys.push(l.passesThrough ? (i ? ys[i - 1] : this.input) : new Float32Array(batch * l.outputSize)));
    const dys: Float32Array[] = new Array(layers.length);
    for (let i = layers.length - 1; i >= 0; i--) {
      dys[i] = i + 1 < layers.length && layers[i + 1].passesThrough ? dys[i + 1] : new Float32Array(batch * layers[i].outputSize);
    }
    let g = 0;
    let realBefore = false;
    this.steps = layers.map((l, i) => {
      const step: JsStep = {
        backend, rows: batch, training: false,
        x: i ? ys[i - 1] : this.input, y: ys[i], dy: dys[i],
        // the input gradient only where a layer before it consumes one
        dx: realBefore ? dys[i - 1] : null,
        tensors: l.tensors().map((t) => t.data),
        grads: l.specs().map((s) => (s.trainable ? grads[g++] : null)),
        scratch: new Float32Array(l.scratchSize(batch)),
      };
      realBefore ||= !l.passesThrough;
      return step;
    });
  }

  /** The output [B, outputSize] of the last layer after forward(). */
  get output(): Float32Array {
    return this.steps[this.steps.length - 1].y;
  }

  /** d(loss)/d(output): the loss writes it here before backward(). */
  get outputGrad(): Float32Array {
    return this.steps[this.steps.length - 1].dy;
  }

  forward(training: boolean): void {
    this.layers.forEach((l, i) => {
      if (l.passesThrough) return;
      this.steps[i].training = training;
      l.forwardJs(this.steps[i]);
    });
  }

  backward(): void {
    for (let i = this.layers.length - 1; i >= 0; i--) if (!this.layers[i].passesThrough) this.layers[i].backwardJs(this.steps[i]);
  }
}
