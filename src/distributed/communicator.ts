/**
 * The process's place in a data-parallel job: `dd.distributed.init()` starts MPI
 * when the process was launched by mpirun (or another MPI launcher) and returns
 * a Distributed handle; under plain `node` it returns a single rank (size 1)
 * without starting MPI. Collectives run on one native communication thread in
 * call order (every rank must call them in the same order) and never block the
 * event loop.
 */
import os from 'node:os';
import { isMainThread } from 'node:worker_threads';
import { DendriteError, invalidParameter } from '../errors.js';
import { nativeAddon, nativeLoadError, type NativeAddon } from '../native.js';
import { setNumThreads } from '../threads.js';
import { pinMemory } from '../layer/pinned.js';
import { checkBoolean, checkInteger, checkOneOf, checkOptions } from '../validate.js';

export type ReduceOp = 'sum' | 'avg' | 'min' | 'max';
const REDUCE_OPS: readonly ReduceOp[] = ['sum', 'avg', 'min', 'max'];
type FloatArray = Float32Array | Float64Array;
// Collectives run in pieces of 1 MiB: cache-sized pieces reduce fastest (2 ranks on one machine,
// 40 MB: 5.5 GB/s in 1 MiB pieces, 4.6 in 4 MiB, 2.0 in one call; bench/distributed.mjs).
const CHUNK_FLOATS = 1 << 18;

export interface DistributedInitOptions {
  /**
   * Gradient bucket size in bytes (>= 4096; default 4 MiB): during a native fit, each
   * bucket's allreduce starts as soon as the backward pass has filled it, overlapping
   * the layers still to compute.
   */
  bucketBytes?: number;
  /**
   * Native threads per rank: 'auto' (default) gives each rank on a machine an equal
   * share of its cores (cores / ranks on this machine, at least 1); a number sets it.
   */
  threads?: 'auto' | number;
  /** Start MPI even without a launcher (an MPI singleton of size 1). Default false. */
  force?: boolean;
}

/** A handle on the data-parallel job; pass it to `fit` as `{ distributed }`. */
export class Distributed {
  /** This process's rank in [0, size). */
  readonly rank: number;
  /** Number of processes in the job (1 without mpirun). */
  readonly size: number;
  /** Rank among the processes on this machine (use it to pick a GPU). */
  readonly localRank: number;
  /** Processes on this machine. */
  readonly localSize: number;
  /** Whether MPI was started (false for the size-1 fallback). */
  readonly mpi: boolean;
  /** MPI thread support provided: 'serialized' or 'multiple' ('' without MPI). */
  readonly threadLevel: string;
  /** The MPI library's version string ('' without MPI). */
  readonly library: string;
  /** Gradient bucket size in bytes. */
  readonly bucketBytes: number;

  /** @internal */
  constructor(info: { rank: number; size: number; localRank: number; localSize: number; mpi: boolean; threadLevel: string; library: string },
    bucketBytes: number, native: NativeAddon | null) {
    addons.set(this, native);
    this.rank = info.rank;
    this.size = info.size;
    this.localRank = info.localRank;
    this.localSize = info.localSize;
    this.mpi = info.mpi;
    this.threadLevel = info.threadLevel;
    this.library = info.library;
    this.bucketBytes = bucketBytes;
  }

  /** Rank 0: the rank that prints progress and writes checkpoints and results. */
  get isRoot(): boolean {
    return this.rank === 0;
  }

  /**
   * Reduce `array` element-wise across ranks, in place: 'sum' (default), 'avg', 'min'
   * or 'max'. Resolves with the same array. Do not touch the array until then. The ranks
   * first agree on the length, the type and the op (one small collective): when they differ,
   * it rejects on every rank with the house error naming both values.
   */
  async allreduce<T extends FloatArray>(array: T, op: ReduceOp = 'sum'): Promise<T> {
    checkFloatArray(array, 'array');
    checkOneOf(op, 'op', REDUCE_OPS);
    checkNotReserved('allreduce');
    if (this.size === 1) return array;
    return inOrder(async () => {
      await agree(this, 'allreduce', array, 'op', REDUCE_OPS.indexOf(op), (i) => REDUCE_OPS[i]);
      await comm(this).distAllreduce(pinMemory(array), REDUCE_OPS.indexOf(op));
      return array;
    });
  }

