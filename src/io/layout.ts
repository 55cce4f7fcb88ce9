/**
 * Weight layouts: how a Sequential's tensors are named and shaped in a safetensors
 * file, and how a file's tensors are matched back to them.
 *
 * - 'dendrite': `layers.<i>.<name>` with i the layer's index in the model (every layer
 *   counted) and the layer's own names and shapes (dense weight [in, out]): what
 *   model.save() writes.
 * - 'torch': each layer with tensors as its PyTorch module's state dict (the table in
 *   src/io/torch-modules.ts: nn.Linear's [out, in] weight, nn.Conv2d's [out, in, kh, kw],
 *   batch norm's running_mean / running_var / num_batches_tracked, ...). Written as
 *   `layers.<i>.<torchName>`, i the dendrite layer index. Read from any names
 *   `<prefix><n>.<torchName>` with one common prefix and an integer n: torch's
 *   `nn.Sequential` state dict (`0.weight`, `2.running_mean`, ...: module indices,
 *   modules without tensors included), `layers.<i>.weight`, `features.3.bias`, ...; the
 *   groups, sorted by n, are matched in order to the layers that have tensors, and each
 *   group must hold exactly its module's tensors.
 */
import type { Sequential } from '../model/sequential.js';
import { FLOAT_DTYPES, fileError, isFloatDtype, type ParsedSafetensors, type SafetensorsWritable } from './safetensors.js';
import { torchModules, torchNamesOf, type TorchModule, type TorchTensor } from './torch-modules.js';

/** Tensor naming and weight orientation of a weights file. */
export type WeightsLayout = 'dendrite' | 'torch';

export const WEIGHTS_LAYOUTS: readonly WeightsLayout[] = ['dendrite', 'torch'];

/**
 * The model's tensors as named tensors of `layout` (the dendrite layout shares the model's memory).
 * In the torch layout a batch norm's num_batches_tracked is the model's training step count,
 * `model.optimizer.iterations` (0 before compile): torch counts the batches each BatchNorm
 * saw in training, which for a model trained only by fit() is the number of optimizer steps.
 */
export function weightsToTensors(model: Sequential, layout: WeightsLayout): Map<string, SafetensorsWritable> {
  const tensors = new Map<string, SafetensorsWritable>();
  if (layout === 'torch') {
    const steps = BigInt(model.optimizer?.iterations ?? 0);
    for (const { index, layer, tensors: entries } of torchModules(model.layers)) {
      for (const t of entries) {
        tensors.set(`layers.${index}.${t.name}`, t.source === null
          ? { dtype: 'I64', data: BigInt64Array.of(steps), shape: [] }
          : { data: toTorch(layer.tensor(t.source)!.data, t), shape: t.shape });
      }
    }
    return tensors;
  }
  model.layers.forEach((layer, i) => {
    layer.specs().forEach((s, k) => tensors.set(`layers.${i}.${s.name}`, { data: layer.tensors()[k].data, shape: s.shape }));
  });
  return tensors;
}

/**
 * The file's tensors as the model's tensors (getWeights() order), in `layout`.
 * @throws DendriteError on missing or unexpected tensors, shape mismatches and integer dtypes for weights
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
  const modules = torchModules(model.layers);
  const groups = torchGroups(modules, file, source);
  return modules.flatMap((m, k) => {
    const values = new Map<string, Float32Array>();
    for (const t of m.tensors) {
      const name = `${groups[k]}.${t.name}`;
      if (t.source === null) {
        if (file.tensors.has(name)) checkCount(file, name, m.index, source);
      } else {
        values.set(t.source, fromTorch(take(file, name, t.shape, m.index, source, `nn.${m.module}'s `), t));
      }
    }
    return m.layer.specs().map((s) => values.get(s.name)!);
  });
}

/**
 * Group `<prefix><n>.<torchName>` names by n, sort, pair the groups with the modules and
 * check that each holds exactly its module's tensors; returns the groups' `<prefix><n>`.
 */
