/**
 * Reading models: dd.loadModel(dir) rebuilds a Sequential from model.save()'s
 * files (architecture, weights, compile options, optimizer state, preprocessing;
 * restoreModel, shared with dd.modelFromBuffer), and
 * dd.loadWeights(model, file) fills an existing model from a safetensors file
 * in the dendrite or torch layout. Every problem with a file is a
 * DendriteError (code ERR_DENDRITE_INVALID_FILE) naming the file.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { backendNamed } from '../backend/registry.js';
import type { BackendName } from '../backend/backend.js';
import { DendriteError, invalidParameter } from '../errors.js';
import { layerFromConfig } from '../layer/index.js';
import { Loss } from '../loss/index.js';
import { checkMetricSpecs } from '../metrics/index.js';
import type { Sequential } from '../model/sequential.js';
import { modelClass } from './model-classes.js';
import { fromConfig } from '../optimizer/index.js';
import { checkOneOf, checkOptions } from '../validate.js';
import { Preprocessing, setPreprocessing } from '../data/preprocessing.js';
import { restoreLayerState } from './layer-state.js';
import { WEIGHTS_LAYOUTS, tensorsToWeights, type WeightsLayout } from './layout.js';
import { MODEL_FILE, OPTIMIZER_FILE, WEIGHTS_FILE, parseModelJson, type ModelJson } from './model-json.js';
import { tensorsToState } from './optimizer-state.js';
import { fileError, parseSafetensors, type ParsedSafetensors } from './safetensors.js';

/** Options of `dd.loadWeights(model, file, options)`. */
export interface LoadWeightsOptions {
  /**
   * 'dendrite' (default): the names and shapes that model.save() and
   * model.saveWeights() write (`layers.<i>.<name>`, e.g. dense weight [in, out]).
   *
   * 'torch': the state dict of the equivalent torch nn.Sequential, named
   * `<prefix><n>.<torchName>` with one common prefix and an integer n (`0.weight`,
   * `2.running_mean`, `features.3.bias`: module indices, modules without tensors
   * included, or `layers.<i>.weight` as saveWeights writes). The names are grouped by
   * n and sorted; the groups are matched in order to the layers that have tensors,
   * and each must hold exactly its module's tensors:
   * - dense <- nn.Linear `weight` [out, in] (transposed on load; after a flatten of an
   *   image [H, W, C] its input axis is read in torch's (c, h, w) order, as are the
   *   per-feature tensors of a batchNorm or layerNorm between them), `bias`.
   * - conv2d <- nn.Conv2d `weight` [out, in, kh, kw] (to [kh, kw, in, out]), `bias`.
   * - batchNorm <- nn.BatchNorm1d/2d `weight` (gamma), `bias` (beta), `running_mean`,
   *   `running_var`; `num_batches_tracked` is optional and ignored (an integer scalar:
   *   I64 or I32).
   * - layerNorm <- nn.LayerNorm `weight`, `bias`. embedding <- nn.Embedding `weight` as is.
   * - flatten, pooling and dropout layers have no tensors (and no group).
   */
  layout?: WeightsLayout;
}

export interface LoadModelOptions {
  /** The loaded model's own backend (SequentialOptions.backend), e.g. 'cuda' on a GPU server. */
  backend?: BackendName;
}

/**
 * Where restoreModel reads the files of a save from: a directory (loadModel) or a
 * model buffer (modelFromBuffer). Both go through the same parsing and checks.
 */
export interface ModelSource {
  /** The bytes of the file `name` (model.json, weights.safetensors, ...), or null when the save lacks it. */
  read(name: string): Promise<Uint8Array | null>;
  /** How error messages name the file `name` (a path, or `name in the model buffer`). */
  where(name: string): string;
  /** The error for a source without model.json. */
  missingModel(): Error;
}

/**
 * Load a model saved with `model.save(dir)`: the architecture and weights, and
 * when it was saved compiled, the optimizer, loss and metrics, plus the
 * optimizer state if it was saved (so `fit` continues the same trajectory), and
 * its preprocessing (dd.data.preprocessingOf) if it had one.
 * @param dir the directory given to model.save()
 * @param options `backend`: the model's own backend (default: it follows dd.setBackend)
 * @throws DendriteError naming the file, for a missing model.json or any malformed or mismatched file
 */
