/**
 * Writing models: model.save(dir) (model.json + weights.safetensors +
 * optionally optimizer.safetensors, replaced as one: save-dir.ts), the same files for
 * model.toBuffer() (serializeModel) and model.saveWeights(file) in the dendrite
 * or torch layout.
 *
 * The values are those at the call: a read lease on the weights is taken at once (fit
 * waits for it before it changes them, setWeights refuses) and released once they are
 * copied, a few MB at a time with yields between slices, so a training step that runs
 * while the files are written cannot tear the snapshot; the transposes and writes are
 * asynchronous too, in slices and chunks.
 */
import { mkdir } from 'node:fs/promises';
import { DendriteError, invalidParameter } from '../errors.js';
import { leaseWeights, type Sequential } from '../model/sequential.js';
import { checkBoolean, checkOneOf, checkOptions } from '../validate.js';
import { version } from '../version.js';
import { preprocessingOf } from '../data/preprocessing.js';
import { writeFileAtomic } from './atomic.js';
import { chunksOf, type Chunks } from './chunks.js';
import { fsError } from './file-error.js';
import { layerStateMetadata } from './layer-state.js';
import { WEIGHTS_LAYOUTS, weightsSnapshot, type WeightsLayout } from './layout.js';
import { FORMAT_VERSION, MODEL_FILE, MODEL_FORMAT, OPTIMIZER_FILE, WEIGHTS_FILE, type ModelJson } from './model-json.js';
import { checkStateUnchanged, stateSnapshot } from './optimizer-state.js';
import { planSafetensors } from './safetensors.js';
import { commitSave, newSaveId, recoverDirectory } from './save-dir.js';
import { acquireSaveLock } from './save-lock.js';

/** Options of `model.save(dir, options)`. */
export interface SaveOptions {
  /**
   * Also write optimizer.safetensors (step count, scalars and every state
   * buffer) so that training resumes exactly. Default: true when the model is
   * compiled and its optimizer has taken steps.
   */
  includeOptimizer?: boolean;
}

/** Options of `model.saveWeights(file, options)`. */
export interface SaveWeightsOptions {
  /**
   * 'dendrite' (default): `layers.<i>.<name>` with each layer's own names and shapes
   * (e.g. dense `weight` [in, out] and `bias`), i the layer's index in the model.
   *
   * 'torch': each layer's PyTorch module state dict, named `layers.<i>.<torchName>`
   * (i the dendrite layer index; layers without tensors have none):
   * - dense -> nn.Linear: `weight` [out, in] (transposed) and `bias`. After a flatten
   *   of an image [H, W, C] the weight's input axis is in torch's (c, h, w) order
   *   (torch flattens NCHW), as are the per-feature tensors of a batchNorm or
   *   layerNorm between the flatten and the dense; on N-D inputs the last axis maps as
   *   nn.Linear's.
   * - conv2d -> nn.Conv2d: `weight` [out, in, kh, kw] (from [kh, kw, in, out]), `bias`.
   * - batchNorm -> nn.BatchNorm2d on images (nn.BatchNorm1d otherwise): `weight`
   *   (gamma), `bias` (beta), `running_mean`, `running_var` and `num_batches_tracked`,
   *   an I64 scalar: the model's training step count `model.optimizer.iterations`
   *   (0 before compile; torch counts each BatchNorm's training batches, which for a
   *   model trained by fit() is the number of optimizer steps).
   * - layerNorm -> nn.LayerNorm: `weight` (gamma), `bias` (beta).
   * - embedding -> nn.Embedding: `weight` [inputDim, outputDim] as is.
   * - flatten, maxPool2d, avgPool2d, globalAvgPool2d, dropout: no tensors (nn.Flatten,
   *   nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d(1) + nn.Flatten, nn.Dropout).
   *
   * The torch model takes NCHW images where dendrite takes [N, H, W, C] (permute the
   * input with x.permute(0, 3, 1, 2)).
   */
  layout?: WeightsLayout;
}

/** One file of a saved model: its name in the save (model.json, weights.safetensors, ...) and its bytes, as parts. */
export interface ModelFile {
  name: string;
  data: Chunks;
}

/**
 * The files of a save, in commit order (model.json last): the one serialisation behind
 * model.save(dir) (one file each) and model.toBuffer() (one container). The values are
 * those at the call: a read lease on the weights is taken at once (fit waits for it before
 * it changes them, setWeights refuses) and held while they and the optimizer state are
 * copied a few MB at a time, yielding to the event loop; the parts are views of the
 * copies. The model must be idle (checked by the caller).
 */
export async function serializeModel(model: Sequential, options?: SaveOptions, saveId = newSaveId()): Promise<ModelFile[]> {
  const { files, finish } = await planModelFiles(model, options, saveId, false, 'model.save');
  finish(true);
  return files;
}

/**
 * `use(files)` on the files of a save whose parts are views of the model's live arrays,
 * under the read lease until `use` settles (model.toBuffer: copied once, straight into the buffer).
 */
