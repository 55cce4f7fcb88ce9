/**
 * The single place that loads the native addon and types every native function.
 * Loading never throws: on failure the library runs on the `js` backend and
 * `backends()` reports `nativeLoadError()`.
 */
import type { NativeLayerSpec } from './layer/layer.js';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** What the CUDA runtime found (native/kernels/cuda/cuda_api.h ProbeInfo). */
export interface CudaInfo {
  /** Built with the CUDA backend (false for DENDRITE_CUDA=OFF, no nvcc, or the node-gyp build). */
  compiled: boolean;
  /** cuBLAS headers were found at build time (the library is loaded at run time). */
  cublas: boolean;
  deviceCount: number;
  /** Why CUDA cannot be used here (e.g. 'CUDA driver version is insufficient for CUDA runtime version'); '' when it can. */
  error: string;
  /** The CUDA error name, e.g. 'cudaErrorInsufficientDriver'; '' when none. */
  errorName: string;
  /** Name of device 0. */
  deviceName: string;
  /** 'major.minor' of device 0. */
  computeCapability: string;
  runtimeVersion: number;
  driverVersion: number;
  /** The architectures compiled in, e.g. '80-real 90'. */
  archs: string;
}

/**
 * The op table of the CUDA backend, with the signatures (and argument checks) of
 * the cpu functions: `cuda` runs the CUDA kernels, `deviceMath` runs the same
 * device math on the CPU (the CUDA numerics, testable without a GPU). Every op
 * copies host arrays to the device and back; errors throw 'CUDA backend: ...'.
 */
/**
 * One op table of the addon (native/binding/ops_binding.cc): the same functions
 * and argument checks over the CPU kernels (the addon's top level), the CUDA
 * kernels (`cuda`) or the CUDA device math run on the CPU (`deviceMath`).
 */
export interface NativeOps {
  activationForward(id: number, x: Float32Array, out: Float32Array, alpha: number, beta: number, threshold: number): void;
  activationBackward(
    id: number, x: Float32Array, dy: Float32Array, out: Float32Array, alpha: number, beta: number, threshold: number,
  ): void;
  softmaxForward(x: Float32Array, out: Float32Array, rows: number, cols: number, log: boolean): void;
  softmaxBackward(x: Float32Array, dy: Float32Array, out: Float32Array, rows: number, cols: number, log: boolean): void;
  mse(pred: Float32Array, target: Float32Array, grad: Float32Array | null): number;
  softmaxCrossEntropy(
    logits: Float32Array, targets: Int32Array, rows: number, cols: number, labelSmoothing: number, grad: Float32Array | null,
  ): number;
  bceWithLogits(logits: Float32Array, targets: Float32Array, grad: Float32Array | null): number;
  optimizerStep(id: number, params: Float32Array[], grads: Float32Array[], state: Float32Array, slots: number, coeffs: Float64Array): void;
  clipGradNorm(grads: Float32Array[], maxNorm: number): number;
  clipGradValue(grads: Float32Array[], value: number): void;
  /**
   * Row-major fp32 GEMM on the active variant, threaded: `C = alpha * op(A) * op(B) + beta * C`,
   * op(A) m x k, op(B) k x n. `transA`: A is stored k x m (lda >= m), else m x k (lda >= k);
   * `transB`: B is stored n x k (ldb >= k), else k x n (ldb >= n); C is m x n (ldc >= n).
   * `beta` 0 ignores C's contents (NaN included), as in BLAS. Then the fused epilogue: C += bias
   * (one value per column) when `bias` is given, and, when `actId` is an activation kernel id
   * (ACTIVATION_KERNELS order; -1 for none), `actOut` (m x n, leading dimension `ldo`) =
   * activation(C) with the parameters `actAlpha`, `actBeta`, `actThreshold`; C keeps the
   * pre-activation. `actOut` must be null when `actId` is -1. Every array must hold its
   * matrix at its leading dimension, else a TypeError is thrown.
   */
  gemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
    a: Float32Array, lda: number, b: Float32Array, ldb: number, beta: number, c: Float32Array, ldc: number,
    bias: Float32Array | null, actId: number, actAlpha: number, actBeta: number, actThreshold: number,
    actOut: Float32Array | null, ldo: number,
  ): void;
}

export interface CudaOps extends NativeOps {
  /** 'cuda', 'none' (built without CUDA) or 'host' (deviceMath). */
  readonly name: string;
  /** 'matmulPrecision': 'fp32' | 'tf32'; 'gemm': 'auto' | 'own' | 'cublas'. Throws on unknown values. */
  configure(key: 'matmulPrecision' | 'gemm', value: string): void;
  /** The GEMM path the next call takes, e.g. 'own-fp32', 'own-tf32', 'cublas-fp32'. */
  gemmImpl(): string;
  /**
   * Device-memory micro-benchmark (bench/gpu): ms per call of `what` ('copy', 'relu', 'sigmoid',
   * 'tanh', 'gelu', 'adam', 'sgemm-{own,cublas}-{fp32,tf32}') on n floats (n x n x n for sgemm).
   */
  bench?(what: string, n: number, reps: number): number;
}

