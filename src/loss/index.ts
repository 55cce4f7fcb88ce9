/**
 * The loss registry. Every loss takes the mean over the batch (PyTorch's
 * default reduction) and returns its gradient w.r.t. the predictions/logits.
 */
import { activeBackend } from '../backend/registry.js';
import { invalidDescribed, invalidParameter } from '../errors.js';
import { Tensor, type TensorLike, outputBuffer, toTensor } from '../tensor.js';
import { checkNumber, checkOptions } from '../validate.js';
import type { OpOptions } from '../activation/index.js';
import { classTargets, valueTargets } from './targets.js';

/** Class targets: a Tensor of shape [N] with integer values (any numeric type), an Int32Array, or number[]. */
export type ClassTargets = Tensor | Int32Array | Uint8Array | Uint16Array | Uint32Array | Int8Array | Int16Array | Float32Array | Float64Array | number[];

export interface LossOptionsByName {
  /** Mean squared error over all elements. Targets: same size as the predictions. */
  mse: Record<string, never>;
  /**
   * Cross-entropy of softmax(logits [N, C]) against class indices [N].
   * `labelSmoothing` in [0, 1] (default 0) spreads that mass over all C classes.
   */
  softmaxCrossEntropy: { labelSmoothing?: number };
  /** Binary cross-entropy of sigmoid(logits) against targets in [0, 1], same size. */
  binaryCrossEntropyWithLogits: Record<string, never>;
}

export type LossName = keyof LossOptionsByName;
export const LOSS_NAMES: LossName[] = ['mse', 'softmaxCrossEntropy', 'binaryCrossEntropyWithLogits'];

/** A loss function: its value and its gradient w.r.t. the predictions. */
export class Loss<N extends LossName = LossName> {
  readonly name: N;
  readonly options: Readonly<Required<LossOptionsByName[N]>>;

  constructor(name: N, options?: LossOptionsByName[N]) {
    if (typeof name !== 'string' || !LOSS_NAMES.includes(name)) {
      throw invalidParameter('name', `one of the losses ${LOSS_NAMES.join(', ')}`, name);
    }
    const given = checkOptions(options, name === 'softmaxCrossEntropy' ? ['labelSmoothing'] : []);
    const resolved =
      name === 'softmaxCrossEntropy'
        ? { labelSmoothing: given.labelSmoothing === undefined ? 0 : checkNumber(given.labelSmoothing, 'labelSmoothing', { min: 0, max: 1 }) }
        : {};
    this.name = name;
    this.options = Object.freeze(resolved) as Readonly<Required<LossOptionsByName[N]>>;
  }

  /** The mean loss. */
  forward(predictions: TensorLike, targets: TensorLike | ClassTargets): number {
    return this.#compute(predictions, targets, null);
  }

  /** d(loss)/d(predictions), same shape as the predictions. */
  backward(predictions: TensorLike, targets: TensorLike | ClassTargets, options?: OpOptions): Tensor {
    const { out } = checkOptions(options, ['out']);
    const p = toTensor(predictions, 'predictions');
    const grad = outputBuffer(out, p.size);
    this.#compute(p, targets, grad);
    return new Tensor(grad, p.shape);
  }

  #compute(predictions: TensorLike, targets: unknown, grad: Float32Array | null): number {
    const p = toTensor(predictions, 'predictions');
    if (p.size === 0) throw invalidDescribed('predictions', 'a non-empty tensor', `shape [${p.shape.join(', ')}]`);
    const backend = activeBackend();
    switch (this.name) {
      case 'mse':
        return backend.mse(p.data, valueTargets(targets, p.size, false), grad);
      case 'binaryCrossEntropyWithLogits':
        return backend.bceWithLogits(p.data, valueTargets(targets, p.size, true), grad);
      default: {
        if (p.rank !== 2) throw invalidDescribed('logits', 'a 2-D tensor [N, C]', `shape [${p.shape.join(', ')}]`);
        const [rows, cols] = p.shape;
        const labels = classTargets(targets, rows, cols);
        const eps = (this.options as { labelSmoothing: number }).labelSmoothing;
        return backend.softmaxCrossEntropy(p.data, labels, rows, cols, eps, grad);
      }
    }
  }

  /** `{ name, ...options }`. */
  getConfig(): { name: N } & Required<LossOptionsByName[N]> {
    return { name: this.name, ...this.options } as { name: N } & Required<LossOptionsByName[N]>;
  }
}

/**
 * Create a loss by name.
 * @example const ce = dd.loss('softmaxCrossEntropy', { labelSmoothing: 0.1 }); ce.forward(logits, [0, 2]);
 */
export function loss<N extends LossName>(name: N, options?: LossOptionsByName[N]): Loss<N> {
  return new Loss(name, options);
}
