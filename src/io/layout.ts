/**
 * Weight layouts: how a Sequential's tensors are named and shaped in a safetensors
 * file, and how a file's tensors are matched back to them.
 *
 * - 'dendrite': `layers.<i>.<name>` with i the layer's index in the model (every layer
 *   counted) and the layer's own names and shapes (dense weight [in, out]): what
 *   model.save() writes.
 * - 'torch': nn.Linear's [out, in] weights (transposed on the way in and out).
 *   Written as `layers.<k>.weight|bias`, k counting Linear layers. Read from any
 *   names `<prefix><n>.weight|bias` with one common prefix and an integer n:
 *   torch's `nn.Sequential` state dict (`0.weight`, `2.weight`, ...: module
 *   indices, activations included), `layers.<k>.weight`, `net.3.weight`, ...;
 *   the groups, sorted by n, are matched to the Dense layers in order.
 */
import { Dense } from '../layer/dense.js';
import { DendriteError } from '../errors.js';
import type { Sequential } from '../model/sequential.js';
import { fileError, type ParsedSafetensors, type SafetensorsTensor } from './safetensors.js';

/** Tensor naming and weight orientation of a weights file. */
export type WeightsLayout = 'dendrite' | 'torch';

export const WEIGHTS_LAYOUTS: readonly WeightsLayout[] = ['dendrite', 'torch'];

/** The model's tensors as named tensors of `layout` (the dendrite layout shares the model's memory). */
export function weightsToTensors(model: Sequential, layout: WeightsLayout): Map<string, SafetensorsTensor> {
  const tensors = new Map<string, SafetensorsTensor>();
  if (layout === 'torch') {
    denseOnly(model, 'the torch layout');
    (model.layers as Dense[]).forEach((layer, i) => {
      const w = layer.weight;
      tensors.set(`layers.${i}.weight`, { data: transpose(w.data, w.shape[0], w.shape[1]), shape: [w.shape[1], w.shape[0]] });
      if (layer.bias) tensors.set(`layers.${i}.bias`, { data: layer.bias.data, shape: layer.bias.shape });
    });
    return tensors;
  }
  model.layers.forEach((layer, i) => {
    layer.specs().forEach((s, k) => tensors.set(`layers.${i}.${s.name}`, { data: layer.tensors()[k].data, shape: s.shape }));
  });
  return tensors;
}

/**
 * The file's tensors as the model's tensors (getWeights() order), in `layout`.
 * @throws DendriteError on missing or unexpected tensors and shape mismatches
 */
export function tensorsToWeights(model: Sequential, file: ParsedSafetensors, layout: WeightsLayout, source: string): Float32Array[] {
  const written = file.metadata.layout;
  if ((written === 'dendrite' || written === 'torch') && written !== layout) {
    throw fileError(source, `a weights file in the '${layout}' layout`, `one whose __metadata__ says layout '${written}' (pass { layout: '${written}' })`);
  }
  if (layout === 'dendrite') {
    const expected = new Set(model.layers.flatMap((l, i) => l.specs().map((s) => `layers.${i}.${s.name}`)));
    const unexpected = [...file.tensors.keys()].filter((name) => !expected.has(name));
    if (unexpected.length > 0) {
      throw fileError(source, `only the tensors of the model's ${model.layers.length} layers`, `unexpected tensors ${unexpected.map((n) => `'${n}'`).join(', ')}`);
    }
    return model.layers.flatMap((l, i) => l.specs().map((s) => take(file, `layers.${i}.${s.name}`, s.shape, i, source)));
  }
  denseOnly(model, 'the torch layout');
  const layers = model.layers as Dense[];
  const names = torchNames(layers, file, source);
  const expected = new Set(names.flatMap((n) => (n.bias ? [n.weight, n.bias] : [n.weight])));
  const unexpected = [...file.tensors.keys()].filter((name) => !expected.has(name));
  if (unexpected.length > 0) {
    throw fileError(source, `only the tensors of the model's ${layers.length} Dense layers`, `unexpected tensors ${unexpected.map((n) => `'${n}'`).join(', ')}`);
  }
  return layers.flatMap((layer, i) => {
    const { weight, bias } = names[i];
    const inputs = layer.inputWidth!;
    const w = take(file, weight, [layer.units, inputs], i, source);
    const out = [transpose(w, layer.units, inputs)];
    if (bias) out.push(take(file, bias, [layer.units], i, source));
    return out;
  });
}

function denseOnly(model: Sequential, what: string): void {
  const other = model.layers.find((l) => !(l instanceof Dense));
  if (other) throw new DendriteError(`Expected a model of Dense layers for ${what} but received a ${other.className} layer`);
}

interface LayerNames {
  weight: string;
  bias: string | null;
}

/** Group `<prefix><n>.weight|bias` names by n, sort, and pair the groups with the Dense layers. */
function torchNames(layers: Dense[], file: ParsedSafetensors, source: string): LayerNames[] {
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
  if (modules.length !== layers.length) {
    throw fileError(source, `${layers.length} Linear layers (one per Dense layer)`, `${modules.length}: ${modules.map((p) => `'${p}'`).join(', ') || 'no tensors'}`);
  }
  return layers.map((layer, i) => ({ weight: `${modules[i]}.weight`, bias: layer.useBias ? `${modules[i]}.bias` : null }));
}

function take(file: ParsedSafetensors, name: string, shape: number[], layer: number, source: string): Float32Array {
  const t = file.tensors.get(name);
  if (!t) throw fileError(source, `a tensor '${name}' (layer ${layer})`, 'a file without it');
  if (t.shape.length !== shape.length || t.shape.some((d, k) => d !== shape[k])) {
    throw fileError(`tensor '${name}' in ${source}`, `shape [${shape.join(', ')}] (layer ${layer})`, `[${t.shape.join(', ')}]`);
  }
  return t.data;
}

/** [rows, cols] -> [cols, rows], row-major, into a new array. */
function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}
