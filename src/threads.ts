/** The native thread pool's size (used by large kernels; the js backend is single-threaded). */
import { nativeAddon } from './native.js';
import { checkInteger } from './validate.js';

/** Threads used by native kernels, the calling thread included. Default: the number of cores. */
export function getNumThreads(): number {
  return nativeAddon()?.numThreads() ?? 1;
}

/** Set the number of threads native kernels may use (>= 1). */
export function setNumThreads(n: number): void {
  checkInteger(n, 'threads', 1, 1024);
  nativeAddon()?.setNumThreads(n);
}
