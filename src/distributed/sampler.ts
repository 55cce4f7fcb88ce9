/**
 * Sharding of an epoch across ranks, as PyTorch's DistributedSampler does it:
 * every rank holds the same epoch order; it is padded by repeating its first
 * entries to a multiple of the rank count, and rank r takes positions r, r+S,
 * r+2S, … . Every rank gets ceil(N/S) rows, so all run the same number of steps,
 * and with a per-rank batch B, global step k covers positions [k·B·S, (k+1)·B·S)
 * of the order: the batch a single process with batch B·S would take.
 */
import { invalidDescribed, invalidParameter } from '../errors.js';
import { checkInteger } from '../validate.js';

/** This rank's share of `order` (written into `out` when it has the right length); unchecked. */
export function shardOrderUnchecked(order: Uint32Array, rank: number, size: number, out?: Uint32Array): Uint32Array {
  const n = order.length;
  const per = Math.ceil(n / size);
  const shard = out && out.length === per ? out : new Uint32Array(per);
  for (let i = 0; i < per; i++) shard[i] = order[(rank + i * size) % n];
  return shard;
}

/**
 * The rows of an epoch order that rank `rank` of `size` takes (PyTorch's DistributedSampler):
 * positions rank, rank + size, … of `order` padded cyclically to a multiple of `size`.
 */
export function shardOrder(order: Uint32Array, rank: number, size: number): Uint32Array {
  if (!(order instanceof Uint32Array)) throw invalidParameter('order', 'a Uint32Array', order);
  if (order.length === 0) throw invalidDescribed('order', 'at least one row', 'an empty Uint32Array');
  checkInteger(size, 'size', 1, 2 ** 31 - 1);
  checkInteger(rank, 'rank', 0, size - 1);
  return shardOrderUnchecked(order, rank, size);
}

/** Rows per rank and epoch: ceil(rows / size). */
export function shardLength(rows: number, size: number): number {
  return Math.ceil(rows / size);
}