export async function loadModel(dir: string, options: LoadModelOptions = {}): Promise<Sequential> {
  if (typeof dir !== 'string' || dir === '') throw invalidParameter('dir', 'a directory path', dir);
  const backend = checkBackendOption(options);
  return restoreModel({
    async read(name) {
      try {
        return await readFile(path.join(dir, name));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
    where: (name) => path.join(dir, name),
    missingModel: () => fileError(dir, `a directory written by model.save() (with ${MODEL_FILE})`, `a path without ${path.join(dir, MODEL_FILE)}`),
  }, backend);
}

/** options.backend of loadModel and modelFromBuffer, checked before anything is read (fail fast). */
export function checkBackendOption(options: LoadModelOptions): BackendName | undefined {
  const backend = checkOptions(options, ['backend']).backend as BackendName | undefined;
  if (backend !== undefined) backendNamed(backend);
  return backend;
}

/** The model of a save, from its files: see loadModel. */
export async function restoreModel(source: ModelSource, backend?: BackendName): Promise<Sequential> {
  const jsonBytes = await source.read(MODEL_FILE);
  if (jsonBytes === null) throw source.missingModel();
  const jsonPath = source.where(MODEL_FILE);
  const text = decodeUtf8(jsonBytes, jsonPath);
  const description = parseModelJson(text, jsonPath);
  const model = rebuild(description, jsonPath, backend);

  const weightsPath = source.where(WEIGHTS_FILE);
  const weights = await readSaved(source, WEIGHTS_FILE);
  checkSameSave(weights, description, weightsPath);
  model.setWeights(tensorsToWeights(model, weights, 'dendrite', weightsPath));
  restoreLayerState(model.layers, weights.metadata, weightsPath);

  const { compile } = description;
  if (compile) {
    model.compile({
      optimizer: rebuilt('an optimizer config for dd.optimizers.fromConfig', 'compile.optimizer', jsonPath, () => fromConfig(compile.optimizer)),
      loss: rebuilt('a loss name and options', 'compile.loss', jsonPath, () => new Loss(compile.loss, compile.lossOptions as never)),
      metrics: rebuilt('metric names', 'compile.metrics', jsonPath, () => checkMetricSpecs(compile.metrics)),
    });
  } else if (description.includesOptimizer) {
    throw fileError(`includesOptimizer in ${jsonPath}`, 'false for a model saved without compile options', 'true');
  }
  if (description.includesOptimizer) {
    const statePath = source.where(OPTIMIZER_FILE);
    const file = await readSaved(source, OPTIMIZER_FILE);
    checkSameSave(file, description, statePath);
    const state = tensorsToState(file, model.parameters(), statePath);
    rebuilt(`the state of the compiled ${model.optimizer!.className}`, 'the optimizer state', statePath, () => model.optimizer!.loadStateDict(state));
  }
  if (description.preprocessing !== undefined) {
    const preprocessing = description.preprocessing;
    rebuilt('preprocessing { scaling?: { mean, std }, classNames? } that fits the model', 'preprocessing', jsonPath,
      () => setPreprocessing(model, Preprocessing.fromJSON(preprocessing)));
  }
  return model;
}

/**
 * Overwrite a model's weights (batch norm's running statistics included) with those of
 * a safetensors file (see LoadWeightsOptions for the layouts and the torch mapping of
 * every layer type). F32 is read as is, F64, F16 and BF16 are converted to float32.
 * @throws DendriteError naming the file, for malformed files, missing or unexpected tensors and shape mismatches
 */
export async function loadWeights(model: Sequential, file: string, options?: LoadWeightsOptions): Promise<void> {
  if (!(model instanceof modelClass('Sequential'))) throw invalidParameter('model', 'a model from dd.sequential', model);
  if (typeof file !== 'string' || file === '') throw invalidParameter('file', 'a file path', file);
  const layout = checkOneOf(checkOptions(options, ['layout']).layout ?? 'dendrite', 'layout', WEIGHTS_LAYOUTS);
  const parsed = await readSafetensors(file);
  model.setWeights(tensorsToWeights(model, parsed, layout, file));
}

async function readSafetensors(file: string): Promise<ParsedSafetensors> {
  return parseSafetensors(await readFile(file), file);
}

/** A safetensors file of the save, parsed; a missing one is an error naming it. */
async function readSaved(source: ModelSource, name: string): Promise<ParsedSafetensors> {
  const bytes = await source.read(name);
  const where = source.where(name);
  if (bytes === null) throw fileError(where, `the ${name} of the save (named by ${MODEL_FILE})`, 'no such file');
  return parseSafetensors(bytes, where);
}

function decodeUtf8(bytes: Uint8Array, source: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw fileError(source, 'a UTF-8 JSON model description', 'bytes that are not UTF-8');
  }
}

/** The Sequential described by model.json, with freshly initialised weights. */
function rebuild(description: ModelJson, source: string, backend?: BackendName): Sequential {
  const { seed, layers } = description.model;
  const built = layers.map((config, i) => rebuilt('a layer config (className and options)', `model.layers[${i}]`, source, () => layerFromConfig(config)));
  return rebuilt('a Sequential config', 'model', source, () => new (modelClass('Sequential'))(built, { seed, backend }));
}

/** make(), with a DendriteError it throws restated as a problem of `name` in the file. */
function rebuilt<T>(expected: string, name: string, source: string, make: () => T): T {
  try {
    return make();
  } catch (err) {
    if (!(err instanceof DendriteError)) throw err;
    throw fileError(`${name} in ${source}`, expected, `one that fails with: ${err.message}`);
  }
}

/** A file whose `__metadata__.saveId` differs from model.json's comes from another save. */
function checkSameSave(file: ParsedSafetensors, description: ModelJson, source: string): void {
  const id = file.metadata.saveId;
  if (id !== undefined && id !== description.saveId) {
    throw fileError(source, `a file of the same save as ${MODEL_FILE} (saveId ${description.saveId})`, `saveId ${id} (files of different saves are mixed)`);
  }
}
