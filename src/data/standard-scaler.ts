/**
 * dd.data.StandardScaler: per-feature standardisation x' = (x - mean) / std, as
 * scikit-learn's StandardScaler (population std; a constant feature gets std 1).
 * The same arithmetic as the loaders' scaling (fitScaling / applyScaling), so a
 * scaler rebuilt from a Dataset's `scaling` transforms exactly as the loader did.
 */
import { invalidDescribed, invalidParameter } from '../errors.js';
import { Tensor, sizeOf, toTensor, type TensorLike } from '../tensor.js';
import { isPlainObject } from '../validate.js';
import { applyScaling, fitScaling, type Scaling } from './dataset.js';

/** Fits and applies per-feature standardisation (mean 0, std 1 over the fitted rows). */
export class StandardScaler {
  #scaling: Scaling | null = null;

  /**
   * @param scaling the statistics of an earlier fit (`toJSON()`, or a Dataset's `scaling`);
   *   omitted: unfitted until `fit`
   * @throws DendriteError for mean and std that are not equally long arrays of finite numbers (std > 0)
   */
  constructor(scaling?: Scaling) {
    if (scaling !== undefined) this.#scaling = checkScaling(scaling, 'scaling');
  }

  /** Whether the scaler has statistics (fitted or given). */
  get fitted(): boolean {
    return this.#scaling !== null;
  }

  /** The number of features it scales (0 before fit). */
  get features(): number {
    return this.#scaling?.mean.length ?? 0;
  }

  /** A copy of every feature's mean. @throws DendriteError before fit */
  get mean(): number[] {
    return [...this.#fittedScaling('mean').mean];
  }

  /** A copy of every feature's standard deviation (1 for constant features). @throws DendriteError before fit */
  get std(): number[] {
    return [...this.#fittedScaling('std').std];
  }

  /**
   * Compute every feature's mean and standard deviation over the rows of `x`.
   * @param x samples [N, ...featureShape] (N >= 1): each sample's values are its features, row-major
   * @throws DendriteError for a tensor of rank < 2, without rows, or holding NaN or Infinity
   */
  fit(x: TensorLike): this {
    const t = toTensor(x, 'x');
    if (t.rank < 2 || t.shape[0] < 1 || t.size === 0) {
      throw invalidDescribed('x', 'samples [N, ...features] with N >= 1 and at least one feature', `shape [${t.shape.join(', ')}]`);
    }
    const rows = t.shape[0];
    // A NaN would make statistics that cannot be saved (JSON has no NaN) or applied.
    const bad = t.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      const width = t.size / rows;
      throw invalidDescribed('x', 'finite numbers', `${t.data[bad]} at row ${Math.floor(bad / width)}, column ${bad % width}`);
    }
    this.#scaling = fitScaling({ x: t.data, y: new Int32Array(0), rows }, t.size / rows);
    return this;
  }

  /**
   * Standardise `x` into a new tensor of the same shape.
   * @param x samples [N, ...featureShape] with `features` values each, or a flat array of whole samples
   * @throws DendriteError before fit or for samples of another size
   */
  transform(x: TensorLike): Tensor {
    return this.#apply(x, 'transform', 1);
  }

  /** fit(x), then transform(x). */
  fitTransform(x: TensorLike): Tensor {
    return this.fit(x).transform(x);
  }

  /** Undo transform: x * std + mean, into a new tensor. @throws DendriteError as transform */
  inverseTransform(x: TensorLike): Tensor {
    return this.#apply(x, 'inverseTransform', -1);
  }

  /** The statistics as JSON (`{ mean, std }`, the Dataset `scaling` format); `new StandardScaler(json)` restores them. */
  toJSON(): Scaling {
    const { mean, std } = this.#fittedScaling('toJSON');
    return { mean: [...mean], std: [...std] };
  }

  /** A fitted scaler from toJSON()'s output. @throws DendriteError for malformed statistics */
  static fromJSON(json: unknown): StandardScaler {
    return new StandardScaler(checkScaling(json, 'json'));
  }

  #fittedScaling(method: string): Scaling {
    if (!this.#scaling) throw invalidDescribed(`StandardScaler.${method}`, 'a fitted scaler (call fit first)', 'an unfitted one');
    return this.#scaling;
  }

  #apply(x: TensorLike, method: string, direction: 1 | -1): Tensor {
    const scaling = this.#fittedScaling(method);
    const features = scaling.mean.length;
    const t = toTensor(x, 'x');
    const sample = t.rank >= 2 ? sizeOf(t.shape.slice(1)) : features;
    if (sample !== features || t.size % features !== 0) {
      throw invalidDescribed('x', `samples of ${features} features (as fitted)`, `shape [${t.shape.join(', ')}]`);
    }
    const split = { x: t.data.slice(), y: new Int32Array(0), rows: t.size / features };
    if (direction === 1) applyScaling(split, features, scaling);
    else {
      for (let i = 0; i < split.x.length; i++) split.x[i] = split.x[i] * scaling.std[i % features] + scaling.mean[i % features];
    }
    return new Tensor(split.x, t.shape);
  }
}

/** Check `{ mean, std }`: equally long non-empty arrays of finite numbers, std > 0. Returns a copy. */
export function checkScaling(value: unknown, name: string): Scaling {
  if (!isPlainObject(value) || !Array.isArray(value.mean) || !Array.isArray(value.std)) {
    throw invalidParameter(name, 'feature statistics { mean: number[], std: number[] }', value);
  }
  const { mean, std } = value as { mean: unknown[]; std: unknown[] };
  if (mean.length === 0 || std.length !== mean.length) {
    throw invalidDescribed(name, 'mean and std of the same non-zero length', `${mean.length} means and ${std.length} stds`);
  }
  mean.forEach((m, i) => {
    if (typeof m !== 'number' || !Number.isFinite(m)) throw invalidParameter(`${name}.mean[${i}]`, 'a finite number', m);
  });
  std.forEach((s, i) => {
    if (typeof s !== 'number' || !Number.isFinite(s) || s <= 0) throw invalidParameter(`${name}.std[${i}]`, 'a finite number > 0', s);
  });
  return { mean: [...mean] as number[], std: [...std] as number[] };
}