  /**
   * Overwrite `array` on every rank with root's values (root default 0). Resolves with the
   * array. As allreduce, the ranks first agree on the length, the type and the root.
   */
  async broadcast<T extends FloatArray>(array: T, root = 0): Promise<T> {
    checkFloatArray(array, 'array');
    checkInteger(root, 'root', 0, this.size - 1);
    checkNotReserved('broadcast');
    if (this.size === 1) return array;
    return inOrder(async () => {
      await agree(this, 'broadcast', array, 'root', root, String);
      await comm(this).distBroadcast(pinMemory(array), root);
      return array;
    });
  }

  /** Resolves once every rank has called barrier(). */
  async barrier(): Promise<void> {
    checkNotReserved('barrier');
    if (this.size > 1) await inOrder(() => comm(this).distBarrier());
  }

  /**
   * End the whole job after an unrecoverable error on this rank: prints the reason
   * to stderr and calls MPI_Abort, so the other ranks stop instead of waiting
   * forever in a collective. Under plain node it exits the process with code 1.
   */
  abort(reason: unknown): never {
    const text = reason instanceof Error ? (reason.stack ?? reason.message) : String(reason);
    process.stderr.write(`dendrite: rank ${this.rank} of ${this.size} failed, ending the job: ${text}\n`);
    const native = addons.get(this);
    if (native && this.mpi) native.distAbort(1);
    process.exit(1);
  }
}

// The application's collectives run one after another, each agreement right before its data
// collective: were the agreement awaited outside this queue, a collective called meanwhile (a
// barrier not awaited after an allreduce, say) could land between the two on one rank only.
let queue: Promise<unknown> = Promise.resolve();
function inOrder<T>(job: () => Promise<T>): Promise<T> {
  const result = queue.then(job, job);
  queue = result.catch(() => undefined);
  return result;
}

/** @internal Resolves once the application's queued collectives have run (fit's collectives must not interleave with them). */
export function collectivesIdle(): Promise<void> {
  return queue.then(() => undefined);
}

const DTYPES = ['float32', 'float64'] as const;

/**
 * Checks, in one 6-value max-allreduce of [n, dtype, param, -n, -dtype, -param], that every rank
 * passes the same length, type and op (root for broadcast): MPI would otherwise read or write
 * past the shorter buffer, or reduce with a different op on each rank. Rejects on every rank
 * together on a mismatch (each rank sees the same maxima and minima).
 */
async function agree(dist: Distributed, action: string, array: FloatArray, param: string, value: number, show: (i: number) => string): Promise<void> {
  const dtype = array instanceof Float64Array ? 1 : 0;
  const mine = Float64Array.of(array.length, dtype, value, -array.length, -dtype, -value);
  await comm(dist).distAllreduce(mine, REDUCE_OPS.indexOf('max'));
  const parts: string[] = [];
  if (mine[0] !== -mine[3]) parts.push(`lengths ${-mine[3]} and ${mine[0]}`);
  if (mine[1] !== -mine[4]) parts.push(`types ${DTYPES[-mine[4]]} and ${DTYPES[mine[1]]}`);
  if (mine[2] !== -mine[5]) parts.push(`${param}s ${show(-mine[5])} and ${show(mine[2])}`);
  if (parts.length === 0) return;
  throw new DendriteError(
    `Expected the same length, type and ${param} on every rank for ${action} but received ${parts.join(', ')} across the ${dist.size} ranks ` +
      `(this rank ${dist.rank}: ${array.length} ${DTYPES[dtype]} values, ${param} ${show(value)})`,
    'ERR_DENDRITE_DISTRIBUTED_MISMATCH',
  );
}

// Each handle's addon, out of the public type.
const addons = new WeakMap<Distributed, NativeAddon | null>();

function comm(dist: Distributed): NativeAddon {
  if (finalized) throw new DendriteError('Expected a running communicator for a collective but received one finalized by distributed.finalize()', 'ERR_DENDRITE_INVALID_STATE');
  return addons.get(dist)!;
}

// While a distributed fit runs, its collectives (some posted by the native training thread)
// own the communicator: a collective of the application would land between them at a
// timing-dependent place, differently on each rank.
let reserved = false;

