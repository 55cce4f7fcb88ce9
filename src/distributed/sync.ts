/**
 * The collective steps of a data-parallel fit: agreeing on the setup, starting
 * every rank from rank 0's weights and optimizer state, and reducing each span's
 * metrics so every rank reports the same history.
 */
import { DendriteError } from '../errors.js';
import type { Optimizer } from '../optimizer/optimizer.js';
import type { Distributed } from './communicator.js';

/** FNV-1a over a string: a compact fingerprint to compare setups across ranks. */
function fingerprint(text: string, basis: number): number {
  let h = basis >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** What every rank must agree on: shapes, parameter count, and the setup description. */
export interface Setup {
  parameters: number;
  rows: number;
  description: string;
}

/**
 * Checks, collectively, that every rank has the same setup; throws the same
 * DendriteError on every rank when they differ (no rank is left waiting).
 */
export async function agreeOnSetup(dist: Distributed, setup: Setup): Promise<void> {
  const mine = [setup.parameters, setup.rows, fingerprint(setup.description, 0x811c9dc5), fingerprint(setup.description, 0x2166136)];
  const low = await dist.allreduce(Float64Array.from(mine), 'min');
  const high = await dist.allreduce(Float64Array.from(mine), 'max');
  const differs = (i: number) => low[i] !== high[i];
  if (!differs(0) && !differs(1) && !differs(2) && !differs(3)) return;
  const parts: string[] = [];
  if (differs(0)) parts.push(`parameter counts from ${low[0]} to ${high[0]}`);
  if (differs(1)) parts.push(`training rows from ${low[1]} to ${high[1]}`);
  if (!differs(0) && !differs(1)) parts.push('different layers, loss, optimizer or fit options');
  throw new DendriteError(
    `Expected the same model, data size and fit options on every rank for distributed but received ${parts.join(', ')} across the ${dist.size} ranks (this rank ${dist.rank}: ${setup.parameters} parameters, ${setup.rows} rows)`,
    'ERR_DENDRITE_DISTRIBUTED_MISMATCH',
  );
}

/**
 * Rank 0's weights, optimizer state (buffers, step count, scalars) and shuffle
 * seed to every rank; resolves with the seed.
 */
export async function broadcastStart(dist: Distributed, params: Float32Array[], optimizer: Optimizer, seed: number): Promise<number> {
  const total = params.reduce((n, p) => n + p.length, 0);
  const packed = new Float32Array(total);
  let offset = 0;
  for (const p of params) {
    packed.set(p, offset);
    offset += p.length;
  }
  await dist.broadcast(packed, 0);
  offset = 0;
  for (const p of params) {
    p.set(packed.subarray(offset, offset + p.length));
    offset += p.length;
  }
  await dist.broadcast(optimizer.nativeState(params).state, 0);
  const header = Float64Array.from([seed, ...optimizer.syncHeader()]);
  await dist.broadcast(header, 0);
  optimizer.applySyncHeader(header.subarray(1));
  return header[0];
}

/**
 * Sums a span's per-batch losses and correct counts and its totals over the ranks
 * (in one collective) and turns the losses into global means. totals[2] becomes
 * the first non-finite global loss or -1.
 */
export async function reduceSpan(dist: Distributed, done: number, losses: Float64Array, correct: Float64Array, totals: Float64Array,
  scratch: Float64Array): Promise<void> {
  scratch.set(losses.subarray(0, done), 0);
  scratch.set(correct.subarray(0, done), done);
  scratch[2 * done] = totals[0];
  scratch[2 * done + 1] = totals[1];
  const view = scratch.subarray(0, 2 * done + 2);
  await dist.allreduce(view, 'sum');
  totals[2] = -1;
  for (let i = 0; i < done; i++) {
    losses[i] = view[i] / dist.size;
    correct[i] = view[done + i];
    if (totals[2] < 0 && !Number.isFinite(losses[i])) totals[2] = i;
  }
  totals[0] = view[2 * done];
  totals[1] = view[2 * done + 1];
}
