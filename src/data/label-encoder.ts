/**
 * dd.data.LabelEncoder: string class labels to class indices and back, as
 * scikit-learn's LabelEncoder. `fit` sorts the distinct labels (JavaScript's
 * default string order, as the CSV loader), so the same labels always get the
 * same indices; a model's output c is the class `classes[c]`.
 */
import { invalidDescribed, invalidParameter } from '../errors.js';
import { Tensor } from '../tensor.js';
import { isPlainObject } from '../validate.js';

/** What LabelEncoder.toJSON() returns: the class names in index order. */
export interface LabelEncoderJson {
  classes: string[];
}

/** Maps class names to indices 0..classes.length-1 and back. */
export class LabelEncoder {
  #classes: string[] | null = null;
  #index = new Map<string, number>();

  /**
   * @param classes the class names in index order (e.g. a Dataset's classNames); omitted: unfitted until `fit`
   * @throws DendriteError for anything but a non-empty array of distinct strings
   */
  constructor(classes?: readonly string[]) {
    if (classes !== undefined) this.#setClasses(checkClasses(classes, 'classes'));
  }

  /** Whether the encoder knows its classes (fitted or given). */
  get fitted(): boolean {
    return this.#classes !== null;
  }

  /** A copy of the class names, in index order. @throws DendriteError before fit */
  get classes(): string[] {
    return [...this.#fitted('classes')];
  }

  /**
   * Learn the classes: the distinct labels, sorted.
   * @throws DendriteError for an empty array or a label that is not a string
   */
  fit(labels: readonly string[]): this {
    checkLabels(labels);
    this.#setClasses([...new Set(labels)].sort());
    return this;
  }

  /**
   * The class index of every label.
   * @throws DendriteError before fit, or for a label that is not one of the classes
   */
  transform(labels: readonly string[]): Int32Array {
    this.#fitted('transform');
    checkLabels(labels, true);
    return Int32Array.from(labels, (label, i) => {
      const c = this.#index.get(label);
      if (c === undefined) throw invalidParameter(`labels[${i}]`, `one of the classes ${this.#fitted('transform').map((n) => JSON.stringify(n)).join(', ')}`, label);
      return c;
    });
  }

  /** fit(labels), then transform(labels). */
  fitTransform(labels: readonly string[]): Int32Array {
    return this.fit(labels).transform(labels);
  }

  /**
   * The class name of every index (a Tensor's values, e.g. argmax results, count as indices).
   * @throws DendriteError before fit, or for an index that is not an integer in [0, classes.length)
   */
  inverseTransform(indices: ArrayLike<number> | Tensor): string[] {
    const classes = this.#fitted('inverseTransform');
    const values = indices instanceof Tensor ? indices.data : indices;
    if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
      throw invalidParameter('indices', 'an array of class indices', indices);
    }
    return Array.from({ length: values.length }, (_, i) => {
      const c = values[i];
      if (!Number.isInteger(c) || c < 0 || c >= classes.length) throw invalidParameter(`indices[${i}]`, `a class index in [0, ${classes.length - 1}]`, c);
      return classes[c];
    });
  }

  /** The classes as JSON (`{ classes }`); `LabelEncoder.fromJSON` restores them. @throws DendriteError before fit */
  toJSON(): LabelEncoderJson {
    return { classes: this.classes };
  }

  /** An encoder from toJSON()'s output. @throws DendriteError for malformed JSON */
  static fromJSON(json: unknown): LabelEncoder {
    if (!isPlainObject(json)) throw invalidParameter('json', 'an object { classes: string[] }', json);
    return new LabelEncoder(checkClasses(json.classes, 'json.classes'));
  }

  #fitted(method: string): string[] {
    if (!this.#classes) throw invalidDescribed(`LabelEncoder.${method}`, 'a fitted encoder (call fit first)', 'an unfitted one');
    return this.#classes;
  }

  #setClasses(classes: string[]): void {
    this.#classes = classes;
    this.#index = new Map(classes.map((name, i) => [name, i]));
  }
}

/** A non-empty array of distinct strings (copied). */
export function checkClasses(value: unknown, name: string): string[] {
  if (!Array.isArray(value) || value.length === 0) throw invalidParameter(name, 'a non-empty array of class names', value);
  const seen = new Set<string>();
  value.forEach((c, i) => {
    if (typeof c !== 'string') throw invalidParameter(`${name}[${i}]`, 'a class name (a string)', c);
    if (seen.has(c)) throw invalidParameter(`${name}[${i}]`, 'distinct class names', c);
    seen.add(c);
  });
  return [...value] as string[];
}

function checkLabels(labels: unknown, allowEmpty = false): void {
  if (!Array.isArray(labels) || (labels.length === 0 && !allowEmpty)) throw invalidParameter('labels', `${allowEmpty ? 'an' : 'a non-empty'} array of string labels`, labels);
  labels.forEach((l, i) => {
    if (typeof l !== 'string') throw invalidParameter(`labels[${i}]`, 'a string label', l);
  });
}
