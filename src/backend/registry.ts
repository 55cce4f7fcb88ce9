/** Backend selection: `setBackend`, `getBackend`, `backends()`, `setMatmulPrecision`. */
import { DendriteError, invalidParameter } from '../errors.js';
import { nativeAddon, nativeAddonFile, nativeLoadError, type CudaInfo } from '../native.js';
import type { Backend, BackendInfo, BackendName } from './backend.js';
import { createNativeBackend } from './native-ops.js';
import { jsBackend } from './js/index.js';

const BACKEND_NAMES: readonly BackendName[] = ['js', 'cpu', 'cuda'];
const native = nativeAddon();
if (native) applyIsaOverride(native);
const cpuBackend: Backend | null = native ? createNativeBackend('cpu', native) : null;
const CUDA_NOT_COMPILED = 'dendrite was built without CUDA support';

/**
 * `DENDRITE_ISA=avx512|avx2|scalar|auto` forces a CPU kernel variant for the whole
 * process. A value this CPU cannot run (or a typo) is a configuration error: loading
 * dendrite throws, naming the variants that are supported here, instead of quietly
 * running another one.
 */
function applyIsaOverride(addon: NonNullable<ReturnType<typeof nativeAddon>>): void {
  const forced = process.env.DENDRITE_ISA;
  if (forced === undefined || forced === '') return;
  if (addon.selectIsa(forced)) return;
  const supported = [...addon.isaVariants(), 'auto'].map((n) => `'${n}'`).join(', ');
  throw invalidParameter('DENDRITE_ISA', `one of ${supported} (the CPU kernel variants this machine supports)`, forced);
}

/** Precision of the matrix products on backends that have a choice (cuda). */
export type MatmulPrecision = 'fp32' | 'tf32';
const PRECISIONS: readonly MatmulPrecision[] = ['fp32', 'tf32'];
let matmulPrecision: MatmulPrecision = 'fp32';

let active: Backend = cpuBackend ?? jsBackend;
// The fallback onto js is announced once, at first use, unless the user chose a backend.
let fallbackAnnounced = cpuBackend !== null || process.env.DENDRITE_NO_NATIVE_WARNING === '1';

function announceFallback(): void {
  fallbackAnnounced = true;
  process.emitWarning(
    `dendrite runs on its pure TypeScript backend ('js', 35-50x slower than 'cpu'): ${nativeLoadError()}. ` +
      "Silence this warning with dd.setBackend('js') or DENDRITE_NO_NATIVE_WARNING=1.",
    { type: 'DendriteWarning', code: 'DENDRITE_NO_NATIVE_ADDON' },
  );
}

// The CUDA probe runs once, on first need (backends() or setBackend('cuda')):
// loading dendrite never touches the CUDA runtime.
let cudaProbe: { info: CudaInfo | null; reason: string | null } | null = null;
let cudaBackend: Backend | null = null;

function probeCuda(): { info: CudaInfo | null; reason: string | null } {
  if (cudaProbe) return cudaProbe;
  if (!native) return (cudaProbe = { info: null, reason: nativeLoadError() ?? 'the native addon could not be loaded' });
  let info: CudaInfo;
  try {
    info = native.cudaInfo();
  } catch (err) {
    return (cudaProbe = { info: null, reason: `the CUDA probe failed: ${err instanceof Error ? err.message : String(err)}` });
  }
  let reason: string | null = null;
  if (!info.compiled) reason = info.error || CUDA_NOT_COMPILED;
  else if (info.error) reason = info.errorName ? `${info.error} (${info.errorName})` : info.error;
  else if (info.deviceCount < 1) reason = 'no CUDA device found';
  return (cudaProbe = { info, reason });
}

function getCudaBackend(): Backend | null {
  if (cudaBackend) return cudaBackend;
  if (!native || probeCuda().reason !== null) return null;
  native.cuda.configure('matmulPrecision', matmulPrecision);
  return (cudaBackend = createNativeBackend('cuda', native.cuda));
}

function cudaEntry(): BackendInfo {
  const { info, reason } = probeCuda();
  if (reason !== null || !info) return { name: 'cuda', available: false, reason: reason ?? 'unknown reason' };
  const sm = info.computeCapability.replace('.', '');
  return { name: 'cuda', available: true, device: `${info.deviceName} (sm_${sm})` };
}

/** Every backend, whether it can be used here, and why not. */
export function backends(): BackendInfo[] {
  const cpu: BackendInfo = native
    ? { name: 'cpu', available: true, isa: native.isa(), isaVariants: native.isaVariants(), distributed: native.distLaunch().compiled ? 'mpi' : 'none', addon: nativeAddonFile() ?? undefined }
    : { name: 'cpu', available: false, reason: nativeLoadError() ?? 'unknown error' };
  return [{ name: 'js', available: true }, cpu, cudaEntry()];
}

/**
 * Select the backend used by every op from now on. `'cpu'` (native SIMD) is the
 * default when the addon loads, else `'js'` (pure TypeScript). `'cuda'` needs a
 * build with CUDA (nvcc found at install) and a usable NVIDIA GPU.
 * @throws DendriteError if the name is unknown or the backend is unavailable here.
 */
export function setBackend(name: BackendName): void {
  active = backendNamed(name);
  fallbackAnnounced = true;
}

/**
 * The backend called `name` (internal: a model's own `backend` option).
 * @throws DendriteError if the name is unknown or the backend is unavailable here.
 */
export function backendNamed(name: BackendName, option = 'backend'): Backend {
  if (!BACKEND_NAMES.includes(name)) throw invalidParameter(option, `one of ${BACKEND_NAMES.map((n) => `'${n}'`).join(', ')}`, name);
  const backend = name === 'js' ? jsBackend : name === 'cpu' ? cpuBackend : getCudaBackend();
  if (!backend) {
    const info = backends().find((b) => b.name === name);
    throw new DendriteError(
      `Expected an available backend for ${option} but received '${name}' (${info?.reason ?? 'unknown reason'})`,
      'ERR_DENDRITE_BACKEND_UNAVAILABLE',
    );
  }
  return backend;
}

/** The name of the active backend. */
export function getBackend(): BackendName {
  return active.name;
}

/**
 * Precision of matrix products: `'fp32'` (default, IEEE float) or `'tf32'`
 * (tensor cores: A and B rounded to 10 mantissa bits, fp32 accumulation; about
 * 1e-3 relative error). Only the `cuda` backend has a TF32 path; `js` and `cpu`
 * always compute in fp32.
 */
export function setMatmulPrecision(precision: MatmulPrecision): void {
  if (!PRECISIONS.includes(precision)) throw invalidParameter('precision', "'fp32' or 'tf32'", precision);
  matmulPrecision = precision;
  if (cudaBackend && native) native.cuda.configure('matmulPrecision', precision);
}

/** The matrix-product precision set by setMatmulPrecision (default 'fp32'). */
export function getMatmulPrecision(): MatmulPrecision {
  return matmulPrecision;
}

/** The active backend object (internal): the first use of the js fallback warns once. */
export function activeBackend(): Backend {
  if (!fallbackAnnounced) announceFallback();
  return active;
}

/**
 * Make a backend object active directly (internal, for tests: e.g. the cuda
 * adapter over the CPU-run device math). Returns the previously active one.
 */
export function useBackendObject(backend: Backend): Backend {
  const previous = active;
  active = backend;
  fallbackAnnounced = true;
  return previous;
}
