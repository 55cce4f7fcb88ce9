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
import { cloneFloats, yieldToEventLoop } from './chunks.js';
import { FLOAT_DTYPES, fileError, isFloatDtype, type SafetensorsDtype, type SafetensorsWritable } from './safetensors.js';
import { torchModules, torchNamesOf, type Reorder, type TorchModule } from './torch-modules.js';

/** Tensor naming and weight orientation of a weights file. */
export type WeightsLayout = 'dendrite' | 'torch';

export const WEIGHTS_LAYOUTS: readonly WeightsLayout[] = ['dendrite', 'torch'];

/** What the matching needs of a file: its tensors' names, dtypes and shapes (a header: no data) and metadata. */
export interface TensorIndex {
  readonly tensors: ReadonlyMap<string, { readonly dtype: SafetensorsDtype; readonly shape: readonly number[] }>;
  readonly metadata: Record<string, string>;
}

/** For one model tensor (getWeights() order): the file tensor that holds it, and how its elements are ordered there. */
export interface WeightMatch {
  readonly name: string;
  /** null: the same order; else the torch order of a transposed or permuted tensor. */
  readonly reorder: Reorder | null;
}

/** Elements permuted between two yields to the event loop (a few ms of work). */
const PERMUTE_SLICE = 1 << 18;

/**
 * The model's tensors as named tensors of `layout`. The caller holds a read lease on the
 * weights (leaseWeights: fit cannot change them, setWeights refuses) until this resolves, or
 * until it is done with the views when `live`. Not live: copies, made a few MB at a time
 * with yields between slices (the lease can then be released: a training step that runs
 * while the file is written cannot tear them). Live: views of the model's own arrays. The
 * torch layout's transposes are computed from the live arrays in slices (new arrays).
 * In the torch layout a batch norm's num_batches_tracked is the model's training step count,
 * `model.optimizer.iterations` (0 before compile), read when this is called: torch counts the
 * batches each BatchNorm saw in training, which for a model trained only by fit() is the
 * number of optimizer steps.
 */
export async function weightsSnapshot(model: Sequential, layout: WeightsLayout, live = false): Promise<Map<string, SafetensorsWritable>> {
  const tensors = new Map<string, SafetensorsWritable>();
  const copy = (data: Float32Array) => (live ? data : cloneFloats(data));
  if (layout === 'torch') {
    const steps = BigInt(model.optimizer?.iterations ?? 0);
    const entries = torchModules(model.layers).flatMap(({ index, layer, tensors: ts }) => ts.map((t) => ({
      name: `layers.${index}.${t.name}`, t, data: t.source === null ? null : layer.tensor(t.source)!.data,
    })));
    for (const { name, t, data } of entries) {
      tensors.set(name, data === null
        ? { dtype: 'I64', data: BigInt64Array.of(steps), shape: [] }
        : { data: t.index ? await toTorch(data, t.index) : await copy(data), shape: t.shape });
    }
    return tensors;
  }
  const entries = model.layers.flatMap((layer, i) => layer.specs().map((s, k) => ({ name: `layers.${i}.${s.name}`, data: layer.tensors()[k].data, shape: s.shape })));
  for (const { name, data, shape } of entries) tensors.set(name, { data: await copy(data), shape });
  return tensors;
}

/**
 * Which file tensor holds each of the model's tensors (getWeights() order), in `layout`,
 * checked against the file's header alone (names, shapes, dtypes): nothing is read or
 * allocated for a file that does not fit.
 * @throws DendriteError on missing or unexpected tensors, shape mismatches and integer dtypes for weights
 */
export function matchWeights(model: Sequential, file: TensorIndex, layout: WeightsLayout, source: string): WeightMatch[] {
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
    return model.layers.flatMap((l, i) => l.specs().map((s) => ({ name: take(file, `layers.${i}.${s.name}`, s.shape, i, source), reorder: null })));
  }
  const modules = torchModules(model.layers);
  const groups = torchGroups(modules, file, source);
  return modules.flatMap((m, k) => {
    const values = new Map<string, WeightMatch>();
    for (const t of m.tensors) {
      const name = `${groups[k]}.${t.name}`;
      if (t.source === null) {
        if (file.tensors.has(name)) checkCount(file, name, m.index, source);
      } else {
        values.set(t.source, { name: take(file, name, t.shape, m.index, source, `nn.${m.module}'s `), reorder: t.index });
      }
    }
    return m.layer.specs().map((s) => values.get(s.name)!);
  });
}

/**
 * Fill `out` (a model tensor) from a file tensor's values in the order of `match`:
 * a copy, or the torch permutation undone in slices with yields between them.
 */
export async function fromFileOrder(values: Float32Array, match: WeightMatch, out: Float32Array): Promise<void> {
  if (!match.reorder) {
    out.set(values);
    return;
  }
  await walk(match.reorder, (p, d) => { out[d] = values[p]; });
}

/**
 * Group `<prefix><n>.<torchName>` names by n, sort, pair the groups with the modules and
 * check that each holds exactly its module's tensors; returns the groups' `<prefix><n>`.
 */
function torchGroups(modules: TorchModule[], file: TensorIndex, source: string): string[] {
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

/** The name of a float tensor `name` of `shape`, checked; `what` qualifies the shape in the error (e.g. "nn.Linear's "). */
function take(file: TensorIndex, name: string, shape: number[], layer: number, source: string, what = ''): string {
  const t = file.tensors.get(name);
  if (!t) throw fileError(source, `a tensor '${name}' (layer ${layer})`, 'a file without it');
  if (t.shape.length !== shape.length || t.shape.some((d, k) => d !== shape[k])) {
    throw fileError(`tensor '${name}' in ${source}`, `${what}shape [${shape.join(', ')}] (layer ${layer})`, `[${t.shape.join(', ')}]`);
  }
  if (!isFloatDtype(t.dtype)) throw fileError(`tensor '${name}' in ${source}`, `a floating-point dtype (${FLOAT_DTYPES.join(', ')}) (layer ${layer})`, t.dtype);
  return name;
}

/** num_batches_tracked: ignored, but it must be what torch writes (an integer scalar). */
function checkCount(file: TensorIndex, name: string, layer: number, source: string): void {
  const t = file.tensors.get(name)!;
  if (isFloatDtype(t.dtype) || t.shape.length !== 0) {
    throw fileError(`tensor '${name}' in ${source}`, `an integer scalar (shape [], I64 or I32: torch's count of batches, ignored) (layer ${layer})`, `${t.dtype} [${t.shape.join(', ')}]`);
  }
}

/** The torch values of a dendrite tensor (a new array), permuted in slices. */
async function toTorch(data: Float32Array, reorder: Reorder): Promise<Float32Array> {
  const out = new Float32Array(data.length);
  await walk(reorder, (p, d) => { out[p] = data[d]; });
  return out;
}

/** visit(p, d) for every torch position p (row-major) and its dendrite index d, yielding between slices. */
async function walk(reorder: Reorder, visit: (p: number, d: number) => void): Promise<void> {
  const { shape } = reorder;
  const n = shape.reduce((a, d) => a * d, 1);
  const coords = new Array<number>(shape.length).fill(0);
  for (let p = 0; p < n;) {
    const end = Math.min(n, p + PERMUTE_SLICE);
    for (; p < end; p++) {
      visit(p, reorder.at(coords));
      for (let k = coords.length - 1; k >= 0 && ++coords[k] === shape[k]; k--) coords[k] = 0;
    }
    if (p < n) await yieldToEventLoop();
  }
}
