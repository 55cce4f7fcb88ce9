/**
 * A model's preprocessing: the feature scaling its inputs need and the class
 * names of its outputs. Attached to a model with dd.data.setPreprocessing, it is
 * saved in model.json (`preprocessing: { scaling, classNames }`) by model.save()
 * and model.toBuffer(), and restored by dd.loadModel / dd.modelFromBuffer: a model
 * trained by `dendrite train` comes back with its data's scaling and class names.
 *
 * It lives beside the model (a WeakMap), not in it, so models stay plain
 * networks and the data code stays out of src/model.
 */
import { invalidDescribed, invalidParameter } from '../errors.js';
import { modelClass } from '../io/model-classes.js';
import type { Sequential } from '../model/sequential.js';
import { Tensor, toTensor, type TensorLike } from '../tensor.js';
import { checkOptions, isPlainObject } from '../validate.js';
import type { Dataset, Scaling } from './dataset.js';
import { LabelEncoder } from './label-encoder.js';
import { StandardScaler } from './standard-scaler.js';

/** model.json's `preprocessing`: the Dataset `scaling` format and the class names by output index. */
export interface PreprocessingJson {
  scaling?: Scaling;
  classNames?: string[];
}

/** The parts of a Preprocessing (either may be left out). */
export interface PreprocessingParts {
  /** Applied to raw features before the model (inputs must have its `features` values per sample). */
  scaler?: StandardScaler | null;
  /** The class of each model output (one output per class). */
  labels?: LabelEncoder | null;
}

/** Raw features to model inputs, model outputs to class names. */
export class Preprocessing {
  /** The feature scaling, or null when inputs go to the model as they are. */
  readonly scaler: StandardScaler | null;
  /** The class names, or null when outputs are reported as indices. */
  readonly labels: LabelEncoder | null;

  /** @throws DendriteError for an unfitted scaler or encoder, or parts of other types */
  constructor(parts: PreprocessingParts = {}) {
    const o = checkOptions(parts, ['scaler', 'labels'], 'parts');
    if (o.scaler != null && !(o.scaler instanceof StandardScaler && o.scaler.fitted)) throw invalidParameter('parts.scaler', 'a fitted dd.data.StandardScaler or null', o.scaler);
    if (o.labels != null && !(o.labels instanceof LabelEncoder && o.labels.fitted)) throw invalidParameter('parts.labels', 'a fitted dd.data.LabelEncoder or null', o.labels);
    this.scaler = (o.scaler as StandardScaler | null | undefined) ?? null;
    this.labels = (o.labels as LabelEncoder | null | undefined) ?? null;
  }

  /** The preprocessing of a loaded Dataset: its `scaling` (CSV files) and its `classNames`. */
  static fromDataset(data: Pick<Dataset, 'scaling' | 'classNames'>): Preprocessing {
    return new Preprocessing({
      scaler: data.scaling ? new StandardScaler(data.scaling) : null,
      labels: data.classNames?.length ? new LabelEncoder(data.classNames) : null,
    });
  }

  /** Raw samples to the model's inputs: scaled by `scaler` (a new tensor), else as they are. */
  transformInputs(x: TensorLike): Tensor {
    return this.scaler ? this.scaler.transform(x) : toTensor(x, 'x');
  }

  /**
   * The predicted class of every row of model outputs: the largest output of rows [N, classes],
   * or, for one output per row (a binary model's logit, as binaryCrossEntropyWithLogits trains),
   * class 1 where the logit is > 0 (probability > 0.5), else class 0. Its name with `labels`,
   * else the index as a string.
   * @throws DendriteError for outputs whose rows are neither `labels.classes.length` wide nor
   *   1 wide with two classes
   */
  decodeOutputs(outputs: TensorLike): string[] {
    const classes = this.labels?.classes.length;
    const t = toTensor(outputs, 'outputs');
    const binary = t.rank >= 1 && t.shape[t.rank - 1] === 1 && (classes === undefined || classes === 2);
    const indices = binary ? Int32Array.from(t.data, (logit) => (logit > 0 ? 1 : 0)) : argmaxRows(t, classes);
    return this.labels ? this.labels.inverseTransform(indices) : Array.from(indices, String);
  }