export async function withModelFiles<T>(model: Sequential, options: SaveOptions | undefined, use: (files: ModelFile[]) => Promise<T>): Promise<T> {
  const { files, finish } = await planModelFiles(model, options, newSaveId(), true, 'model.toBuffer');
  let result: T;
  try {
    result = await use(files);
  } catch (err) {
    finish(false);
    throw err;
  }
  finish(true);
  return result;
}

/**
 * The files of a save (copies, or views of the live arrays when `live`) under a read lease.
 * `finish(check)` releases the lease, first checking (when `check`) that the optimizer took
 * no step while its state was read. Without `live` the values are copied, checked and the
 * lease released before this resolves (finish then does nothing).
 */
async function planModelFiles(model: Sequential, options: SaveOptions | undefined, saveId: string, live: boolean, action: string): Promise<{ files: ModelFile[]; finish: (check: boolean) => void }> {
  const o = checkOptions(options, ['includeOptimizer']);
  const optimizer = model.optimizer;
  const include = o.includeOptimizer === undefined ? optimizer !== null && optimizer.iterations > 0 : checkBoolean(o.includeOptimizer, 'includeOptimizer');
  if (include && !optimizer) {
    throw new DendriteError('Expected a compiled model for includeOptimizer: true but received an uncompiled model', 'ERR_DENDRITE_INVALID_STATE');
  }
  // The lease is taken, and what is not copied in slices read, before the first await.
  const lease = leaseOnce(model);
  const views = include ? optimizer!.stateViews() : null;
  const step = views?.step ?? 0;
  const finish = (check: boolean) => {
    try {
      if (check && include) checkStateUnchanged(optimizer!, step, action);
    } finally {
      lease();
    }
  };
  try {
    const layerState = layerStateMetadata(model.layers);
    const preprocessing = preprocessingOf(model);
    const description: ModelJson = {
      format: MODEL_FORMAT,
      formatVersion: FORMAT_VERSION,
      dendriteVersion: version,
      saveId,
      model: model.getConfig() as ModelJson['model'],
      compile: model.getCompileConfig(),
      includesOptimizer: include,
      ...(preprocessing ? { preprocessing: preprocessing.toJSON() } : {}),
    };
    const weights = await weightsSnapshot(model, 'dendrite', live);
    const state = views ? await stateSnapshot(views, model.parameters(), live) : null;
    const files: ModelFile[] = [{ name: WEIGHTS_FILE, data: planSafetensors(weights, { layout: 'dendrite', saveId, ...layerState }) }];
    if (state) {
      files.push({ name: OPTIMIZER_FILE, data: planSafetensors(state.tensors, { ...state.metadata, saveId }) });
    }
    files.push({ name: MODEL_FILE, data: chunksOf([new TextEncoder().encode(`${JSON.stringify(description, null, 2)}\n`)]) });
    if (live) return { files, finish };
    finish(true);
    return { files, finish: () => undefined };
  } catch (err) {
    lease();
    throw err;
  }
}

/** leaseWeights whose release may be called more than once (only the first counts). */
function leaseOnce(model: Sequential): () => void {
  let release: (() => void) | null = leaseWeights(model);
  return () => {
    release?.();
    release = null;
  };
}

/**
 * model.save(): see SaveOptions and save-dir.ts. The model must be idle (checked by the
 * caller). Saves into one directory are serialised by its lock file (other processes
 * included); a dead save's commit is finished and its temporary files removed first.
 */
export async function saveModel(model: Sequential, dir: string, options?: SaveOptions): Promise<void> {
  if (typeof dir !== 'string' || dir === '') throw invalidParameter('dir', 'a directory path', dir);
  const saveId = newSaveId();
  const files = await serializeModel(model, options, saveId);
  await mkdir(dir, { recursive: true }).catch((err) => { throw fsError(err, dir, 'a directory that can be created'); });
  const release = await acquireSaveLock(dir);
  try {
    await recoverDirectory(dir);
    // An earlier save's optimizer state no longer belongs to the new model.json.
    const remove = files.some((f) => f.name === OPTIMIZER_FILE) ? [] : [OPTIMIZER_FILE];
    await commitSave(dir, saveId, files, remove);
  } finally {
    await release();
  }
}

/** model.saveWeights(): see SaveWeightsOptions. The model must be idle (checked by the caller). */
export async function saveModelWeights(model: Sequential, file: string, options?: SaveWeightsOptions): Promise<void> {
  if (typeof file !== 'string' || file === '') throw invalidParameter('file', 'a file path', file);
  const layout = checkOneOf(checkOptions(options, ['layout']).layout ?? 'dendrite', 'layout', WEIGHTS_LAYOUTS);
  const metadata: Record<string, string> = layout === 'torch' ? { format: 'pt', layout } : { layout };
  // the values at the call: copied under a read lease, released before the (slow) write
  const release = leaseWeights(model);
  let weights: Awaited<ReturnType<typeof weightsSnapshot>>;
  try {
    weights = await weightsSnapshot(model, layout);
  } finally {
    release();
  }
  await writeFileAtomic(file, planSafetensors(weights, metadata));
}
