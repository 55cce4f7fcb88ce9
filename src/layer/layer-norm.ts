/**
 * Layer normalisation over the last axis: y = (x - mean) / sqrt(var + eps) * gamma + beta,
 * biased variance per row. Tensors gamma (1), beta (0). Native: native/layers/layer_norm.cc.
 */
import { checkNumber, checkOptions } from '../validate.js';
import { Layer, type JsStep, type LayerOptions, type WeightSpec } from './layer.js';

export interface LayerNormOptions extends LayerOptions {
  /** Added to the variance (> 0). Default 1e-5. */
  eps?: number;
}

export class LayerNorm extends Layer {
  readonly className = 'layerNorm';
  readonly eps: number;

  constructor(options?: LayerNormOptions) {
    const o = checkOptions(options, ['eps', 'inputShape', 'seed']);
    super({ inputShape: o.inputShape as number[] | undefined });
    this.eps = checkNumber(o.eps ?? 1e-5, 'eps', { min: 0, minExclusive: true });
  }

  get width(): number {
    const shape = this.outputShape;
    return shape[shape.length - 1];
  }

  protected outputShapeFor(inputShape: number[]): number[] {
    return [...inputShape];
  }

  protected override weightSpecs(inputShape: number[]): WeightSpec[] {
    const c = [inputShape[inputShape.length - 1]];
    return [
      { name: 'gamma', shape: c, trainable: true, init: (out) => { out.fill(1); } },
      { name: 'beta', shape: c, trainable: true, init: (out) => { out.fill(0); } },
    ];
  }

  /** Each row's mean and 1/std. */
  override scratchSize(rows: number): number {
    return (2 * rows * this.inputSize) / this.width;
  }

  forwardJs(s: JsStep): void {
    const c = this.width;
    const n = (s.rows * this.inputSize) / c;
    const [gamma, beta] = s.tensors;
    for (let r = 0; r < n; r++) {
      let sum = 0;
      for (let j = 0; j < c; j++) sum += s.x[r * c + j];
      const mean = sum / c;
      let sq = 0;
      for (let j = 0; j < c; j++) sq += (s.x[r * c + j] - mean) ** 2;
      const rstd = 1 / Math.sqrt(sq / c + this.eps);
      s.scratch[r] = mean;
      s.scratch[n + r] = rstd;
      for (let j = 0; j < c; j++) s.y[r * c + j] = (s.x[r * c + j] - mean) * rstd * gamma[j] + beta[j];
    }
  }

  backwardJs(s: JsStep): void {
    const c = this.width;
    const n = (s.rows * this.inputSize) / c;
    const gamma = s.tensors[0];
    const dGamma = new Float64Array(c);
    const dBeta = new Float64Array(c);
    for (let r = 0; r < n; r++) {
      const mean = s.scratch[r];
      const rstd = s.scratch[n + r];
      let meanDyg = 0;
      let meanDygXhat = 0;
      for (let j = 0; j < c; j++) {
        const i = r * c + j;
        const xhat = (s.x[i] - mean) * rstd;
        dGamma[j] += s.dy[i] * xhat;
        dBeta[j] += s.dy[i];
        meanDyg += s.dy[i] * gamma[j];
        meanDygXhat += s.dy[i] * gamma[j] * xhat;
      }
      meanDyg /= c;
      meanDygXhat /= c;
      if (s.dx) {
        for (let j = 0; j < c; j++) {
          const i = r * c + j;
          s.dx[i] = rstd * (s.dy[i] * gamma[j] - meanDyg - (s.x[i] - mean) * rstd * meanDygXhat);
        }
      }
    }
    s.grads[0]!.set(dGamma);
    s.grads[1]!.set(dBeta);
  }

  protected nativeOptions(): Record<string, number | string | boolean> {
    return { eps: this.eps };
  }

  protected configOptions(): Record<string, unknown> {
    return { eps: this.eps };
  }

  toString(): string {
    return `LayerNorm(${this.built ? this.width : '?'})`;
  }
}

/** `dd.layers.layerNorm({ eps = 1e-5 })`. */
export const layerNorm = (options?: LayerNormOptions): LayerNorm => new LayerNorm(options);
