/**
 * Reading models: dd.loadModel(dir) rebuilds a Sequential from model.save()'s
 * files (architecture, weights, compile options, optimizer state, preprocessing;
 * restoreModel, shared with dd.modelFromBuffer), and
 * dd.loadWeights(model, file) fills an existing model from a safetensors file
 * in the dendrite or torch layout. Every problem with a file is a
 * DendriteError (code ERR_DENDRITE_INVALID_FILE) naming the file.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { backendNamed } from '../backend/registry.js';
import type { BackendName } from '../backend/backend.js';
import { DendriteError, invalidParameter } from '../errors.js';
import { layerFromConfig } from '../layer/index.js';
import { withoutInitialization } from '../layer/layer.js';
import { Loss } from '../loss/index.js';
import { checkMetricSpecs } from '../metrics/index.js';
import type { Sequential } from '../model/sequential.js';
import { modelClass } from './model-classes.js';
import { fromConfig } from '../optimizer/index.js';
import { checkOneOf, checkOptions } from '../validate.js';
import { Preprocessing, setPreprocessing } from '../data/preprocessing.js';
import { restoreLayerState } from './layer-state.js';
import { openFileSource, type ByteSource } from './byte-source.js';
import { fileError } from './file-error.js';
import { WEIGHTS_LAYOUTS, fromFileOrder, matchWeights, type WeightMatch, type WeightsLayout } from './layout.js';
import { MAX_MODEL_JSON_BYTES, MODEL_FILE, OPTIMIZER_FILE, WEIGHTS_FILE, parseModelJson, type ModelJson } from './model-json.js';
import { matchState } from './optimizer-state.js';
import { entrySize, readSafetensorsHeader, readTensor, readTensorInto, type SafetensorsHeader } from './safetensors.js';
import { openSaveFile, readRecord } from './save-dir.js';

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
  /** The file `name` (model.json, weights.safetensors, ...) for range reads, or null when the save lacks it. */
  open(name: string): Promise<ByteSource | null>;
  /** How error messages name the file `name` (a path, or `name in the model buffer`). */
  where(name: string): string;
  /** The error for a source without model.json. */
  missingModel(): Error;
}

/** How often loadModel reopens a directory whose files a concurrent save switched between its opens. */
const LOAD_ATTEMPTS = 12;
/** Errors that a concurrent save can cause (files of two saves): loadModel tries again. */
const retryable = new WeakSet<Error>();

/**
 * Load a model saved with `model.save(dir)`: the architecture and weights, and
 * when it was saved compiled, the optimizer, loss and metrics, plus the
 * optimizer state if it was saved (so `fit` continues the same trajectory), and
 * its preprocessing (dd.data.preprocessingOf) if it had one. A save running in
 * another process meanwhile is never seen half done: the files are read from one
 * save (the previous or the new one).
 * @param dir the directory given to model.save()
 * @param options `backend`: the model's own backend (default: it follows dd.setBackend)
 * @throws DendriteError naming the file, for a missing model.json or any malformed or mismatched file
 */
export async function loadModel(dir: string, options: LoadModelOptions = {}): Promise<Sequential> {
  if (typeof dir !== 'string' || dir === '') throw invalidParameter('dir', 'a directory path', dir);
  const backend = checkBackendOption(options);
  return restoreModel(async () => {
    const record = await readRecord(dir);
    return {
      open: (name) => openSaveFile(dir, record, name),
      where: (name) => path.join(dir, name),
      missingModel: () => fileError(dir, `a directory written by model.save() (with ${MODEL_FILE})`, `a path without ${path.join(dir, MODEL_FILE)}`),
    };
  }, backend, LOAD_ATTEMPTS);
}

/** options.backend of loadModel and modelFromBuffer, checked before anything is read (fail fast). */
export function checkBackendOption(options: LoadModelOptions): BackendName | undefined {
  const backend = checkOptions(options, ['backend']).backend as BackendName | undefined;
  if (backend !== undefined) backendNamed(backend);
  return backend;
}

/** One file of a save, open, with its checked header. */
interface OpenTensors {
  source: ByteSource;
  header: SafetensorsHeader;
}

/** The files of one save, open (their contents stay as they were even if a save replaces them now). */
interface OpenSave {
  description: ModelJson;
  jsonPath: string;
  weights: OpenTensors;
  optimizer: OpenTensors | null;
}

/**
 * The model of a save, from its files: see loadModel. `source()` gives a fresh view of
 * the save for each of `attempts` tries (a directory's commit record is read again).
 */
