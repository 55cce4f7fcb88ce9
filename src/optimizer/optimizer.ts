/**
 * The optimizer base class: validated options, lazily created state in one
 * slot-major Float32Array arena, one backend call per step, config and state
 * round trips. Subclasses only say which state slots they keep and how the
 * step's coefficients follow from their options and the step count.
 */
import { activeBackend } from '../backend/registry.js';
import type { Backend } from '../backend/backend.js';
import type { OptimizerKernel } from '../backend/kernel-ids.js';
import { DendriteError, invalidDescribed, invalidParameter } from '../errors.js';
import { Tensor, checkAttached } from '../tensor.js';
import { checkNumber, checkOptions, isPlainObject } from '../validate.js';
import { pinMemory } from '../layer/pinned.js';

/** Parameters or gradients: Tensors or Float32Arrays, matched by position. */
export type TensorList = readonly (Tensor | Float32Array)[];

/** `getConfig()` output: the class name plus every option. */
export interface OptimizerConfig {
  className: string;
  lr: number;
  [option: string]: unknown;
}

/** `stateDict()` output: enough to resume training exactly. */
export interface OptimizerState {
  className: string;
  /** Steps taken so far. */
  step: number;
  /** Scalar state (e.g. NAdam's momentum product). */
  scalars: Record<string, number>;
  /** Each state buffer name -> one Float32Array per parameter (copies). */
  slots: Record<string, Float32Array[]>;
}

/** Option name -> [default, validator]. */
export type OptionSpec = Record<string, [unknown, (value: unknown, name: string) => unknown]>;

export const nonNegative = (v: unknown, n: string): number => checkNumber(v, n, { min: 0 });
export const positive = (v: unknown, n: string): number => checkNumber(v, n, { min: 0, minExclusive: true });
export const unitOpen = (v: unknown, n: string): number => checkNumber(v, n, { min: 0, max: 1, maxExclusive: true });
export const unitClosed = (v: unknown, n: string): number => checkNumber(v, n, { min: 0, max: 1 });

function dataOf(list: unknown, name: string): Float32Array[] {
  if (!Array.isArray(list)) throw invalidParameter(name, 'an array of Tensor or Float32Array', list);
  return list.map((x, i) => {
    const data = x instanceof Tensor ? x.data : x;
    if (!(data instanceof Float32Array)) throw invalidParameter(`${name}[${i}]`, 'a Tensor or Float32Array', x);
    checkAttached(data, `${name}[${i}]`);
    return data;
  });
}

export abstract class Optimizer {
  /** The optimizer's name in configs and state dicts (e.g. 'Adam'). */
  static readonly className: string;
  /** The kernel family that performs the update. */
  protected abstract readonly kernel: OptimizerKernel;
  /** Validated options, defaults included (lr is kept separately: it is settable). */
  protected readonly options: Record<string, unknown>;
  #lr: number;
  #step = 0;
  #state: Float32Array | null = null;
  #lengths: number[] | null = null;
  #coeffs: Float64Array | null = null;
  #plan: Float64Array | null = null;
  #trainingWith: object | null = null;

  protected constructor(options: unknown, spec: OptionSpec) {
    const given = checkOptions(options, ['lr', ...Object.keys(spec)]);
    const resolved: Record<string, unknown> = {};
    for (const [key, [def, check]] of Object.entries(spec)) {
      resolved[key] = given[key] === undefined ? def : check(given[key], key);
    }
    this.options = resolved;
    this.#lr = checkNumber(given.lr ?? this.defaultLr(), 'lr', { min: 0 });
  }

  /** The default learning rate of this optimizer (PyTorch's). */
  protected abstract defaultLr(): number;
  /** Names of the state buffers this configuration keeps, in arena order. */
  protected abstract slotNames(): string[];
  /** How many coefficients a step has (the kernel's layout). */
  protected abstract readonly coefficientCount: number;
  /** Write the coefficients of step t (1-based) into c, see the kernel's layout. May advance scalar state. */
  protected abstract coefficients(t: number, c: Float64Array): void;
  /** Initial value of a state buffer (0 unless overridden, e.g. Adagrad). */
  protected initialValue(_slot: string): number {
    return 0;
  }
  /** Scalar state for stateDict (override when there is some). */
  protected get scalars(): Record<string, number> {
    return {};
  }
  protected set scalars(_values: Record<string, number>) {}