  /** The JSON stored in model.json. */
  toJSON(): PreprocessingJson {
    return {
      ...(this.scaler ? { scaling: this.scaler.toJSON() } : {}),
      ...(this.labels ? { classNames: this.labels.classes } : {}),
    };
  }

  /** A Preprocessing from toJSON()'s output. @throws DendriteError for malformed JSON */
  static fromJSON(json: unknown): Preprocessing {
    if (!isPlainObject(json)) throw invalidParameter('preprocessing', 'an object { scaling?, classNames? }', json);
    const o = checkOptions(json, ['scaling', 'classNames'], 'preprocessing');
    return new Preprocessing({
      scaler: o.scaling === undefined ? null : StandardScaler.fromJSON(o.scaling),
      labels: o.classNames === undefined ? null : new LabelEncoder(o.classNames as string[]),
    });
  }
}

const attached = new WeakMap<Sequential, Preprocessing>();

/**
 * Attach preprocessing to a model (null removes it): model.save() and model.toBuffer()
 * store it in model.json, dd.loadModel and dd.modelFromBuffer restore it.
 * @param preprocessing a Preprocessing, or its parts `{ scaler, labels }`
 * @throws DendriteError for a scaler of another feature count than model.inputSize, or
 *   labels of another class count than model.outputSize (2 classes for a model of one output)
 */
export function setPreprocessing(model: Sequential, preprocessing: Preprocessing | PreprocessingParts | null): void {
  if (!isModel(model)) throw invalidParameter('model', 'a model from dd.sequential', model);
  if (preprocessing === null) {
    attached.delete(model);
    return;
  }
  const p = preprocessing instanceof Preprocessing ? preprocessing : new Preprocessing(preprocessing);
  if (p.scaler && p.scaler.features !== model.inputSize) {
    throw invalidDescribed('preprocessing.scaler', `a scaler of ${model.inputSize} features (the model's input size)`, `one of ${p.scaler.features}`);
  }
  const classes = p.labels?.classes.length;
  if (classes !== undefined && classes !== model.outputSize && !(model.outputSize === 1 && classes === 2)) {
    const expected = model.outputSize === 1 ? '2 classes (a binary model of one output)' : `${model.outputSize} classes (the model's output size, one output per class)`;
    throw invalidDescribed('preprocessing.labels', expected, `${classes}`);
  }
  attached.set(model, p);
}

/** The preprocessing attached to a model (by setPreprocessing, dd.loadModel or dd.modelFromBuffer), or null. */
export function preprocessingOf(model: Sequential): Preprocessing | null {
  return attached.get(model) ?? null;
}

/**
 * Predict the class names of raw samples: the model's preprocessing scales them, the model
 * predicts, and each row's largest output is named by the preprocessing's labels (else its
 * index as a string). Without preprocessing, x goes to the model as it is.
 * @example const names = dd.data.predictLabels(await dd.loadModel('runs/iris'), [[5.1, 3.5, 1.4, 0.2]])
 */
export function predictLabels(model: Sequential, x: TensorLike): string[] {
  if (!isModel(model)) throw invalidParameter('model', 'a model from dd.sequential', model);
  const p = preprocessingOf(model) ?? new Preprocessing();
  return p.decodeOutputs(model.predict(p.transformInputs(x)));
}

/** Index of the largest value of every row of outputs [N, width] (width: the last axis, or `width`). */
function argmaxRows(outputs: TensorLike, width?: number): Int32Array {
  const t = toTensor(outputs, 'outputs');
  const w = width ?? (t.rank >= 2 ? t.shape[t.rank - 1] : t.size);
  if (t.rank < 1 || w < 1 || t.shape[t.rank - 1] !== w) {
    throw invalidDescribed('outputs', `rows of ${w} class scores`, `shape [${t.shape.join(', ')}]`);
  }
  const rows = t.size / w;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < w; c++) if (t.data[r * w + c] > t.data[r * w + best]) best = c;
    out[r] = best;
  }
  return out;
}

/** Through the registry: src/data must not import the model code itself (an import cycle). */
function isModel(model: unknown): model is Sequential {
  return model instanceof modelClass('Sequential');
}