export async function restoreModel(source: () => Promise<ModelSource>, backend?: BackendName, attempts = 1): Promise<Sequential> {
  for (let attempt = 1; ; attempt++) {
    const opened: ByteSource[] = [];
    try {
      const save = await openSave(await source(), opened);
      return await rebuildSave(save, backend);
    } catch (err) {
      if (!(err instanceof Error && retryable.has(err)) || attempt >= attempts) throw err;
    } finally {
      await Promise.all(opened.map((s) => s.close()));
    }
    await sleep(Math.min(2 ** attempt, 50)); // a concurrent save is switching its files: look again
  }
}

/** Open model.json and the tensor files it names, read model.json and the headers, and check that they belong to one save. */
async function openSave(source: ModelSource, opened: ByteSource[]): Promise<OpenSave> {
  const open = async (name: string) => {
    const file = await source.open(name);
    if (file) opened.push(file);
    return file;
  };
  const jsonFile = await open(MODEL_FILE);
  if (jsonFile === null) throw source.missingModel();
  const jsonPath = source.where(MODEL_FILE);
  if (jsonFile.size > MAX_MODEL_JSON_BYTES) throw fileError(jsonPath, `a model description of at most ${MAX_MODEL_JSON_BYTES} bytes`, `${jsonFile.size} bytes`);
  const jsonBytes = new Uint8Array(jsonFile.size);
  await jsonFile.read(jsonBytes, 0);
  const description = parseModelJson(decodeUtf8(jsonBytes, jsonPath), jsonPath);
  const tensors = async (name: string): Promise<OpenTensors> => {
    const file = await open(name);
    if (file === null) {
      const error = fileError(source.where(name), `the ${name} of the save (named by ${MODEL_FILE})`, 'no such file');
      retryable.add(error); // a save that removes it may have switched model.json since
      throw error;
    }
    const header = await readSafetensorsHeader(file);
    checkSameSave(header, description, file.name);
    return { source: file, header };
  };
  const weights = await tensors(WEIGHTS_FILE);
  const optimizer = description.includesOptimizer ? await tensors(OPTIMIZER_FILE) : null;
  return { description, jsonPath, weights, optimizer };
}

/** The model of an open save: checked against the headers, built without initialisation, then filled from the files. */
async function rebuildSave(save: OpenSave, backend?: BackendName): Promise<Sequential> {
  const { description, jsonPath, weights } = save;
  const model = rebuild(description, jsonPath, weights, backend);
  const matches = matchWeights(model, weights.header, 'dendrite', weights.source.name);
  await fillWeights(model, weights, matches);
  restoreLayerState(model.layers, weights.header.metadata, weights.source.name);

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
  if (save.optimizer) {
    const { source, header } = save.optimizer;
    const match = matchState(header, model.parameters(), source.name);
    // Each buffer's length, checked against the optimizer's slots before anything is read; then each
    // tensor is read by ranges straight into the optimizer's new arena (no full-size temporaries:
    // ~268 MB of them for a 33.6M-parameter Adam state meant GC pauses that blocked the event loop).
    const slots: Record<string, number[]> = {};
    for (const [slot, names] of match.slots) slots[slot] = names.map((name) => entrySize(header.tensors.get(name)!)); // names were checked: no __proto__ and the like
    const state = { className: match.className, step: match.step, scalars: match.scalars, slots };
    await rebuiltAsync(`the state of the compiled ${model.optimizer!.className}`, 'the optimizer state', source.name,
      () => model.optimizer!.loadStateDictWith(state, (slot, i, into) => readTensorInto(source, header, header.tensors.get(match.slots.get(slot)![i])!, into)));
  }
  if (description.preprocessing !== undefined) {
    const preprocessing = description.preprocessing;
    rebuilt('preprocessing { scaling?: { mean, std }, classNames? } that fits the model', 'preprocessing', jsonPath,
      () => setPreprocessing(model, Preprocessing.fromJSON(preprocessing)));
  }
  return model;
}

/** Read each matched file tensor straight into the model's own tensor (or through a temporary array for a permuted one). */
async function fillWeights(model: Sequential, file: OpenTensors, matches: readonly WeightMatch[]): Promise<void> {
  const targets = model.tensors();
  for (const [i, match] of matches.entries()) {
    const entry = file.header.tensors.get(match.name)!;
    if (match.reorder === null) {
      await readTensorInto(file.source, file.header, entry, targets[i].data);
    } else {
      await fromFileOrder(await readTensor(file.source, file.header, entry), match, targets[i].data);
    }
  }
}