function checkNotReserved(what: string): void {
  if (reserved) {
    throw new DendriteError(`Expected no distributed fit in progress for ${what} but received a call during one (wait for fit to resolve)`, 'ERR_DENDRITE_INVALID_STATE');
  }
}

/**
 * @internal Reserve the communicator for a distributed fit; returns the release. Throws (before
 * any collective, so the running fit goes on) when another distributed fit holds it.
 */
export function reserveCollectives(): () => void {
  if (reserved) {
    throw new DendriteError('Expected no other distributed fit running for distributed but received one in progress in this process', 'ERR_DENDRITE_INVALID_STATE');
  }
  reserved = true;
  return () => {
    reserved = false;
  };
}

/** @internal A collective of fit (no argument checks): allreduce (op) or broadcast from rank 0, in place. */
export async function collective<T extends FloatArray>(dist: Distributed, array: T, op: ReduceOp | 'broadcast'): Promise<T> {
  if (dist.size === 1) return array;
  if (op === 'broadcast') await comm(dist).distBroadcast(array, 0);
  else await comm(dist).distAllreduce(array, REDUCE_OPS.indexOf(op));
  return array;
}

// Errors raised on every rank together (from agreed or reduced values): fit rejects with them
// normally on every rank. Any other error in a distributed fit ends the job.
const together_ = new WeakSet<object>();
/** @internal Mark an error as raised on every rank at the same point. */
export function together<E extends Error>(err: E): E {
  together_.add(err);
  return err;
}
/** @internal */
export function raisedTogether(err: unknown): boolean {
  return typeof err === 'object' && err !== null && together_.has(err);
}

function checkFloatArray(value: unknown, name: string): void {
  if (!(value instanceof Float32Array) && !(value instanceof Float64Array)) throw invalidParameter(name, 'a Float32Array or Float64Array', value);
}

let current: Distributed | null = null;
let finalized = false;

/** The MPI launcher's view of this process, without starting anything. */
function launchInfo(native: NativeAddon | null): { launched: boolean; rank: number; size: number; localRank: number; localSize: number } {
  if (native) return native.distLaunch();
  const env = process.env;
  const size = Number(env.OMPI_COMM_WORLD_SIZE ?? env.PMIX_SIZE ?? env.PMI_SIZE ?? 1);
  const launched = env.OMPI_COMM_WORLD_SIZE !== undefined || env.PMIX_RANK !== undefined || env.PMI_RANK !== undefined;
  return { launched, rank: Number(env.OMPI_COMM_WORLD_RANK ?? env.PMIX_RANK ?? env.PMI_RANK ?? 0), size, localRank: 0, localSize: 1 };
}

/**
 * Join the data-parallel job this process was launched into (mpirun -np N node
 * app.js), or get a single-rank handle under plain node (no MPI, no daemon).
 * Idempotent: later calls return the same handle (their options are ignored).
 * @throws DendriteError when launched by mpirun but this build has no MPI, when MPI
 *   cannot start or lacks thread support, from a worker thread, or after finalize().
 */
