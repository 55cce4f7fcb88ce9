/**
 * An optimizer's stateDict() as safetensors content: every state buffer as a
 * tensor `<slot>.<paramIndex>` shaped like its parameter (e.g. `expAvg.0`),
 * the class name, step count and scalar state in `__metadata__` (`className`,
 * `step`, `scalar.<name>`; numbers as their shortest round-trip decimal).
 */
import { DendriteError } from '../errors.js';
import type { Optimizer, OptimizerState } from '../optimizer/optimizer.js';
import type { Tensor } from '../tensor.js';
import { cloneFloats } from './chunks.js';
import { checkName } from './json-guard.js';
import type { TensorIndex } from './layout.js';
import { FLOAT_DTYPES, fileError, isFloatDtype, type SafetensorsTensor } from './safetensors.js';

/**
 * An optimizer's state (its stateViews(), taken when the save is called) as the tensors and
 * metadata of its file: copies made a few MB at a time with yields between slices, or the views
 * themselves when `live`. The caller holds the model's read lease meanwhile (its fit cannot step
 * the optimizer) and calls checkStateUnchanged once it is done with the values.
 */
export async function stateSnapshot(state: OptimizerState, params: readonly Tensor[], live: boolean): Promise<{ tensors: Map<string, SafetensorsTensor>; metadata: Record<string, string> }> {
  if (!live) {
    for (const [slot, views] of Object.entries(state.slots)) {
      const copies: Float32Array[] = [];
      for (const v of views) copies.push(await cloneFloats(v));
      state.slots[slot] = copies;
    }
  }
  return stateToTensors(state, params);
}

/**
 * Throws when the optimizer took a step while its state was being copied (only another
 * model's fit, or a direct optimizer.step() call, can: the model's own fit waits for the lease).
 */
export function checkStateUnchanged(optimizer: Optimizer, step: number, action: string): void {
  if (optimizer.iterations !== step) {
    throw new DendriteError(
      `Expected an optimizer that takes no step during ${action} but received the ${optimizer.className} optimizer at step ${optimizer.iterations} (it was at ${step} when ${action} was called: another model trains with it, or optimizer.step() was called)`,
      'ERR_DENDRITE_INVALID_STATE',
    );
  }
}

/** The tensors and metadata of an optimizer state file. */
export function stateToTensors(state: OptimizerState, params: readonly Tensor[]): { tensors: Map<string, SafetensorsTensor>; metadata: Record<string, string> } {
  const tensors = new Map<string, SafetensorsTensor>();
  for (const [slot, buffers] of Object.entries(state.slots)) {
    buffers.forEach((data, i) => tensors.set(`${slot}.${i}`, { data, shape: params[i].shape }));
  }
  const metadata: Record<string, string> = { className: state.className, step: String(state.step) };
  for (const [name, value] of Object.entries(state.scalars)) metadata[`scalar.${name}`] = String(value);
  return { tensors, metadata };
}

/** An optimizer state file's contents, matched to the model: the tensor names of each slot, per parameter. */
export interface StateMatch {
  className: string;
  step: number;
  scalars: Record<string, number>;
  /** Slot name -> the file tensor holding each parameter's buffer (a Map: names come from the file). */
  slots: Map<string, string[]>;
}

/**
 * The state dict stored in an optimizer state file, checked against the model's
 * parameters from the header alone (one buffer per parameter per slot, of the same
 * size), before any data is read. Slot names and the class are checked by
 * Optimizer.loadStateDict.
 */
export function matchState(file: TensorIndex, params: readonly Tensor[], source: string): StateMatch {
  const { className, step } = file.metadata;
  if (typeof className !== 'string') throw fileError(`__metadata__.className in ${source}`, 'an optimizer class name', 'nothing');
  const steps = Number(step);
  if (!Number.isSafeInteger(steps) || steps < 0 || step !== String(steps)) {
    throw fileError(`__metadata__.step in ${source}`, 'a step count (an integer >= 0)', step === undefined ? 'nothing' : JSON.stringify(step));
  }
  const scalars: Record<string, number> = {};
  for (const [key, text] of Object.entries(file.metadata)) {
    if (!key.startsWith('scalar.')) continue;
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value)) throw fileError(`__metadata__.${key} in ${source}`, 'a finite number', JSON.stringify(text));
    checkName(key, 'metadata keys', `__metadata__ in ${source}`);
    scalars[key.slice('scalar.'.length)] = value;
  }
  const slots = new Map<string, string[]>();
  for (const [name, tensor] of file.tensors) {
    const m = /^(.+)\.(\d+)$/.exec(name);
    const index = m ? Number(m[2]) : -1;
    if (!m || index >= params.length) {
      throw fileError(`tensor '${name}' in ${source}`, `a name <stateBuffer>.<paramIndex> with paramIndex < ${params.length} (the model's parameters)`, `'${name}'`);
    }
    checkName(m[1], 'a state buffer name', `tensor '${name}' in ${source}`);
    if (!isFloatDtype(tensor.dtype)) throw fileError(`tensor '${name}' in ${source}`, `a floating-point dtype (${FLOAT_DTYPES.join(', ')})`, tensor.dtype);
    const size = tensor.shape.reduce((a, d) => a * d, 1);
    if (size !== params[index].size) {
      throw fileError(`tensor '${name}' in ${source}`, `${params[index].size} values like parameter ${index} (shape [${params[index].shape.join(', ')}])`, `shape [${tensor.shape.join(', ')}]`);
    }
    let buffers = slots.get(m[1]);
    if (!buffers) slots.set(m[1], buffers = []);
    buffers[index] = name;
  }
  for (const [slot, buffers] of slots) {
    for (let i = 0; i < params.length; i++) {
      if (!buffers[i]) throw fileError(source, `a tensor '${slot}.${i}' (optimizer state of parameter ${i})`, 'a file without it');
    }
  }
  return { className, step: steps, scalars, slots };
}
