/**
 * What `dendrite compare` crosses: activations, optimizers (with their
 * default learning rates) and gradient-descent modes.
 */
import * as dd from '../../index.js';
import { argumentError } from '../../data/index.js';
import { parseNumberFlag, POSITIVE } from '../options.js';

/** The flavours of gradient descent: how many rows each step sees. */
export const MODES = ['batch', 'stochastic', 'minibatch'] as const;
export type Mode = (typeof MODES)[number];

/** The activations compared by default; 'linear' is the baseline (no non-linearity). */
export const DEFAULT_ACTIVATIONS = ['linear', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'swish', 'gelu'] as const;

/** The hidden-layer activations `--activations` accepts (the element-wise ones of dd.ACTIVATION_NAMES). */
export function activationChoices(): string[] {
  return dd.ACTIVATION_NAMES.filter((n) => n !== 'softmax' && n !== 'logSoftmax');
}

/** One optimizer of the grid: default learning rates per mode and a factory. */
export interface OptimizerChoice {
  /** Default learning rate for each flavour of gradient descent, plus `wide`: mini-batches of data with more than WIDE features. */
  lr: Record<Mode | 'wide', number>;
  /** The settings besides lr, as shown in results. */
  settings: string;
  make(lr: number): dd.Optimizer;
}

/**
 * The optimizers and their default learning rates per mode. Each default is
 * the best of a sweep over {0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 0.5, 1} on
 * spirals with the default MLP and epoch budget (mean validation accuracy over
 * the activations). Stochastic steps (1 row) are noisy and want smaller rates,
 * full-batch steps are few and want larger ones. `wide` is the same sweep on
 * Fashion-MNIST (784 features, MLP 784-128-64-10, 5 epochs of mini-batches).
 * `--lr` overrides them.
 */
export const OPTIMIZERS: Record<string, OptimizerChoice> = {
  sgd: { lr: { minibatch: 0.5, stochastic: 0.01, batch: 1, wide: 0.1 }, settings: 'plain', make: (lr) => new dd.optimizers.SGD({ lr }) },
  momentum: { lr: { minibatch: 0.1, stochastic: 0.001, batch: 0.3, wide: 0.03 }, settings: 'momentum 0.9', make: (lr) => new dd.optimizers.SGD({ lr, momentum: 0.9 }) },
  nesterov: { lr: { minibatch: 0.1, stochastic: 0.001, batch: 0.3, wide: 0.03 }, settings: 'momentum 0.9, nesterov', make: (lr) => new dd.optimizers.SGD({ lr, momentum: 0.9, nesterov: true }) },
  adagrad: { lr: { minibatch: 0.3, stochastic: 0.1, batch: 0.3, wide: 0.01 }, settings: '', make: (lr) => new dd.optimizers.Adagrad({ lr }) },
  adadelta: { lr: { minibatch: 1, stochastic: 1, batch: 1, wide: 1 }, settings: 'rho 0.9', make: (lr) => new dd.optimizers.Adadelta({ lr }) },
  rmsprop: { lr: { minibatch: 0.01, stochastic: 0.001, batch: 0.01, wide: 0.001 }, settings: 'alpha 0.99', make: (lr) => new dd.optimizers.RMSprop({ lr }) },
  adam: { lr: { minibatch: 0.01, stochastic: 0.001, batch: 0.03, wide: 0.003 }, settings: 'betas 0.9, 0.999', make: (lr) => new dd.optimizers.Adam({ lr }) },
  adamw: { lr: { minibatch: 0.01, stochastic: 0.001, batch: 0.03, wide: 0.003 }, settings: 'weight decay 0.01', make: (lr) => new dd.optimizers.AdamW({ lr }) },
  adamax: { lr: { minibatch: 0.03, stochastic: 0.01, batch: 0.03, wide: 0.01 }, settings: '', make: (lr) => new dd.optimizers.Adamax({ lr }) },
  nadam: { lr: { minibatch: 0.01, stochastic: 0.001, batch: 0.03, wide: 0.003 }, settings: '', make: (lr) => new dd.optimizers.NAdam({ lr }) },
  radam: { lr: { minibatch: 0.01, stochastic: 0.001, batch: 0.1, wide: 0.003 }, settings: '', make: (lr) => new dd.optimizers.RAdam({ lr }) },
};

/** The optimizers compared by default (adamax, nadam and radam on request). */
export const DEFAULT_OPTIMIZERS = ['sgd', 'momentum', 'nesterov', 'adagrad', 'adadelta', 'rmsprop', 'adam', 'adamw'] as const;

/** fit's batchSize for a mode. */
export function batchSizeOf(mode: Mode, miniBatch: number): number | 'full' {
  return mode === 'batch' ? 'full' : mode === 'stochastic' ? 1 : miniBatch;
}

/**
 * Parse a comma-separated list against the allowed names; 'default' expands to
 * `defaults` and 'all' to every allowed name. Order is kept, duplicates dropped.
 * @throws DendriteError (house format) naming the flag and the unknown item
 */
export function parseList(value: string, flag: string, allowed: readonly string[], defaults: readonly string[]): string[] {
  const out: string[] = [];
  const items = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw argumentError(flag, `a comma-separated list of ${allowed.join(', ')}`, JSON.stringify(value));
  for (const item of items) {
    const key = item.toLowerCase();
    const names = key === 'all' ? allowed : key === 'default' ? defaults : [allowed.find((a) => a.toLowerCase() === key)];
    if (names[0] === undefined) throw argumentError(flag, `a comma-separated list of ${allowed.join(', ')} (or default, all)`, JSON.stringify(item));
    for (const n of names as string[]) if (!out.includes(n)) out.push(n);
  }
  return out;
}

/**
 * Parse `--lr`: one number for every optimizer, or `name=value` pairs
 * (e.g. `adam=0.001,sgd=0.5`) for some of them. Returns the overrides only.
 */
export function parseLearningRates(value: string | undefined): Record<string, number> {
  if (value === undefined) return {};
  const positive = (text: string, name: string) => parseNumberFlag(text, name, POSITIVE);
  if (!value.includes('=')) {
    const lr = positive(value, '--lr');
    return Object.fromEntries(Object.keys(OPTIMIZERS).map((o) => [o, lr]));
  }
  const rates: Record<string, number> = {};
  for (const pair of value.split(',')) {
    const [name, text = ''] = pair.split('=');
    const key = name.trim().toLowerCase();
    if (!Object.hasOwn(OPTIMIZERS, key)) throw argumentError('--lr', `name=value pairs with names among ${Object.keys(OPTIMIZERS).join(', ')}`, JSON.stringify(pair));
    rates[key] = positive(text, `--lr ${key}`);
  }
  return rates;
}

/** Data with more than this many features use the `wide` learning rates. */
export const WIDE = 100;

/**
 * The learning rate of an optimizer in a mode for data of `features` columns:
 * the override, else the table's default (on wide data: the `wide` rate, or the
 * stochastic one when smaller, in stochastic mode).
 */
export function learningRate(optimizer: string, mode: Mode, overrides: Record<string, number>, features = 2): number {
  const lr = OPTIMIZERS[optimizer].lr;
  if (overrides[optimizer] !== undefined) return overrides[optimizer];
  if (features <= WIDE) return lr[mode];
  return mode === 'stochastic' ? Math.min(lr.wide, lr.stochastic) : lr.wide;
}
