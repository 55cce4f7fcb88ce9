/**
 * What a compiled model optimises and reports: the loss on a batch (and its
 * gradient into the network's output gradient) and the metrics.
 */
import type { Backend } from '../backend/backend.js';
import { DendriteError, invalidDescribed, invalidParameter } from '../errors.js';
import { Loss, LOSS_NAMES, type LossName, loss as makeLoss } from '../loss/index.js';
import { countCorrectBinary, countCorrectClasses } from '../metrics/accuracy.js';
import { checkMetricSpecs, metricsFor, type Metric, type MetricSpec, type TargetKind } from '../metrics/index.js';
import type { Targets } from './data.js';

export class Objective {
  readonly loss: Loss;
  /** The metrics in compile order. */
  readonly metrics: Metric[];
  /** Whether 'accuracy' is among them: the batch runners (the native loop too) count it as they train. */
  readonly accuracy: boolean;
  /** The metrics other than accuracy: computed from a forward pass over the rows (training: at the epoch's final weights). */
  readonly wholeSet: Metric[];

  /** `units`: the model's outputs per row (the number of classes for softmaxCrossEntropy). */
  constructor(loss: unknown, metrics: unknown, units: number) {
    if (loss instanceof Loss) this.loss = loss as Loss;
    else if (typeof loss === 'string' && LOSS_NAMES.includes(loss as LossName)) this.loss = makeLoss(loss as LossName);
    else throw invalidParameter('loss', `one of ${LOSS_NAMES.join(', ')} or a dd.loss(...)`, loss);
    this.metrics = metricsFor(checkMetricSpecs(metrics), this.kind, this.loss.name, units);
    this.accuracy = this.metrics.some((m) => m.name === 'accuracy');
    this.wholeSet = this.metrics.filter((m) => m.name !== 'accuracy');
  }

  /** The metric specs as compile got them. */
  get specs(): MetricSpec[] {
    return this.metrics.map((m) => m.spec);
  }

  /** What the loss's targets are: class indices, binary labels in [0, 1] or regression values. */
  get kind(): TargetKind {
    return this.loss.name === 'softmaxCrossEntropy' ? 'classes' : this.loss.name === 'mse' ? 'values' : 'binary';
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
    return this.classes ? countCorrectClasses(output, targets, rows, units) : countCorrectBinary(output, targets, rows * units);
  }

  /** How many predictions `correct` counts per row. */
  perRow(units: number): number {
    return this.classes ? 1 : units;
  }

  /** The batch's targets buffer of the right kind. */
  buffer(rows: number, units: number): Int32Array | Float32Array {
    return this.classes ? new Int32Array(rows) : new Float32Array(rows * units);
  }

  /**
   * Copy targets of the rows order[start..start+count) into buf. Class labels are checked as they
   * are read (as the native loop does): y may change in place during a fit, and an index out of
   * range would read past the logits (the house error names the row).
   */
  gather(buf: Int32Array | Float32Array, targets: Targets, units: number, order: Uint32Array, start: number, count: number, name = 'y'): void {
    if (targets.kind === 'classes') {
      for (let r = 0; r < count; r++) {
        const row = order[start + r];
        const label = targets.data[row];
        if (!(label >= 0 && label < units)) throw invalidDescribed(name, `class indices in [0, ${units})`, `${label} at row ${row}`);
        buf[r] = label;
      }
    } else {
      for (let r = 0; r < count; r++) {
        const from = order[start + r] * units;
        for (let j = 0; j < units; j++) buf[r * units + j] = targets.data[from + j];
      }
    }
  }
}
