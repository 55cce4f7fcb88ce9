/** Backend selection: `setBackend`, `getBackend`, `backends()`. */
import { DendriteError, invalidParameter } from '../errors.js';
import { nativeAddon, nativeLoadError } from '../native.js';
import type { Backend, BackendInfo, BackendName } from './backend.js';
import { createCpuBackend } from './cpu.js';
import { jsBackend } from './js/index.js';

const BACKEND_NAMES: readonly BackendName[] = ['js', 'cpu', 'cuda'];
const native = nativeAddon();
const cpuBackend: Backend | null = native ? createCpuBackend(native) : null;
const CUDA_UNAVAILABLE = 'dendrite was built without CUDA support';

let active: Backend = cpuBackend ?? jsBackend;

/** Every backend, whether it can be used here, and why not. */
export function backends(): BackendInfo[] {
  const cpu: BackendInfo = native
    ? { name: 'cpu', available: true, isa: native.isa(), isaVariants: native.isaVariants() }
    : { name: 'cpu', available: false, reason: nativeLoadError() ?? 'unknown error' };
  return [{ name: 'js', available: true }, cpu, { name: 'cuda', available: false, reason: CUDA_UNAVAILABLE }];
}

/**
 * Select the backend used by every op from now on. `'cpu'` (native SIMD) is the
 * default when the addon loads, else `'js'` (pure TypeScript).
 * @throws DendriteError if the name is unknown or the backend is unavailable here.
 */
export function setBackend(name: BackendName): void {
  if (!BACKEND_NAMES.includes(name)) throw invalidParameter('backend', `one of ${BACKEND_NAMES.map((n) => `'${n}'`).join(', ')}`, name);
  const backend = name === 'js' ? jsBackend : name === 'cpu' ? cpuBackend : null;
  if (!backend) {
    const info = backends().find((b) => b.name === name);
    throw new DendriteError(
      `Expected an available backend for backend but received '${name}' (${info?.reason ?? 'unknown reason'})`,
      'ERR_DENDRITE_BACKEND_UNAVAILABLE',
    );
  }
  active = backend;
}

/** The name of the active backend. */
export function getBackend(): BackendName {
  return active.name;
}

/** The active backend object (internal). */
export function activeBackend(): Backend {
  return active;
}
