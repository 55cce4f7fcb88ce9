/**
 * Writing models: model.save(dir) (model.json + weights.safetensors +
 * optionally optimizer.safetensors, replaced atomically) and
 * model.saveWeights(file) in the dendrite or torch layout.
 *
 * Every byte is produced synchronously when the call starts, so a training
 * step that runs while the files are written cannot tear the snapshot.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { DendriteError, invalidParameter } from '../errors.js';
import type { Sequential } from '../model/sequential.js';
import { checkBoolean, checkOneOf, checkOptions } from '../validate.js';
import { version } from '../version.js';
import { writeFileAtomic, writeFilesAtomic, type FileContents } from './atomic.js';
import { WEIGHTS_LAYOUTS, weightsToTensors, type WeightsLayout } from './layout.js';
import { FORMAT_VERSION, MODEL_FILE, MODEL_FORMAT, OPTIMIZER_FILE, WEIGHTS_FILE, type ModelJson } from './model-json.js';
import { stateToTensors } from './optimizer-state.js';
import { serializeSafetensors } from './safetensors.js';

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
   * 'dendrite' (default): `layers.<i>.weight` [in, out] and `layers.<i>.bias`.
   * 'torch': `layers.<k>.weight` [out, in] (nn.Linear's orientation) and
   * `layers.<k>.bias`, k counting Linear layers.
   */
  layout?: WeightsLayout;
}

/** model.save(): see SaveOptions. The model must be idle (checked by the caller). */
export async function saveModel(model: Sequential, dir: string, options?: SaveOptions): Promise<void> {
  if (typeof dir !== 'string' || dir === '') throw invalidParameter('dir', 'a directory path', dir);
  const o = checkOptions(options, ['includeOptimizer']);
  const optimizer = model.optimizer;
  const include = o.includeOptimizer === undefined ? optimizer !== null && optimizer.iterations > 0 : checkBoolean(o.includeOptimizer, 'includeOptimizer');
  if (include && !optimizer) {
    throw new DendriteError('Expected a compiled model for includeOptimizer: true but received an uncompiled model', 'ERR_DENDRITE_INVALID_STATE');
  }
  const saveId = randomUUID();
  const files: FileContents[] = [
    { path: path.join(dir, WEIGHTS_FILE), data: serializeSafetensors(weightsToTensors(model, 'dendrite'), { layout: 'dendrite', saveId }) },
  ];
  if (include) {
    const { tensors, metadata } = stateToTensors(optimizer!.stateDict(), model.parameters());
    files.push({ path: path.join(dir, OPTIMIZER_FILE), data: serializeSafetensors(tensors, { ...metadata, saveId }) });
  }
  const description: ModelJson = {
    format: MODEL_FORMAT,
    formatVersion: FORMAT_VERSION,
    dendriteVersion: version,
    saveId,
    model: model.getConfig() as ModelJson['model'],
    compile: model.getCompileConfig(),
    includesOptimizer: include,
  };
  // model.json goes last: its rename commits the save.
  files.push({ path: path.join(dir, MODEL_FILE), data: `${JSON.stringify(description, null, 2)}\n` });
  await mkdir(dir, { recursive: true });
  await writeFilesAtomic(files);
  // An earlier save's optimizer state no longer belongs to this model.json (and is ignored by loadModel).
  if (!include) await unlink(path.join(dir, OPTIMIZER_FILE)).catch(() => undefined);
}

/** model.saveWeights(): see SaveWeightsOptions. The model must be idle (checked by the caller). */
export async function saveModelWeights(model: Sequential, file: string, options?: SaveWeightsOptions): Promise<void> {
  if (typeof file !== 'string' || file === '') throw invalidParameter('file', 'a file path', file);
  const layout = checkOneOf(checkOptions(options, ['layout']).layout ?? 'dendrite', 'layout', WEIGHTS_LAYOUTS);
  const metadata: Record<string, string> = layout === 'torch' ? { format: 'pt', layout } : { layout };
  await writeFileAtomic(file, serializeSafetensors(weightsToTensors(model, layout), metadata));
}
