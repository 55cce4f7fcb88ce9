/**
 * Layer state that is not a tensor, saved by model.save() in weights.safetensors'
 * `__metadata__` so that a loaded model's fit continues the same trajectory:
 * `layers.<i>.counter`, a dropout layer's training step counter (its mask of the next
 * training step is a hash of its seed and this count), as a decimal integer.
 */
import { Dropout } from '../layer/dropout.js';
import type { Layer } from '../layer/layer.js';
import { fileError } from './safetensors.js';

/** The metadata entries of the layers' state. */
export function layerStateMetadata(layers: readonly Layer[]): Record<string, string> {
  const metadata: Record<string, string> = {};
  layers.forEach((layer, i) => {
    if (layer instanceof Dropout) metadata[`layers.${i}.counter`] = String(layer.counter[0]);
  });
  return metadata;
}

/**
 * Restore the layers' state from a weights file's metadata (a missing entry leaves the
 * fresh layer's state: files written before it was saved).
 * @throws DendriteError naming the file for a malformed entry
 */
export function restoreLayerState(layers: readonly Layer[], metadata: Record<string, string>, source: string): void {
  layers.forEach((layer, i) => {
    const key = `layers.${i}.counter`;
    const text = metadata[key];
    if (!(layer instanceof Dropout) || text === undefined) return;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff || text !== String(value)) {
      throw fileError(`__metadata__.${key} in ${source}`, `a dropout step counter (an integer from 0 to ${0xffffffff}) (layer ${i})`, JSON.stringify(text));
    }
    layer.counter[0] = value;
  });
}
