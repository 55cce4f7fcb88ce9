/**
 * What a compiled model optimises and reports: the loss on a batch (and its
 * gradient into the network's output gradient) and the accuracy metric.
 */
import type { Backend } from '../backend/backend.js';
import { DendriteError, invalidParameter } from '../errors.js';
import { Loss, LOSS_NAMES, type LossName, loss as makeLoss } from '../loss/index.js';
import type { Targets } from './data.js';

export class Objective {
  readonly loss: Loss;
  readonly accuracy: boolean;

  constructor(loss: unknown, metrics: unknown) {
    if (loss instanceof Loss) this.loss = loss as Loss;
    else if (typeof loss === 'string' && LOSS_NAMES.includes(loss as LossName)) this.loss = makeLoss(loss as LossName);
    else throw invalidParameter('loss', `one of ${LOSS_NAMES.join(', ')} or a dd.loss(...)`, loss);
    const list = metrics ?? [];
    if (!Array.isArray(list) || !list.every((m) => m === 'accuracy')) throw invalidParameter('metrics', "an array of metric names ('accuracy')", metrics);
    this.accuracy = list.length > 0;
    if (this.accuracy && this.loss.name === 'mse') {
      throw new DendriteError("Expected softmaxCrossEntropy or binaryCrossEntropyWithLogits for loss with metrics ['accuracy'] but received mse");
    }
  }

  /** The model's output must be [N, classes] for class targets. */
  checkOutput(outputShape: readonly number[]): void {
    if (this.classes && outputShape.length !== 1) {
      throw new DendriteError(`Expected a model output [N, classes] (add a flatten or a globalAvgPool2d) for loss softmaxCrossEntropy but received output shape [N, ${outputShape.join(', ')}]`);
    }
  }

  /** Class indices (softmaxCrossEntropy) rather than target values. */
  get classes(): boolean {
    return this.loss.name === 'softmaxCrossEntropy';
  }

  /** Mean loss of `rows` output rows; writes d(loss)/d(output) into grad when given. */
  batchLoss(backend: Backend, output: Float32Array, targets: Int32Array | Float32Array, rows: number, units: number, grad: Float32Array | null): number {
    switch (this.loss.name) {
      case 'softmaxCrossEntropy':
        return backend.softmaxCrossEntropy(output, targets as Int32Array, rows, units, (this.loss.options as { labelSmoothing: number }).labelSmoothing, grad);
      case 'mse':
        return backend.mse(output, targets as Float32Array, grad);
      default:
        return backend.bceWithLogits(output, targets as Float32Array, grad);
    }
  }

  /** Correct predictions among `rows` rows (per row for classes, per element for binary). */
  correct(output: Float32Array, targets: Int32Array | Float32Array, rows: number, units: number): number {
    let n = 0;
    if (this.classes) {
      for (let r = 0; r < rows; r++) {
        let best = 0;
        for (let j = 1; j < units; j++) if (output[r * units + j] > output[r * units + best]) best = j;
        if (best === targets[r]) n++;
      }
    } else {
      for (let i = 0; i < rows * units; i++) if (output[i] > 0 === targets[i] >= 0.5) n++;
    }
    return n;
  }

  /** How many predictions `correct` counts per row. */
  perRow(units: number): number {
    return this.classes ? 1 : units;
  }

  /** The batch's targets buffer of the right kind. */
  buffer(rows: number, units: number): Int32Array | Float32Array {
    return this.classes ? new Int32Array(rows) : new Float32Array(rows * units);
  }

  /** Copy targets of the rows order[start..start+count) into buf. */
  gather(buf: Int32Array | Float32Array, targets: Targets, units: number, order: Uint32Array, start: number, count: number): void {
    if (targets.kind === 'classes') {
      for (let r = 0; r < count; r++) buf[r] = targets.data[order[start + r]];
    } else {
      for (let r = 0; r < count; r++) {
        const from = order[start + r] * units;
        for (let j = 0; j < units; j++) buf[r * units + j] = targets.data[from + j];
      }
    }
  }
}