/**
 * Overwrite a model's weights (batch norm's running statistics included) with those of
 * a safetensors file (see LoadWeightsOptions for the layouts and the torch mapping of
 * every layer type). F32 is read as is, F64, F16 and BF16 are converted to float32.
 * The file is read by ranges (no size limit); the model's weights change only once the
 * whole file has been read and checked.
 * @throws DendriteError naming the file, for malformed files, missing or unexpected tensors and shape mismatches
 */
export async function loadWeights(model: Sequential, file: string, options?: LoadWeightsOptions): Promise<void> {
  if (!(model instanceof modelClass('Sequential'))) throw invalidParameter('model', 'a model from dd.sequential', model);
  if (typeof file !== 'string' || file === '') throw invalidParameter('file', 'a file path', file);
  const layout = checkOneOf(checkOptions(options, ['layout']).layout ?? 'dendrite', 'layout', WEIGHTS_LAYOUTS);
  const source = (await openFileSource(file))!;
  try {
    const header = await readSafetensorsHeader(source);
    const matches = matchWeights(model, header, layout, file);
    const sizes = model.tensors().map((t) => t.size);
    const weights: Float32Array[] = [];
    for (const [i, match] of matches.entries()) {
      const values = await readTensor(source, header, header.tensors.get(match.name)!);
      if (match.reorder === null) {
        weights.push(values);
      } else {
        const out = new Float32Array(sizes[i]);
        await fromFileOrder(values, match, out);
        weights.push(out);
      }
    }
    model.setWeights(weights);
  } finally {
    await source.close();
  }
}

function decodeUtf8(bytes: Uint8Array, source: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw fileError(source, 'a UTF-8 JSON model description', 'bytes that are not UTF-8');
  }
}

/**
 * The Sequential described by model.json, with zero tensors (the caller fills them from
 * the weights file). Before anything is allocated, the tensors its layer configs imply
 * are computed from the shapes alone and may not hold more values than the weights file:
 * a hostile model.json cannot make the process allocate more than the files it comes with.
 */
function rebuild(description: ModelJson, source: string, weights: OpenTensors, backend?: BackendName): Sequential {
  const { seed, layers } = description.model;
  const built = layers.map((config, i) => rebuilt('a layer config (className and options)', `model.layers[${i}]`, source, () => layerFromConfig(config)));
  let shape = built[0]?.inputShape;
  if (shape !== undefined) {
    let implied = 0;
    built.forEach((layer) => {
      const planned = rebuilt('a Sequential config', 'model', source, () => layer.shapesFor(shape!));
      for (const t of planned.tensors) implied = Math.min(implied + t.shape.reduce((a, d) => Math.min(a * d, Number.MAX_SAFE_INTEGER), 1), Number.MAX_SAFE_INTEGER);
      shape = planned.outputShape;
    });
    let held = 0;
    for (const e of weights.header.tensors.values()) held += entrySize(e);
    if (implied > held) {
      throw fileError(`model.layers in ${source}`, `layer configs whose tensors fit ${weights.source.name} (${held} values)`, `configs whose tensors have ${implied} values (rejected before allocating them)`);
    }
  }
  return rebuilt('a Sequential config', 'model', source, () => withoutInitialization(() => new (modelClass('Sequential'))(built, { seed, backend })));
}

/**
 * make(), with an error it throws (a DendriteError, or a RangeError/TypeError of an odd
 * config) restated as a problem of `name` in the file (the original as `cause`).
 */
function rebuilt<T>(expected: string, name: string, source: string, make: () => T): T {
  try {
    return make();
  } catch (err) {
    throw rebuildError(err, expected, name, source);
  }
}

/** rebuilt() for an async step. */
async function rebuiltAsync<T>(expected: string, name: string, source: string, make: () => Promise<T>): Promise<T> {
  try {
    return await make();
  } catch (err) {
    throw rebuildError(err, expected, name, source);
  }
}

function rebuildError(err: unknown, expected: string, name: string, source: string): unknown {
  if (!(err instanceof Error)) return err;
  const error = fileError(`${name} in ${source}`, expected, `one that fails with: ${err instanceof DendriteError ? '' : `${err.name}: `}${err.message}`);
  (error as Error & { cause?: unknown }).cause = err;
  return error;
}

/** A file whose `__metadata__.saveId` differs from model.json's comes from another save (retryable: a save may be switching). */
function checkSameSave(file: SafetensorsHeader, description: ModelJson, source: string): void {
  const id = file.metadata.saveId;
  if (id !== undefined && id !== description.saveId) {
    const error = fileError(source, `a file of the same save as ${MODEL_FILE} (saveId ${description.saveId})`, `saveId ${id} (files of different saves are mixed)`);
    retryable.add(error);
    throw error;
  }
}
