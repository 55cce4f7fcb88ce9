/** dd.optimizers: every optimizer class plus fromConfig. */
import { invalidParameter } from '../errors.js';
import { isPlainObject } from '../validate.js';
import { Adadelta } from './adadelta.js';
import { Adagrad } from './adagrad.js';
import { Adam } from './adam.js';
import { Adamax } from './adamax.js';
import { AdamW } from './adamw.js';
import { NAdam } from './nadam.js';
import type { Optimizer, OptimizerConfig } from './optimizer.js';
import { RAdam } from './radam.js';
import { RMSprop } from './rmsprop.js';
import { SGD } from './sgd.js';

const CLASSES = { SGD, Adagrad, Adadelta, RMSprop, Adam, AdamW, Adamax, NAdam, RAdam } as const;

/** Recreate an optimizer from `getConfig()` output (fresh state). */
export function fromConfig(config: OptimizerConfig): Optimizer {
  if (!isPlainObject(config)) throw invalidParameter('config', 'an object from getConfig()', config);
  const { className, ...options } = config;
  const names = Object.keys(CLASSES);
  if (typeof className !== 'string' || !Object.hasOwn(CLASSES, className)) {
    throw invalidParameter('config.className', `one of ${names.join(', ')}`, className);
  }
  return new CLASSES[className as keyof typeof CLASSES](options as never);
}

export const optimizers = { ...CLASSES, fromConfig };
export { SGD, Adagrad, Adadelta, RMSprop, Adam, AdamW, Adamax, NAdam, RAdam };
export { Optimizer } from './optimizer.js';
export type { OptimizerConfig, OptimizerState, TensorList } from './optimizer.js';
export type { SGDOptions } from './sgd.js';
export type { AdagradOptions } from './adagrad.js';
export type { AdadeltaOptions } from './adadelta.js';
export type { RMSpropOptions } from './rmsprop.js';
export type { AdamOptions } from './adam.js';
export type { AdamWOptions } from './adamw.js';
export type { AdamaxOptions } from './adamax.js';
export type { NAdamOptions } from './nadam.js';
export type { RAdamOptions } from './radam.js';
