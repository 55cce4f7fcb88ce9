/**
 * model.json, the description of a saved model: the architecture, the compile
 * options, which files hold the weights and optimizer state, the versions and
 * the optional preprocessing (feature scaling, class names).
 */
import type { PreprocessingJson } from '../data/preprocessing.js';
import type { CompileConfig } from '../model/sequential.js';
import { describe } from '../errors.js';
import { isPlainObject } from '../validate.js';
import { fileError } from './file-error.js';
import { parseJsonGuarded } from './json-guard.js';

/** The files of a saved model directory. */
export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.safetensors';
export const OPTIMIZER_FILE = 'optimizer.safetensors';

/** Identifies model.json files written by dendrite. */
export const MODEL_FORMAT = 'dendrite.sequential';
/** Bumped on incompatible changes; readers accept this version and older ones. */
export const FORMAT_VERSION = 1;

/** Largest model.json read (bytes): checked before it is read. */
export const MAX_MODEL_JSON_BYTES = 64 * 2 ** 20;
/** Deepest JSON nesting accepted in model.json (configs nest about 5 levels), checked before parsing. */
const MAX_MODEL_JSON_DEPTH = 16;

/** The contents of model.json. */
export interface ModelJson {
  format: typeof MODEL_FORMAT;
  formatVersion: number;
  /** The dendrite version that wrote it. */
  dendriteVersion: string;
  /** Random id of the save; the safetensors files of the same save carry it in `__metadata__.saveId`. */
  saveId: string;
  /** Sequential.getConfig(): className 'Sequential', seed, layers (Dense.getConfig() each). */
  model: { className: 'Sequential'; seed: number; layers: Record<string, unknown>[] };
  /** The compile options, or null for an uncompiled model. */
  compile: CompileConfig | null;
  /** Whether optimizer.safetensors belongs to this save. */
  includesOptimizer: boolean;
  /**
   * The model's preprocessing (dd.data.setPreprocessing), when it has one: the feature
   * `scaling` ({ mean, std }) and the `classNames` of its outputs. Optional: files
   * without it load as before.
   */
  preprocessing?: PreprocessingJson;
}

/**
 * Parse and check model.json's structure (the layer, loss and optimizer
 * configs themselves are validated when the model is rebuilt from them).
 */
export function parseModelJson(text: string, source: string): ModelJson {
  const json = parseJsonGuarded(text, source, 'a JSON model description', MAX_MODEL_JSON_DEPTH);
  if (!isPlainObject(json) || json.format !== MODEL_FORMAT) {
    throw fileError(source, `a model.json written by model.save() (format '${MODEL_FORMAT}')`, isPlainObject(json) ? `format ${describe(json.format)}` : describe(json));
  }
  const field = (name: string, ok: boolean, what: string): void => {
    if (!ok) throw fileError(`${name} in ${source}`, what, describe((json as Record<string, unknown>)[name]));
  };
  const v = json.formatVersion;
  field('formatVersion', Number.isInteger(v) && (v as number) >= 1 && (v as number) <= FORMAT_VERSION, `a format version from 1 to ${FORMAT_VERSION} (newer files need a newer dendrite)`);
  field('dendriteVersion', typeof json.dendriteVersion === 'string', 'a version string');
  field('saveId', typeof json.saveId === 'string', 'a string');
  field('includesOptimizer', typeof json.includesOptimizer === 'boolean', 'a boolean');
  const model = json.model;
  field('model', isPlainObject(model) && model.className === 'Sequential' && Array.isArray(model.layers) && model.layers.every(isPlainObject),
    "an object { className: 'Sequential', seed, layers: [layer configs] }");
  const compile = json.compile;
  field('compile', compile === null || (isPlainObject(compile) && isPlainObject(compile.optimizer) && typeof compile.loss === 'string'
    && isPlainObject(compile.lossOptions) && Array.isArray(compile.metrics)),
  'null or an object { optimizer, loss, lossOptions, metrics }');
  field('preprocessing', json.preprocessing === undefined || isPlainObject(json.preprocessing), 'an object { scaling?, classNames? } (or no field)');
  return json as unknown as ModelJson;
}
