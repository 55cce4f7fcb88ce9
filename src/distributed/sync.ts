/**
 * The collective steps of a data-parallel fit: agreeing on the setup, starting
 * every rank from rank 0's weights and optimizer state, and reducing each span's
 * metrics so every rank reports the same history.
 */
import { DendriteError } from '../errors.js';
import type { Optimizer } from '../optimizer/optimizer.js';
import { collective, together, type Distributed } from './communicator.js';

/** FNV-1a over a string: a compact fingerprint to compare setups across ranks. */
function fingerprint(text: string, basis: number): number {
  let h = basis >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** What every rank must agree on, and values the ranks settle by minimum or maximum. */
export interface Setup {
  parameters: number;
  rows: number;
  description: string;
  minimum: number[];
  maximum: number[];
}

/**
 * Checks, collectively, that every rank has the same setup, and settles `minimum` and
 * `maximum` across ranks. Throws the same DendriteError on every rank when they differ
 * (no rank is left waiting).
 */
export async function agreeOnSetup(dist: Distributed, setup: Setup): Promise<{ minimum: number[]; maximum: number[] }> {
  const same = [setup.parameters, setup.rows, fingerprint(setup.description, 0x811c9dc5), fingerprint(setup.description, 0x2166136)];
  const mine = [...same, ...setup.minimum, ...setup.maximum];
  const low = await collective(dist, Float64Array.from(mine), 'min');
  const high = await collective(dist, Float64Array.from(mine), 'max');
  const n = same.length;
  const extras = { minimum: Array.from(low.subarray(n, n + setup.minimum.length)), maximum: Array.from(high.subarray(n + setup.minimum.length)) };
  const differs = (i: number) => low[i] !== high[i];
  if (!same.some((_, i) => differs(i))) return extras;
  const parts: string[] = [];
  if (differs(0)) parts.push(`parameter counts from ${low[0]} to ${high[0]}`);
  if (differs(1)) parts.push(`training rows from ${low[1]} to ${high[1]}`);
  if (!differs(0) && !differs(1)) parts.push('different layers, loss, optimizer settings, schedules, bucket sizes or fit options');
  throw together(new DendriteError(
    `Expected the same model, data size and fit options on every rank for distributed but received ${parts.join(', ')} across the ${dist.size} ranks (this rank ${dist.rank}: ${setup.parameters} parameters, ${setup.rows} rows)`,
    'ERR_DENDRITE_DISTRIBUTED_MISMATCH',
  ));
}

/** Rank 0's values of `tensors` to every rank, in one collective. */
export async function broadcastTensors(dist: Distributed, tensors: Float32Array[]): Promise<void> {
  if (tensors.length === 0) return;
  const total = tensors.reduce((n, p) => n + p.length, 0);
  const packed = new Float32Array(total);
  let offset = 0;
  for (const p of tensors) {
    packed.set(p, offset);
    offset += p.length;
  }
  await collective(dist, packed, 'broadcast');
  offset = 0;
  for (const p of tensors) {
    p.set(packed.subarray(offset, offset + p.length));
    offset += p.length;
  }
}

/**
 * Rank 0's weights, optimizer state (buffers, step count, scalars) and shuffle
 * seed to every rank; resolves with the seed.
 */
export async function broadcastStart(dist: Distributed, params: Float32Array[], optimizer: Optimizer, seed: number): Promise<number> {
  await broadcastTensors(dist, params);
  await collective(dist, optimizer.nativeState(params).state, 'broadcast');
  const header = Float64Array.from([seed, ...optimizer.syncHeader()]);
  await collective(dist, header, 'broadcast');
  optimizer.applySyncHeader(header.subarray(1));
  return header[0];
}

/**
 * Sums a span's per-batch losses and correct counts and its totals over the ranks
 * (in one collective) and turns the losses into global means. totals[2] becomes
 * the first non-finite global loss or -1. Resolves with whether any rank was aborted.
 */
export async function reduceSpan(dist: Distributed, done: number, losses: Float64Array, correct: Float64Array, totals: Float64Array,
  scratch: Float64Array, aborted: boolean): Promise<boolean> {
  scratch.set(losses.subarray(0, done), 0);
  scratch.set(correct.subarray(0, done), done);
  scratch[2 * done] = totals[0];
  scratch[2 * done + 1] = totals[1];
  scratch[2 * done + 2] = aborted ? 1 : 0;
  const view = scratch.subarray(0, 2 * done + 3);
  await collective(dist, view, 'sum');
  totals[2] = -1;
  for (let i = 0; i < done; i++) {
    losses[i] = view[i] / dist.size;
    correct[i] = view[done + i];
    if (totals[2] < 0 && !Number.isFinite(losses[i])) totals[2] = i;
  }
  totals[0] = view[2 * done];
  totals[1] = view[2 * done + 1];
  return view[2 * done + 2] > 0;
}