  /** The learning rate; settable (schedules use it). */
  get lr(): number {
    return this.#lr;
  }
  set lr(value: number) {
    this.#lr = checkNumber(value, 'lr', { min: 0 });
  }

  /**
   * The momentum-like option: `momentum` (SGD, RMSprop) or `beta1` (Adam
   * family); undefined for Adagrad and Adadelta. Settable (OneCycleLR cycles it).
   */
  get momentum(): number | undefined {
    const key = 'momentum' in this.options ? 'momentum' : 'beta1' in this.options ? 'beta1' : null;
    return key ? (this.options[key] as number) : undefined;
  }
  set momentum(value: number | undefined) {
    const key = 'momentum' in this.options ? 'momentum' : 'beta1' in this.options ? 'beta1' : null;
    if (!key) throw new DendriteError(`Expected an optimizer with momentum or beta1 for momentum but received ${this.className}`);
    // A momentum buffer exists only when momentum was > 0 at creation; it cannot appear or vanish later.
    const range = key === 'beta1' ? { min: 0, max: 1, maxExclusive: true } : { min: 0, max: 1, minExclusive: true };
    if (key === 'momentum' && this.options.momentum === 0) {
      throw new DendriteError(`Expected an optimizer created with momentum > 0 for momentum but received ${this.className} with momentum 0`);
    }
    this.options[key] = checkNumber(value, key, range);
  }

  /** Steps taken so far. */
  get iterations(): number {
    return this.#step;
  }

  /** The class name used by getConfig / fromConfig. */
  get className(): string {
    return (this.constructor as typeof Optimizer).className;
  }

  /**
   * One update of every parameter, in place, from its gradient (matched by
   * position). All tensors are updated in one backend call.
   */
  step(params: TensorList, grads: TensorList): void {
    this.stepOn(activeBackend(), params, grads);
  }

