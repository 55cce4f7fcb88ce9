/** dd.layers: the layer factories, and the className registry model.json is rebuilt from. */
import { DendriteError, invalidParameter } from '../errors.js';
import { isPlainObject } from '../validate.js';
import { batchNorm, BatchNorm } from './batch-norm.js';
import { conv2d, Conv2d } from './conv2d.js';
import { dense, Dense } from './dense.js';
import { dropout, Dropout } from './dropout.js';
import { embedding, Embedding } from './embedding.js';
import { flatten, Flatten } from './flatten.js';
import type { Layer } from './layer.js';
import { layerNorm, LayerNorm } from './layer-norm.js';
import { avgPool2d, AvgPool2d, globalAvgPool2d, GlobalAvgPool2d, maxPool2d, MaxPool2d } from './pool2d.js';

export const layers = { dense, conv2d, maxPool2d, avgPool2d, globalAvgPool2d, flatten, batchNorm, layerNorm, dropout, embedding };

const CLASSES: Record<string, new (options: never) => Layer> = {
  dense: Dense, conv2d: Conv2d, maxPool2d: MaxPool2d, avgPool2d: AvgPool2d, globalAvgPool2d: GlobalAvgPool2d,
  flatten: Flatten, batchNorm: BatchNorm, layerNorm: LayerNorm, dropout: Dropout, embedding: Embedding,
};
export const LAYER_CLASS_NAMES = Object.keys(CLASSES);

/** A layer from its getConfig() (model.json). */
export function layerFromConfig(config: unknown): Layer {
  if (!isPlainObject(config) || typeof config.className !== 'string' || !Object.hasOwn(CLASSES, config.className)) {
    throw invalidParameter('className', `one of the layer classes ${LAYER_CLASS_NAMES.map((n) => `'${n}'`).join(', ')}`, isPlainObject(config) ? config.className : config);
  }
  const { className, ...options } = config;
  try {
    return new CLASSES[className](options as never);
  } catch (err) {
    if (err instanceof DendriteError) throw err;
    throw invalidParameter(className, 'a valid layer config', config);
  }
}

export { Layer, WEIGHT_NAMES } from './layer.js';
export type { WeightName, LayerWeights, LayerGradients, ForwardOptions, LayerOptions } from './layer.js';
export { Dense, Conv2d, MaxPool2d, AvgPool2d, GlobalAvgPool2d, Flatten, BatchNorm, LayerNorm, Dropout, Embedding };
export type { DenseOptions, ActivationSpec } from './dense.js';
export type { Conv2dOptions } from './conv2d.js';
export type { Pool2dOptions } from './pool2d.js';
export type { BatchNormOptions } from './batch-norm.js';
export type { LayerNormOptions } from './layer-norm.js';
export type { DropoutOptions } from './dropout.js';
export type { EmbeddingOptions } from './embedding.js';
export type { Padding } from './window.js';
export { INITIALIZER_NAMES } from './initializers.js';
export type { InitializerName } from './initializers.js';