function torchGroups(modules: TorchModule[], file: ParsedSafetensors, source: string): string[] {
  const names = torchNamesOf(modules);
  const pattern = new RegExp(`^(.*?)(\\d+)\\.(${names.join('|') || '(?!)'})$`);
  const groups = new Map<number, { prefix: string; names: string[] }>();
  let prefix: string | null = null;
  for (const name of file.tensors.keys()) {
    const m = pattern.exec(name);
    if (!m || (prefix !== null && m[1] !== prefix)) {
      const mixed = m !== null; // a known name with another prefix than the names before it
      const shapes = names.map((n) => `'${mixed ? prefix : ''}<n>.${n}'`).join(' / ') || 'none (the model has no tensors)';
      const kinds = [...new Set(modules.map((mod) => mod.module))].join('/') || 'module';
      throw fileError(source, `torch ${kinds} tensor names ${shapes}${mixed ? ' like the others' : ''}`, `'${name}'`);
    }
    prefix = m[1];
    const group = groups.get(Number(m[2])) ?? { prefix: `${m[1]}${m[2]}`, names: [] };
    group.names.push(m[3]);
    groups.set(Number(m[2]), group);
  }
  const sorted = [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([, g]) => g);
  if (sorted.length !== modules.length) {
    const kinds = modules.map((m) => m.module);
    const classes = new Set(modules.map((m) => m.layer.className));
    const what = new Set(kinds).size === 1 && classes.size === 1
      ? `${modules.length} ${kinds[0]} layers (one per ${capitalize([...classes][0])} layer)`
      : `${modules.length} torch modules with tensors (${kinds.join(', ')}: one per layer with tensors)`;
    throw fileError(source, what, `${sorted.length}: ${sorted.map((g) => `'${g.prefix}'`).join(', ') || 'no tensors'}`);
  }
  modules.forEach((m, k) => {
    const { prefix: group, names: got } = sorted[k];
    const required = m.tensors.filter((t) => t.source !== null).map((t) => t.name);
    const optional = m.tensors.filter((t) => t.source === null).map((t) => t.name);
    if (!required.every((n) => got.includes(n)) || !got.every((n) => required.includes(n) || optional.includes(n))) {
      const expected = `the nn.${m.module} tensors ${required.join(', ')}${optional.length ? ` (and optionally ${optional.join(', ')})` : ''} (layer ${m.index}: ${m.layer})`;
      throw fileError(`module '${group}' in ${source}`, expected, got.join(', '));
    }
  });
  return sorted.map((g) => g.prefix);
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** A float tensor `name` of `shape`; `what` qualifies the shape in the error (e.g. "nn.Linear's "). */
function take(file: ParsedSafetensors, name: string, shape: number[], layer: number, source: string, what = ''): Float32Array {
  const t = file.tensors.get(name);
  if (!t) throw fileError(source, `a tensor '${name}' (layer ${layer})`, 'a file without it');
  if (t.shape.length !== shape.length || t.shape.some((d, k) => d !== shape[k])) {
    throw fileError(`tensor '${name}' in ${source}`, `${what}shape [${shape.join(', ')}] (layer ${layer})`, `[${t.shape.join(', ')}]`);
  }
  if (!isFloatDtype(t.dtype)) throw fileError(`tensor '${name}' in ${source}`, `a floating-point dtype (${FLOAT_DTYPES.join(', ')}) (layer ${layer})`, t.dtype);
  return t.data;
}

/** num_batches_tracked: ignored, but it must be what torch writes (an integer scalar). */
function checkCount(file: ParsedSafetensors, name: string, layer: number, source: string): void {
  const t = file.tensors.get(name)!;
  if (isFloatDtype(t.dtype) || t.shape.length !== 0) {
    throw fileError(`tensor '${name}' in ${source}`, `an integer scalar (shape [], I64 or I32: torch's count of batches, ignored) (layer ${layer})`, `${t.dtype} [${t.shape.join(', ')}]`);
  }
}

/** The torch values of a dendrite tensor (a new array, or the same one when the order agrees). */
function toTorch(data: Float32Array, t: TorchTensor): Float32Array {
  const { index } = t;
  return index ? Float32Array.from(index, (from) => data[from]) : data;
}

/** The dendrite values of a torch tensor. */
function fromTorch(data: Float32Array, t: TorchTensor): Float32Array {
  const { index } = t;
  if (!index) return data;
  const out = new Float32Array(data.length);
  index.forEach((to, p) => { out[to] = data[p]; });
  return out;
}