/** The process's place in a distributed job (native/include/dendrite/communicator.h). */
export interface NativeLaunch {
  /** Started by an MPI launcher (OMPI_COMM_WORLD_SIZE, PMIX_RANK or PMI_RANK set). */
  launched: boolean;
  rank: number;
  size: number;
  localRank: number;
  localSize: number;
  /** The MPI plugin (dendrite_mpi.so, built when MPI was found) and libmpi loaded. */
  compiled: boolean;
  /** Why they did not ('' when they did): built without MPI, or libmpi missing here. */
  mpiError: string;
}

export interface NativeCommInfo {
  /** MPI was started. */
  mpi: boolean;
  rank: number;
  size: number;
  localRank: number;
  localSize: number;
  /** 'serialized' or 'multiple' ('' without MPI). */
  threadLevel: string;
  /** MPI_Get_library_version ('' without MPI). */
  library: string;
}

/** Every function the addon exports. Arguments are validated by the facade. */
export interface NativeAddon extends NativeOps {
  /** The launcher's environment, read without starting MPI. */
  distLaunch(): NativeLaunch;
  /** Start the communicator (MPI when launched or forced); throws with the reason it could not. */
  distInit(force: boolean, chunkElements: number): NativeCommInfo;
  /** In-place allreduce on the communication thread; op 0 sum, 1 average, 2 min, 3 max. */
  distAllreduce(array: Float32Array | Float64Array, op: number): Promise<void>;
  /** Root's values into every rank's array, on the communication thread. */
  distBroadcast(array: Float32Array | Float64Array, root: number): Promise<void>;
  distBarrier(): Promise<void>;
  /** Drain the communication thread and finalize MPI (idempotent). */
  distFinalize(): void;
  /** End every rank of the job (MPI_Abort); never returns. */
  distAbort(code: number): never;
  /** Probe the CUDA runtime (never throws; no GPU needed). */
  cudaInfo(): CudaInfo;
  /** The CUDA kernels (each op throws when CUDA is unavailable). */
  cuda: CudaOps;
  /** The CUDA backend's device math run on the CPU (tests). */
  deviceMath: CudaOps;
  /** The active kernel variant. */
  isa(): string;
  /** Variants compiled in and supported by this CPU, best first. */
  isaVariants(): string[];
  /** Switch the variant ('auto' | 'avx512' | 'avx2' | 'scalar'); false if unavailable. */
  selectIsa(name: string): boolean;
  /** Activation kernel names in native order. */
  activationNames(): string[];
  /** Threads of the native pool (the caller included). */
  numThreads(): number;
  /** Shrinking stops and joins the workers beyond the new count. */
  setNumThreads(n: number): void;
  /** The pool's worker threads alive now (started on demand; at most numThreads() - 1). */
  poolWorkers(): number;
  /** Optimizer kernel names in native order. */
  optimizerNames(): string[];
  NativeTrainer: new (spec: NativeTrainerSpec) => NativeTrainer;
  /** device: 'cpu', 'cuda' or 'deviceMath' (the CUDA math on the CPU). */
  NativeLayer: new (spec: NativeLayerSpec, device: 'cpu' | 'cuda' | 'deviceMath') => NativeLayer;
  /** memcpy of x into out: the bandwidth baseline of the benchmarks. */
  copyFloat32(out: Float32Array, x: Float32Array): void;
  /** Same contract as `gemm`: the single-threaded triple loop accumulating in double (the test oracle). */
  gemmReference(
    transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
    a: Float32Array, lda: number, b: Float32Array, ldb: number, beta: number, c: Float32Array, ldc: number,
    bias: Float32Array | null, actId: number, actAlpha: number, actBeta: number, actThreshold: number,
    actOut: Float32Array | null, ldo: number,
  ): void;
}

/** One layer of a NativeTrainer spec: Layer.nativeSpec() (native/include/dendrite/layer.h LayerConfig). */
export type NativeTrainerLayer = NativeLayerSpec;

/** One layer on its own over a native device (Layer.forward / Layer.backward on cpu and cuda), synchronous. */
export interface NativeLayer {
  /** y [rows, outSize] for x [rows, inSize]. */
  forward(x: Float32Array, rows: number, training: boolean, y: Float32Array): void;
  /** Forward again into y, then dx (or null) and the gradients of the trainable tensors (null for buffers), in tensors order. */
  backward(x: Float32Array, rows: number, training: boolean, y: Float32Array, dy: Float32Array, dx: Float32Array | null, grads: (Float32Array | null)[]): void;
}

