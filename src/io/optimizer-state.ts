/**
 * An optimizer's stateDict() as safetensors content: every state buffer as a
 * tensor `<slot>.<paramIndex>` shaped like its parameter (e.g. `expAvg.0`),
 * the class name, step count and scalar state in `__metadata__` (`className`,
 * `step`, `scalar.<name>`; numbers as their shortest round-trip decimal).
 */
import type { OptimizerState } from '../optimizer/optimizer.js';
import type { Tensor } from '../tensor.js';
import { checkName } from './json-guard.js';
import type { TensorIndex } from './layout.js';
import { FLOAT_DTYPES, fileError, isFloatDtype, type SafetensorsTensor } from './safetensors.js';

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