  /** step() on a given backend (internal: models with their own backend). */
  stepOn(backend: Backend, params: TensorList, grads: TensorList): void {
    const ps = dataOf(params, 'params');
    const gs = dataOf(grads, 'grads');
    if (gs.length !== ps.length) {
      throw invalidDescribed('grads', `${ps.length} gradients (one per parameter)`, `${gs.length}`);
    }
    gs.forEach((g, i) => {
      if (g.length !== ps[i].length) throw invalidDescribed(`grads[${i}]`, `${ps[i].length} elements like params[${i}]`, `${g.length}`);
      if (g.buffer === ps[i].buffer && g.byteOffset < ps[i].byteOffset + ps[i].byteLength && ps[i].byteOffset < g.byteOffset + g.byteLength) {
        throw invalidDescribed(`grads[${i}]`, 'memory separate from its parameter', 'an array overlapping params[' + i + ']');
      }
    });
    const slots = this.slotNames();
    this.#ensureState(ps.map((p) => p.length), slots);
    const coeffs = (this.#coeffs ??= new Float64Array(this.coefficientCount));
    this.coefficients(this.#step + 1, coeffs);
    backend.optimizerStep(this.kernel, ps, gs, this.#state!, slots.length, coeffs);
    this.#step++;
  }

  #ensureState(lengths: number[], slots: string[]): void {
    if (this.#lengths) {
      const same = lengths.length === this.#lengths.length && lengths.every((n, i) => n === this.#lengths![i]);
      if (!same) {
        throw new DendriteError(
          `Expected the same ${this.#lengths.length} parameter tensors of sizes [${this.#lengths.join(', ')}] as in earlier steps for params but received ${lengths.length} of sizes [${lengths.join(', ')}]`,
        );
      }
      return;
    }
    const total = lengths.reduce((a, b) => a + b, 0);
    // the native loop updates it from its thread: pinned (see pinMemory). A new Float32Array is
    // zeros already: filling it with 0 would touch every page on the event loop (Adam on 33M
    // parameters: ~100 ms) instead of letting the training thread fault them in.
    const state = pinMemory(new Float32Array(total * slots.length));
    slots.forEach((name, s) => {
      const value = this.initialValue(name);
      if (value !== 0) state.fill(value, s * total, (s + 1) * total);
    });
    this.#state = state;
    this.#lengths = lengths;
  }

  /**
   * For native training loops (internal): the state arena for these parameters,
   * created on first use exactly as step() would, and the kernel that updates them.
   */
  nativeState(params: Float32Array[]): { kernel: OptimizerKernel; slots: number; state: Float32Array } {
    const slots = this.slotNames();
    this.#ensureState(params.map((p) => p.length), slots);
    return { kernel: this.kernel, slots: slots.length, state: this.#state! };
  }

  /**
   * For native training loops (internal): the coefficients of the next `count`
   * steps, one row of coefficientCount each (lr as it is now), in a buffer reused
   * between calls. Nothing advances until commitSteps().
   */
  planSteps(count: number): Float64Array {
    const width = this.coefficientCount;
    if (!this.#plan || this.#plan.length < count * width) this.#plan = new Float64Array(count * width);
    const scratch = (this.#coeffs ??= new Float64Array(width));
    const saved = this.scalars;
    for (let i = 0; i < count; i++) {
      this.coefficients(this.#step + 1 + i, scratch);
      this.#plan.set(scratch, i * width);
    }
    this.scalars = saved;
    return this.#plan;
  }

  /**
   * For data-parallel training (internal): the step count and scalar state as numbers
   * (rank 0's are broadcast to every rank at the start of a distributed fit).
   */
  syncHeader(): number[] {
    const scalars = this.scalars;
    return [this.#step, ...Object.keys(scalars).sort().map((k) => scalars[k])];
  }

  /** Adopt another rank's syncHeader() (internal). */
  applySyncHeader(values: ArrayLike<number>): void {
    const scalars = this.scalars;
    const keys = Object.keys(scalars).sort();
    this.#step = values[0];
    keys.forEach((k, i) => (scalars[k] = values[i + 1]));
    this.scalars = scalars;
  }

  /** Coefficients per step (internal, for native training loops). */
  get stepCoefficientCount(): number {
    return this.coefficientCount;
  }

  /** Record that `done` planned steps ran (advances the step count and scalar state). */
  commitSteps(done: number): void {
    const scratch = (this.#coeffs ??= new Float64Array(this.coefficientCount));
    for (let i = 0; i < done; i++) this.coefficients(this.#step + 1 + i, scratch);
    this.#step += done;
  }

  /**
   * @internal A model's fit starts training with this optimizer; returns the release. Throws the
   * house error while another model's fit uses it: the state (moments, step count) belongs to
   * one model's parameters, and two models stepping it would mix theirs.
   */
  claimFor(model: object, action: string): () => void {
    if (this.#trainingWith !== null && this.#trainingWith !== model) {
      throw new DendriteError(
        `Expected an optimizer that no other model is training with for ${action} but received the ${this.className} optimizer of a model whose fit is running (give each model its own optimizer, e.g. dd.optimizers.fromConfig(optimizer.getConfig()))`,
        'ERR_DENDRITE_INVALID_STATE',
      );
    }
    this.#trainingWith = model;
    return () => {
      if (this.#trainingWith === model) this.#trainingWith = null;
    };
  }

  /** Every option plus `className` and `lr`; `dd.optimizers.fromConfig` recreates the optimizer. */
  getConfig(): OptimizerConfig {
    return { className: this.className, lr: this.#lr, ...this.options };
  }

  /** Step count and copies of every state buffer. Empty slots before the first step. */
  stateDict(): OptimizerState {
    const views = this.stateViews();
    for (const name of Object.keys(views.slots)) views.slots[name] = views.slots[name].map((v) => v.slice());
    return views;
  }

  /**
   * @internal stateDict() with views of the live state instead of copies (src/io copies them
   * a few MB at a time; a later loadStateDict replaces the arena, so the views keep the old values).
   */
  stateViews(): OptimizerState {
    const slots: Record<string, Float32Array[]> = {};
    if (this.#state && this.#lengths) {
      const total = this.#lengths.reduce((a, b) => a + b, 0);
      this.slotNames().forEach((name, s) => {
        let offset = s * total;
        slots[name] = this.#lengths!.map((n) => this.#state!.subarray(offset, (offset += n)));
      });
    }
    return { className: this.className, step: this.#step, scalars: { ...this.scalars }, slots };
  }

  /** Restore a stateDict() of an optimizer of the same class and options. */
  loadStateDict(state: OptimizerState): void {
    const load = this.#prepareLoad(state);
    load.lists.forEach((list, s) => list.forEach((a, i) => load.arena!.set(a, load.offsets[s][i])));
    load.commit();
  }

  /**
   * @internal loadStateDict() of a state whose buffers are not in memory: `state.slots` gives
   * each buffer's length, and `fill(slot, i, into)` writes buffer i of `slot` into the new arena
   * (src/io reads the file straight into it, by ranges, yielding to the event loop: no full-size
   * temporaries). Everything is checked before `fill` runs; the state changes only once every
   * buffer is filled.
   */
  async loadStateDictWith(state: Omit<OptimizerState, 'slots'> & { slots: Record<string, number[]> }, fill: (slot: string, index: number, into: Float32Array) => Promise<void>): Promise<void> {
    const load = this.#prepareLoad(state, true);
    const names = this.slotNames();
    for (const [s, offsets] of load.offsets.entries()) {
      for (const [i, at] of offsets.entries()) await fill(names[s], i, load.arena!.subarray(at, at + load.lengths![i]));
    }
    load.commit();
  }

  /** loadStateDict's checks and new arena; `commit` adopts it (once filled). */
  #prepareLoad(state: OptimizerState | (Omit<OptimizerState, 'slots'> & { slots: Record<string, number[]> }), sized = false): { lists: Float32Array[][]; arena: Float32Array | null; offsets: number[][]; lengths: number[] | null; commit: () => void } {
    if (!isPlainObject(state)) throw invalidParameter('state', 'an object from stateDict()', state);
    if (state.className !== this.className) throw invalidParameter('state.className', `'${this.className}'`, state.className);
    const step = checkNumber(state.step, 'state.step', { min: 0 });
    if (!Number.isInteger(step)) throw invalidParameter('state.step', 'an integer >= 0', state.step);
    if (!isPlainObject(state.slots)) throw invalidParameter('state.slots', 'an object of Float32Array lists', state.slots);
    const names = this.slotNames();
    const given = Object.keys(state.slots);
    if (step > 0 && (given.length !== names.length || !names.every((n) => given.includes(n)))) {
      throw invalidDescribed('state.slots', `the buffers ${names.join(', ') || '(none)'}`, given.join(', ') || '(none)');
    }
    let lengths: number[] | null = null;
    let arena: Float32Array | null = null;
    let copies: Float32Array[][] = [];
    const offsets: number[][] = [];
    if (step > 0 && names.length > 0) {
      const lists = sized ? [] : names.map((n) => dataOf(state.slots[n], `state.slots.${n}`));
      const sizes = sized ? names.map((n) => state.slots[n] as number[]) : lists.map((list) => list.map((a) => a.length));
      lengths = sizes[0];
      sizes.forEach((list, s) => {
        if (list.length !== lengths!.length || list.some((n, i) => n !== lengths![i])) {
          throw invalidDescribed(`state.slots.${names[s]}`, `buffers of sizes [${lengths!.join(', ')}]`, `sizes [${list.join(', ')}]`);
        }
      });
      const total = lengths.reduce((a, b) => a + b, 0);
      arena = pinMemory(new Float32Array(total * names.length));
      sizes.forEach((list, s) => {
        let offset = s * total;
        offsets.push(list.map((n) => (offset += n) - n));
      });
      copies = lists;
    }
    const scalars = isPlainObject(state.scalars) ? (state.scalars as Record<string, number>) : {};
    for (const [k, v] of Object.entries(scalars)) checkNumber(v, `state.scalars.${k}`);
    return {
      lists: copies, arena, offsets, lengths, commit: () => {
        this.scalars = scalars;
        this.#step = step;
        this.#state = arena;
        this.#lengths = lengths;
      },
    };
  }
}
