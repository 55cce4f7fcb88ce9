/**
 * The metrics of compile({ metrics }), by their Keras names: which ones fit which loss, and
 * their value over rows of model outputs (logits) and targets. The math lives in one file
 * per concept beside this one.
 */
import { DendriteError, describe, invalidParameter } from '../errors.js';
import { checkInteger, isPlainObject } from '../validate.js';
import { countCorrectBinary, countCorrectClasses } from './accuracy.js';
import { rocAuc } from './auc.js';
import { binaryConfusion, classConfusion, precision, recall } from './precision-recall.js';
import { meanAbsoluteError, meanSquaredError } from './regression-errors.js';
import { topKAccuracy } from './top-k-accuracy.js';

export const METRIC_NAMES = ['accuracy', 'mae', 'mse', 'topKAccuracy', 'precision', 'recall', 'auc'] as const;

/**
 * A metric name: 'accuracy' (argmax for softmax, logit > 0 for sigmoid outputs), 'mae', 'mse'
 * (regression), 'topKAccuracy' (k = 5), 'precision', 'recall' (macro over the classes for
 * softmax, pooled at sigmoid > 0.5 for binary outputs), 'auc' (binary ROC AUC).
 */
export type MetricName = (typeof METRIC_NAMES)[number];

/** A metric name, or `{ name: 'topKAccuracy', k }` for another k than 5. */
export type MetricSpec = MetricName | { name: 'topKAccuracy'; k: number };

/** What a loss's targets are: class indices (softmax), binary labels (sigmoid) or values (regression). */
export type TargetKind = 'classes' | 'binary' | 'values';

/** Keras' default k of top_k_categorical_accuracy. */
export const DEFAULT_TOP_K = 5;

/** A metric ready to compute. */
export interface Metric {
  /** Its key in the logs, the History and evaluate's result (validation: 'val' + Name). */
  readonly name: MetricName;
  /** The spec as given to compile (what getCompileConfig returns). */
  readonly spec: MetricSpec;
  /** Its value over `rows` rows of outputs (logits, `units` per row) and their targets. */
  compute(outputs: Float32Array, targets: Int32Array | Float32Array, rows: number, units: number): number;
}

/** The metrics each kind of target allows. */
const ALLOWED: Record<TargetKind, readonly MetricName[]> = {
  classes: ['accuracy', 'topKAccuracy', 'precision', 'recall', 'auc'],
  binary: ['accuracy', 'precision', 'recall', 'auc'],
  values: ['mae', 'mse'],
};

/** The metric specs, checked by name only (no loss yet): what model.json may store. */
export function checkMetricSpecs(value: unknown, name = 'metrics'): MetricSpec[] {
  if (value === undefined) return [];
  const expected = `an array of metric names (${METRIC_NAMES.map((m) => `'${m}'`).join(', ')}) or { name: 'topKAccuracy', k }`;
  if (!Array.isArray(value)) throw invalidParameter(name, expected, value);
  const specs = value.map((m, i): MetricSpec => {
    if (typeof m === 'string' && (METRIC_NAMES as readonly string[]).includes(m)) return m as MetricName;
    if (isPlainObject(m) && m.name === 'topKAccuracy' && Object.keys(m).every((key) => key === 'name' || key === 'k')) {
      return { name: 'topKAccuracy', k: checkInteger(m.k ?? DEFAULT_TOP_K, `${name}[${i}].k`, 1) };
    }
    throw invalidParameter(`${name}[${i}]`, expected, m);
  });
  const names = specs.map(specName);
  names.forEach((n, i) => {
    if (names.indexOf(n) !== i) throw invalidParameter(`${name}[${i}]`, 'each metric once (one log entry per name)', specs[i]);
  });
  return specs;
}

/** The name of a spec. */
export function specName(spec: MetricSpec): MetricName {
  return typeof spec === 'string' ? spec : spec.name;
}

/**
 * The metrics for a loss whose targets are `kind`, the model giving `units` outputs per row.
 * Throws for a metric that means nothing for that loss (e.g. 'mae' with softmaxCrossEntropy).
 */
export function metricsFor(specs: readonly MetricSpec[], kind: TargetKind, lossName: string, units: number, name = 'metrics'): Metric[] {
  return specs.map((spec, i) => {
    const metric = specName(spec);
    if (!ALLOWED[kind].includes(metric)) {
      throw new DendriteError(`Expected a metric of loss ${lossName} (${ALLOWED[kind].map((m) => `'${m}'`).join(', ')}) for ${name}[${i}] but received ${describe(metric)}`);
    }
    if (metric === 'topKAccuracy') {
      const k = typeof spec === 'string' ? DEFAULT_TOP_K : spec.k;
      // k >= classes would always give 1
      if (k >= units) {
        throw new DendriteError(`Expected k below the number of classes (${units}) for ${name}[${i}] (topKAccuracy, k = ${k}; give { name: 'topKAccuracy', k }) but received ${k}`);
      }
      return { name: metric, spec, compute: (o, t, rows) => topKAccuracy(o, t, rows, units, k) };
    }
    if (metric === 'auc' && kind === 'classes' && units !== 2) {
      throw new DendriteError(`Expected 2 classes (binary ROC AUC) for ${name}[${i}] ('auc' with softmaxCrossEntropy) but received ${units} classes`);
    }
    return { name: metric, spec, compute: COMPUTE[kind === 'classes' ? 'classes' : 'elements'][metric]! };
  });
}

type Compute = Metric['compute'];

// Class targets are indices (rows of `units` logits); binary and regression targets are one value per output.
const COMPUTE: { classes: Partial<Record<MetricName, Compute>>; elements: Partial<Record<MetricName, Compute>> } = {
  classes: {
    accuracy: (o, t, rows, units) => (rows ? countCorrectClasses(o, t, rows, units) / rows : NaN),
    precision: (o, t, rows, units) => precision(classConfusion(o, t, rows, units)),
    recall: (o, t, rows, units) => recall(classConfusion(o, t, rows, units)),
    // two classes: softmax's p(class 1) grows with logit1 - logit0
    auc: (o, t, rows) => rocAuc(Float64Array.from({ length: rows }, (_, r) => o[2 * r + 1] - o[2 * r]), t, rows),
  },
  elements: {
    accuracy: (o, t, rows, units) => (rows ? countCorrectBinary(o, t, rows * units) / (rows * units) : NaN),
    precision: (o, t, rows, units) => precision(binaryConfusion(o, t, rows * units)),
    recall: (o, t, rows, units) => recall(binaryConfusion(o, t, rows * units)),
    auc: (o, t, rows, units) => rocAuc(o, Uint8Array.from(t.subarray(0, rows * units), (v) => (v >= 0.5 ? 1 : 0)), rows * units),
    mae: (o, t, rows, units) => meanAbsoluteError(o, t, rows * units),
    mse: (o, t, rows, units) => meanSquaredError(o, t, rows * units),
  },
};

/** The validation log key of a metric: valLoss, valAccuracy, valAuc ... */
export function validationKey(name: string): string {
  return `val${name[0].toUpperCase()}${name.slice(1)}`;
}