export interface NativeTrainer {
  /**
   * Train batches first .. first+count-1 of an epoch on a job thread of dendrite's (never the libuv
   * pool); resolves with the batches done. Every row index and class label is checked as the loop
   * reads it: a bad one (changed in place meanwhile) rejects with a house-format message and the
   * batches done before it as the error's `done`. Throws when x, targets, order, the weights or
   * the optimizer state are detached or resized.
   * targets: Int32Array classes (softmax cross-entropy) or Float32Array values. totals receives
   * [row-weighted loss sum, correct predictions, index of the first non-finite loss or -1].
   * `order` holds the epoch's row indices (this rank's shard in data-parallel training).
   * bucketElements > 0 averages every step's gradients across the ranks of the started
   * communicator, in buckets of that many elements overlapped with the backward pass.
   */
  run(x: Float32Array, rows: number, targets: Int32Array | Float32Array, order: Uint32Array, batchSize: number, first: number,
    count: number, coeffs: Float64Array, losses: Float64Array, correct: Float64Array, totals: Float64Array,
    bucketElements?: number): Promise<number>;
  /** Forward pass of x [rows, inSize] into out [rows, units] on this thread, in one native call (the same checks of the arrays). */
  predictSync(x: Float32Array, rows: number, batchSize: number, out: Float32Array): void;
  /** Forward pass of x [rows, inSize] into out [rows, units] on a job thread of dendrite's. */
  predict(x: Float32Array, rows: number, batchSize: number, out: Float32Array): Promise<number>;
  /** Stop the running span between batches. */
  abort(): void;
  /** The training arrays may have changed since the last run (a device trainer uploads them again). */
  forgetData(): void;
}

export interface NativeTrainerSpec {
  layers: NativeTrainerLayer[];
  loss: 'softmaxCrossEntropy' | 'mse' | 'binaryCrossEntropyWithLogits';
  labelSmoothing: number;
  accuracy: boolean;
  /** The optimizer kernel (OPTIMIZER_KERNELS). */
  optimizer: string;
  slots: number;
  state: Float32Array;
  coeffCount: number;
  /**
   * Where the loop runs: 'cpu' (default), 'cuda' (weights, gradients, optimizer state and data
   * resident on the GPU) or 'deviceMath' (that device-resident loop over the CUDA math on the CPU).
   */
  device?: 'cpu' | 'cuda' | 'deviceMath';
}

let addon: NativeAddon | null = null;
let addonFile: string | null = null;
let loadError: string | null = null;

/** The package's root folder (src/ or dist/ sit below it). */
export const packageRoot = path.resolve(__dirname, '..');

/** Where the prebuilt addon of this platform lives in the package (node-gyp-build's layout). */
export function prebuildDir(root = packageRoot): string {
  return path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
}

/**
 * The addon files tried, in order: DENDRITE_ADDON_PATH (a custom build), a build from
 * source (a checkout's `npm install`, or `npx dendrite build`), then the prebuilt
 * binary shipped in the package.
 */
export function addonCandidates(root = packageRoot): string[] {
  const explicit = process.env.DENDRITE_ADDON_PATH;
  if (explicit) return [path.resolve(explicit)];
  return [path.join(root, 'build', 'Release', 'dendrite.node'), path.join(prebuildDir(root), 'dendrite.node')];
}

function load(): void {
  const requireAddon = createRequire(__filename);
  const failures: string[] = [];
  for (const file of addonCandidates()) {
    if (!existsSync(file)) {
      failures.push(`${file}: not found`);
      continue;
    }
    try {
      addon = requireAddon(file) as NativeAddon;
      addonFile = file;
      return;
    } catch (err) {
      // The first line is the loader's reason (e.g. a missing shared library or a wrong ELF class).
      failures.push(`${file}: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
    }
  }
  loadError = failures.join('; ');
}
load();

/** The loaded addon, or null when it could not be loaded. */
export function nativeAddon(): NativeAddon | null {
  return addon;
}

/** The file the addon was loaded from, or null. */
export function nativeAddonFile(): string | null {
  return addonFile;
}

/** Why the addon could not be loaded (every file tried and why), with how to fix it; null when it loaded. */
export function nativeLoadError(): string | null {
  if (loadError === null) return null;
  if (process.env.DENDRITE_ADDON_PATH) {
    return `the native addon could not be loaded (tried DENDRITE_ADDON_PATH: ${loadError}): unset DENDRITE_ADDON_PATH to use the package's own addon, ` +
      'or use the pure TypeScript backend: dd.setBackend("js")';
  }
  return `the native addon could not be loaded (tried ${loadError}). ` +
    `No prebuilt binary for ${process.platform}-${process.arch} was found or it could not load: build it from source with ` +
    '`npx dendrite build` (needs a C++17 compiler and cmake or python3), or use the pure TypeScript backend: dd.setBackend("js")';
}
