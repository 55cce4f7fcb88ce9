/**
 * An optimizer's stateDict() as safetensors content: every state buffer as a
 * tensor `<slot>.<paramIndex>` shaped like its parameter (e.g. `expAvg.0`),
 * the class name, step count and scalar state in `__metadata__` (`className`,
 * `step`, `scalar.<name>`; numbers as their shortest round-trip decimal).
 */
import type { OptimizerState } from '../optimizer/optimizer.js';
import type { Tensor } from '../tensor.js';
import { FLOAT_DTYPES, fileError, isFloatDtype, type ParsedSafetensors, type SafetensorsTensor } from './safetensors.js';

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

/**
 * The state dict stored in a parsed optimizer state file, checked against the
 * model's parameters (one buffer per parameter per slot, of the same size).
 * Slot names and the class are checked by Optimizer.loadStateDict.
 */
export function tensorsToState(file: ParsedSafetensors, params: readonly Tensor[], source: string): OptimizerState {
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
    scalars[key.slice('scalar.'.length)] = value;
  }
  const slots: Record<string, Float32Array[]> = {};
  for (const [name, tensor] of file.tensors) {
    const m = /^(.+)\.(\d+)$/.exec(name);
    const index = m ? Number(m[2]) : -1;
    if (!m || index >= params.length) {
      throw fileError(`tensor '${name}' in ${source}`, `a name <stateBuffer>.<paramIndex> with paramIndex < ${params.length} (the model's parameters)`, `'${name}'`);
    }
    if (!isFloatDtype(tensor.dtype)) throw fileError(`tensor '${name}' in ${source}`, `a floating-point dtype (${FLOAT_DTYPES.join(', ')})`, tensor.dtype);
    if (tensor.data.length !== params[index].size) {
      throw fileError(`tensor '${name}' in ${source}`, `${params[index].size} values like parameter ${index} (shape [${params[index].shape.join(', ')}])`, `shape [${tensor.shape.join(', ')}]`);
    }
    (slots[m[1]] ??= [])[index] = tensor.data;
  }
  for (const [slot, buffers] of Object.entries(slots)) {
    for (let i = 0; i < params.length; i++) {
      if (!buffers[i]) throw fileError(source, `a tensor '${slot}.${i}' (optimizer state of parameter ${i})`, 'a file without it');
    }
  }
  return { className, step: steps, scalars, slots };
}
