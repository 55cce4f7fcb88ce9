/**
 * Batch normalisation over the last axis of [F] or [H, W, C] samples (torch's semantics,
 * SCHEMA.md 8): training normalises with the batch mean and biased variance and updates
 * movingMean/movingVariance with torch's momentum (0.1) and the unbiased variance; eval
 * mode normalises with the running statistics. Tensors gamma, beta (trainable),
 * movingMean, movingVariance (buffers, start at 0 and 1). Native: native/layers/batch_norm.cc.
 */
import { invalidDescribed } from '../errors.js';
import { checkNumber, checkOptions } from '../validate.js';
import { Layer, type JsStep, type LayerOptions, type WeightSpec } from './layer.js';

export interface BatchNormOptions extends LayerOptions {
  /** Weight of the batch statistic in the running ones (torch's momentum, in [0, 1]). Default 0.1. */
  momentum?: number;
  /** Added to the variance (> 0). Default 1e-5. */
  eps?: number;
}

export class BatchNorm extends Layer {
  readonly className = 'batchNorm';
  readonly momentum: number;
  readonly eps: number;

  constructor(options?: BatchNormOptions) {
    const o = checkOptions(options, ['momentum', 'eps', 'inputShape', 'seed']);
    super({ inputShape: o.inputShape as number[] | undefined });
    this.momentum = checkNumber(o.momentum ?? 0.1, 'momentum', { min: 0, max: 1 });
    this.eps = checkNumber(o.eps ?? 1e-5, 'eps', { min: 0, minExclusive: true });
  }

  get channels(): number {
    const shape = this.outputShape;
    return shape[shape.length - 1];
  }

  protected outputShapeFor(inputShape: number[]): number[] {
    return [...inputShape];
  }

  protected override weightSpecs(inputShape: number[]): WeightSpec[] {
    const c = [inputShape[inputShape.length - 1]];
    const fill = (v: number) => (out: Float32Array) => { out.fill(v); };
    return [
      { name: 'gamma', shape: c, trainable: true, init: fill(1) },
      { name: 'beta', shape: c, trainable: true, init: fill(0) },
      { name: 'movingMean', shape: c, trainable: false, init: fill(0) },
      { name: 'movingVariance', shape: c, trainable: false, init: fill(1) },
    ];
  }

  /**
   * Training needs more than one value per channel (the unbiased variance divides by n - 1;
   * torch refuses a batch of one as well): fit checks its batches, this checks a standalone call.
   */
  protected override checkBatch(rows: number, training: boolean): void {
    const perSample = this.inputSize / this.channels;
    if (training && rows * perSample < 2) {
      throw invalidDescribed('x', 'a batch of at least 2 rows for batch norm in training (more than one value per channel)', `${rows} row${rows === 1 ? '' : 's'} of ${perSample} value${perSample === 1 ? '' : 's'} per channel`);
    }
  }

  /** The mean and 1/std forward normalised with. */
  override scratchSize(): number {
    return 2 * this.channels;
  }

  forwardJs(s: JsStep): void {
    const c = this.channels;
    const n = (s.rows * this.inputSize) / c;
    const [gamma, beta, runMean, runVar] = s.tensors;
    const mean = s.scratch.subarray(0, c);
    const invstd = s.scratch.subarray(c, 2 * c);
    if (s.training) {
      const sum = new Float64Array(c);
      const sq = new Float64Array(c);
      for (let r = 0; r < n; r++) for (let j = 0; j < c; j++) sum[j] += s.x[r * c + j];
      for (let j = 0; j < c; j++) sum[j] /= n;
      for (let r = 0; r < n; r++) for (let j = 0; j < c; j++) { const d = s.x[r * c + j] - sum[j]; sq[j] += d * d; }
      for (let j = 0; j < c; j++) {
        const variance = sq[j] / n;
        mean[j] = sum[j];
        invstd[j] = 1 / Math.sqrt(variance + this.eps);
        runMean[j] = (1 - this.momentum) * runMean[j] + this.momentum * sum[j];
        runVar[j] = (1 - this.momentum) * runVar[j] + this.momentum * (sq[j] / (n - 1));
      }
    } else {
      for (let j = 0; j < c; j++) {
        mean[j] = runMean[j];
        invstd[j] = 1 / Math.sqrt(runVar[j] + this.eps);
      }
    }
    for (let r = 0; r < n; r++) for (let j = 0; j < c; j++) s.y[r * c + j] = (s.x[r * c + j] - mean[j]) * invstd[j] * gamma[j] + beta[j];
  }

  backwardJs(s: JsStep): void {
    const c = this.channels;
    const n = (s.rows * this.inputSize) / c;
    const gamma = s.tensors[0];
    const [dGamma, dBeta] = [s.grads[0]!, s.grads[1]!];
    const mean = s.scratch.subarray(0, c);
    const invstd = s.scratch.subarray(c, 2 * c);
    const sumDy = new Float64Array(c);
    const sumDyXhat = new Float64Array(c);
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < c; j++) {
        const dy = s.dy[r * c + j];
        sumDy[j] += dy;
        sumDyXhat[j] += dy * (s.x[r * c + j] - mean[j]) * invstd[j];
      }
    }
    for (let j = 0; j < c; j++) {
      dGamma[j] = sumDyXhat[j];
      dBeta[j] = sumDy[j];
    }
    if (!s.dx) return;
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < c; j++) {
        const i = r * c + j;
        s.dx[i] = s.training
          ? (gamma[j] * invstd[j] / n) * (n * s.dy[i] - sumDy[j] - (s.x[i] - mean[j]) * invstd[j] * sumDyXhat[j])
          : s.dy[i] * gamma[j] * invstd[j];
      }
    }
  }

  protected nativeOptions(): Record<string, number | string | boolean> {
    return { momentum: this.momentum, eps: this.eps };
  }

  protected configOptions(): Record<string, unknown> {
    return { momentum: this.momentum, eps: this.eps };
  }

  toString(): string {
    return `BatchNorm(${this.built ? this.channels : '?'})`;
  }
}

/** `dd.layers.batchNorm({ momentum = 0.1, eps = 1e-5 })` (torch's momentum). */
export const batchNorm = (options?: BatchNormOptions): BatchNorm => new BatchNorm(options);