export function init(options: DistributedInitOptions = {}): Distributed {
  if (current) return current;
  const o = checkOptions(options, ['bucketBytes', 'threads', 'force']);
  const bucketBytes = checkInteger(o.bucketBytes ?? 4 << 20, 'bucketBytes', 4096, 2 ** 31 - 1);
  const force = checkBoolean(o.force ?? false, 'force');
  const threads = o.threads === undefined || o.threads === 'auto' ? 'auto' : checkInteger(o.threads, 'threads', 1, 1024);
  if (finalized) {
    throw new DendriteError('Expected a process whose communicator is not finalized for distributed.init but received one finalized earlier (MPI cannot restart)', 'ERR_DENDRITE_INVALID_STATE');
  }
  if (!isMainThread) throw new DendriteError('Expected the main thread for distributed.init but received a worker thread', 'ERR_DENDRITE_INVALID_STATE');
  const native = nativeAddon();
  const launch = launchInfo(native);
  if ((launch.launched && launch.size !== 1) || force) {
    if (!native) {
      throw new DendriteError(`Expected the native addon for distributed.init under an MPI launcher but received none (${nativeLoadError()})`, 'ERR_DENDRITE_DISTRIBUTED');
    }
    if (!native.distLaunch().compiled) {
      throw new DendriteError(
        `Expected a dendrite build with MPI for distributed.init but received one where MPI cannot be used (launched as rank ${launch.rank} of ${launch.size}: ` +
          `${mpiUnavailableReason()})`, 'ERR_DENDRITE_DISTRIBUTED');
    }
  }
  if (native && ((launch.launched && launch.size !== 1) || force)) {
    // Before MPI starts (set here, under node's environment lock, unless the user set them):
    // OpenMPI keeps its hands off node's signal handlers (SIGABRT/SIGBUS/SIGFPE), and a rank
    // waiting in a collective yields its core to the compute threads instead of spinning
    // (wide MLP on 2 ranks x 1 core: 206 vs 211-225 ms a step; 4 KB latency unchanged).
    process.env.OMPI_MCA_opal_signal ??= '';
    process.env.OMPI_MCA_mpi_yield_when_idle ??= '1';
  }
  let info;
  try {
    info = native ? native.distInit(force, CHUNK_FLOATS) : { ...launch, size: 1, rank: 0, mpi: false, threadLevel: '', library: '' };
  } catch (err) {
    throw new DendriteError(`Expected MPI to start for distributed.init but received: ${(err as Error).message}`, 'ERR_DENDRITE_DISTRIBUTED');
  }
  if (native && (threads !== 'auto' || info.localSize > 1)) {
    setNumThreads(threads === 'auto' ? Math.max(1, Math.floor(os.availableParallelism() / info.localSize)) : threads);
  }
  // One GPU per rank: the i-th rank on a machine uses CUDA device i % devices (read when the CUDA
  // runtime starts, at its first op; DENDRITE_CUDA_DEVICE set by the user wins).
  if (native && info.localSize > 1 && process.env.DENDRITE_CUDA_DEVICE === undefined) {
    const devices = native.cudaInfo().deviceCount;
    if (devices > 0) process.env.DENDRITE_CUDA_DEVICE = String(info.localRank % devices);
  }
  current = new Distributed(info, bucketBytes, native);
  if (info.mpi) {
    process.on('uncaughtExceptionMonitor', (err) => (lastUncaught = err));
    process.once('exit', atExit);
  }
  return current;
}

/**
 * Finalize MPI after every queued collective (idempotent; also runs at process exit).
 * Every rank should call it (or simply exit); no collective works afterwards.
 */
export function finalize(): void {
  if (finalized) return;
  checkNotReserved('distributed.finalize');
  finalized = true;
  if (current?.mpi) nativeAddon()?.distFinalize();
}

/**
 * At exit: finalize after a clean exit; after a failure (an uncaught exception, a non-zero exit
 * code) end the whole job instead. MPI_Finalize would wait for the other ranks, which may be
 * waiting in a collective for this one: both would hang.
 */
function atExit(code: number): void {
  if (code !== 0 && !finalized && current?.mpi) {
    // node prints an uncaught exception after the 'exit' event, which MPI_Abort never returns from
    if (lastUncaught !== undefined) {
      const err = lastUncaught;
      process.stderr.write(`dendrite: rank ${current.rank} of ${current.size} failed, ending the job: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    }
    nativeAddon()?.distAbort(code);
  }
  finalize();
}
let lastUncaught: unknown;

/** Whether an MPI launcher (mpirun, srun) started this process; nothing is started to find out. */
export function launchedByMpi(): boolean {
  return launchInfo(nativeAddon()).launched;
}

/** Whether this process can run across processes (the MPI plugin and libmpi load). */
export function mpiCompiled(): boolean {
  return nativeAddon()?.distLaunch().compiled ?? false;
}

/** Why MPI cannot be used here (no addon, built without MPI, libmpi missing); null when it can. */
export function mpiUnavailableReason(): string | null {
  const native = nativeAddon();
  if (!native) return nativeLoadError();
  const launch = native.distLaunch();
  return launch.compiled ? null : launch.mpiError || 'built without MPI';
}

/** @internal The handle from init(), or null. */
export function currentDistributed(): Distributed | null {
  return current;
}

/** @internal Validates fit's `distributed` option. */
export function checkDistributed(value: unknown): Distributed | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof Distributed)) throw invalidParameter('distributed', 'the handle from dd.distributed.init()', value);
  return value;
}
