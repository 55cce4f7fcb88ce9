/**
 * Weight layouts: how a Sequential's Dense parameters are named and shaped in
 * a safetensors file, and how a file's tensors are matched back to them.
 *
 * - 'dendrite': `layers.<i>.weight` [in, out] and `layers.<i>.bias` [out], i
 *   counting Dense layers (what model.save() writes).
 * - 'torch': nn.Linear's [out, in] weights (transposed on the way in and out).
 *   Written as `layers.<k>.weight|bias`, k counting Linear layers. Read from any
 *   names `<prefix><n>.weight|bias` with one common prefix and an integer n:
 *   torch's `nn.Sequential` state dict (`0.weight`, `2.weight`, ...: module
 *   indices, activations included), `layers.<k>.weight`, `net.3.weight`, ...;
 *   the groups, sorted by n, are matched to the Dense layers in order.
 */
import type { Dense } from '../layer/dense.js';
import type { Sequential } from '../model/sequential.js';
import { fileError, type ParsedSafetensors, type SafetensorsTensor } from './safetensors.js';

/** Tensor naming and weight orientation of a weights file. */
export type WeightsLayout = 'dendrite' | 'torch';

export const WEIGHTS_LAYOUTS: readonly WeightsLayout[] = ['dendrite', 'torch'];

/** The model's parameters as named tensors of `layout` (the dendrite layout shares the model's memory). */
export function weightsToTensors(model: Sequential, layout: WeightsLayout): Map<string, SafetensorsTensor> {
  const tensors = new Map<string, SafetensorsTensor>();
  model.layers.forEach((layer, i) => {
    const w = layer.weight;
    if (layout === 'torch') {
      tensors.set(`layers.${i}.weight`, { data: transpose(w.data, w.shape[0], w.shape[1]), shape: [w.shape[1], w.shape[0]] });
    } else {
      tensors.set(`layers.${i}.weight`, { data: w.data, shape: w.shape });
    }
    if (layer.bias) tensors.set(`layers.${i}.bias`, { data: layer.bias.data, shape: layer.bias.shape });
  });
  return tensors;
}

/**
 * The file's tensors as the model's parameters (getWeights() order), in `layout`.
 * @throws DendriteError on missing or unexpected tensors and shape mismatches
 */
export function tensorsToWeights(model: Sequential, file: ParsedSafetensors, layout: WeightsLayout, source: string): Float32Array[] {
  const written = file.metadata.layout;
  if ((written === 'dendrite' || written === 'torch') && written !== layout) {
    throw fileError(source, `a weights file in the '${layout}' layout`, `one whose __metadata__ says layout '${written}' (pass { layout: '${written}' })`);
  }
  const names = layout === 'torch' ? torchNames(model, file, source) : dendriteNames(model);
  const expected = new Set(names.flatMap((n) => (n.bias ? [n.weight, n.bias] : [n.weight])));
  const unexpected = [...file.tensors.keys()].filter((name) => !expected.has(name));
  if (unexpected.length > 0) {
    throw fileError(source, `only the tensors of the model's ${model.layers.length} Dense layers`, `unexpected tensors ${unexpected.map((n) => `'${n}'`).join(', ')}`);
  }
  return model.layers.flatMap((layer, i) => {
    const { weight, bias } = names[i];
    const w = take(file, weight, layout === 'torch' ? [layer.units, layer.inputSize!] : [layer.inputSize!, layer.units], i, source);
    const out = [layout === 'torch' ? transpose(w, layer.units, layer.inputSize!) : w];
    if (bias) out.push(take(file, bias, [layer.units], i, source));
    return out;
  });
}

interface LayerNames {
  weight: string;
  bias: string | null;
}

function dendriteNames(model: Sequential): LayerNames[] {
  return model.layers.map((layer: Dense, i) => ({ weight: `layers.${i}.weight`, bias: layer.useBias ? `layers.${i}.bias` : null }));
}

/** Group `<prefix><n>.weight|bias` names by n, sort, and pair the groups with the Dense layers. */
function torchNames(model: Sequential, file: ParsedSafetensors, source: string): LayerNames[] {
  const groups = new Map<number, string>();
  let prefix: string | null = null;
  for (const name of file.tensors.keys()) {
    const m = /^(.*?)(\d+)\.(weight|bias)$/.exec(name);
    if (!m || (prefix !== null && m[1] !== prefix)) {
      const shape = prefix === null ? "'<n>.weight' / '<n>.bias'" : `'${prefix}<n>.weight' / '${prefix}<n>.bias' like the others`;
      throw fileError(source, `torch Linear tensor names ${shape}`, `'${name}'`);
    }
    prefix = m[1];
    groups.set(Number(m[2]), `${m[1]}${m[2]}`);
  }
  const modules = [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([, p]) => p);
  if (modules.length !== model.layers.length) {
    throw fileError(source, `${model.layers.length} Linear layers (one per Dense layer)`, `${modules.length}: ${modules.map((p) => `'${p}'`).join(', ') || 'no tensors'}`);
  }
  return model.layers.map((layer, i) => ({ weight: `${modules[i]}.weight`, bias: layer.useBias ? `${modules[i]}.bias` : null }));
}

function take(file: ParsedSafetensors, name: string, shape: number[], layer: number, source: string): Float32Array {
  const t = file.tensors.get(name);
  if (!t) throw fileError(source, `a tensor '${name}' (Dense layer ${layer})`, 'a file without it');
  if (t.shape.length !== shape.length || t.shape.some((d, k) => d !== shape[k])) {
    throw fileError(`tensor '${name}' in ${source}`, `shape [${shape.join(', ')}] (Dense layer ${layer})`, `[${t.shape.join(', ')}]`);
  }
  return t.data;
}

/** [rows, cols] -> [cols, rows], row-major, into a new array. */
function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}
