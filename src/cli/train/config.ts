/**
 * The model file of `dendrite train --config model.json`:
 *
 *   {
 *     "layers": [{ "units": 64, "activation": "relu" }, { "units": 64, "activation": "relu" }],
 *     "optimizer": "adam",              // a compare name (sgd, momentum, adam ...) or { "className": "Adam", "lr": 0.01, ... }
 *     "lr": 0.01,                       // with a name: the learning rate (default: compare's mini-batch default)
 *     "epochs": 50, "batchSize": 128, "seed": 1
 *   }
 *
 * `layers` are the hidden Dense layers (any dd.layers.dense option but
 * inputSize); the output layer, one logit per class, is added. Every key is optional.
 */
import { readFile } from 'node:fs/promises';
import * as dd from '../../index.js';
import { dataError, type Dataset } from '../../data/index.js';
import { learningRate, OPTIMIZERS } from '../compare/grid.js';

/** A parsed model file. */
export interface ModelConfig {
  layers: Record<string, unknown>[];
  optimizer: string | Record<string, unknown>;
  lr?: number;
  epochs?: number;
  batchSize?: number;
  seed?: number;
}

const KEYS = ['layers', 'optimizer', 'lr', 'epochs', 'batchSize', 'seed'];

/** The model used without --config: two hidden layers of 64 relu units, Adam. */
export const DEFAULT_MODEL: ModelConfig = { layers: [{ units: 64, activation: 'relu' }, { units: 64, activation: 'relu' }], optimizer: 'adam' };

/**
 * Read and check a model file.
 * @throws DendriteError naming the file and the key for unreadable JSON, unknown keys and wrong types
 */
export async function readModelConfig(file: string): Promise<ModelConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw dataError('--config', 'a readable model file (JSON)', `${JSON.stringify(file)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw dataError(file, 'a JSON model file', `invalid JSON (${(err as Error).message})`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw dataError(file, 'a JSON object', Array.isArray(json) ? 'an array' : typeof json);
  const o = json as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!KEYS.includes(key)) throw dataError(`key ${JSON.stringify(key)} in ${file}`, `one of ${KEYS.join(', ')}`, 'an unknown key');
  const layers = o.layers ?? DEFAULT_MODEL.layers;
  if (!Array.isArray(layers) || layers.some((l) => !l || typeof l !== 'object' || Array.isArray(l))) throw dataError(`layers in ${file}`, 'an array of Dense layer options ({ "units": 64, "activation": "relu" })', JSON.stringify(layers));
  const optimizer = o.optimizer ?? DEFAULT_MODEL.optimizer;
  if (typeof optimizer === 'string' ? !Object.hasOwn(OPTIMIZERS, optimizer) : !optimizer || typeof optimizer !== 'object' || Array.isArray(optimizer)) {
    throw dataError(`optimizer in ${file}`, `one of ${Object.keys(OPTIMIZERS).join(', ')} or an optimizer config ({ "className": "Adam", "lr": 0.01 })`, JSON.stringify(optimizer));
  }
  const number = (key: string, integer: boolean) => {
    const v = o[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !(v > 0) || (integer && !Number.isInteger(v))) throw dataError(`${key} in ${file}`, integer ? 'an integer >= 1' : 'a positive number', JSON.stringify(v));
    return v;
  };
  return { layers: layers as Record<string, unknown>[], optimizer: optimizer as ModelConfig['optimizer'], lr: number('lr', false), epochs: number('epochs', true), batchSize: number('batchSize', true), seed: number('seed', true) };
}

/** Build and compile the model a config describes for a data set. */
export function buildFromConfig(config: ModelConfig, data: Dataset, source: string): dd.Sequential {
  const within = <T>(name: string, make: () => T): T => {
    try {
      return make();
    } catch (err) {
      if (err instanceof dd.DendriteError) throw dataError(`${name} in ${source}`, 'valid options', `options that fail with: ${err.message}`);
      throw err;
    }
  };
  const hidden = config.layers.map((options, i) => within(`layers[${i}]`, () => dd.layers.dense({ ...(options as unknown as dd.DenseOptions), ...(i === 0 ? { inputSize: data.features } : {}) })));
  const output = dd.layers.dense({ units: data.classes, ...(hidden.length === 0 ? { inputSize: data.features } : {}) });
  const model = within('layers', () => dd.sequential([...hidden, output], { seed: config.seed ?? 1 }));
  const optimizer = within('optimizer', () => (typeof config.optimizer === 'string'
    ? OPTIMIZERS[config.optimizer].make(config.lr ?? learningRate(config.optimizer, 'minibatch', {}, data.features))
    : dd.optimizers.fromConfig({ ...config.optimizer, ...(config.lr !== undefined ? { lr: config.lr } : {}) } as dd.OptimizerConfig)));
  model.compile({ optimizer, loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });
  return model;
}
