// The golden and reference suites (test/gpu/suites.ts) on the CUDA device:
// every activation, softmax, loss, optimizer (fused multi-tensor), dense and
// MLP-training golden case, plus GEMM vs the reference with dendrite's own
// kernels and, where built with it, cuBLAS. Skipped, with a note, when no CUDA
// device is usable (CPU machines, CI): test/cuda covers the same math there.
import { afterAll, describe, it } from 'vitest';
import * as dd from '../../src/index.js';
import { nativeAddon } from '../../src/native.js';
import { restoreDefaults } from '../helpers.js';
import { goldenSuites } from './suites.js';

const native = nativeAddon();
const cuda = dd.backends().find((b) => b.name === 'cuda')!;
const available = cuda.available && native !== null;

if (!available) {
  console.log(`[test/gpu] SKIPPED: no usable CUDA device (${cuda.reason}). The CUDA math is covered on the CPU by test/cuda.`);
} else {
  console.log(`[test/gpu] running on ${cuda.device}; cuBLAS compiled in: ${native!.cudaInfo().cublas}`);
}

afterAll(() => {
  if (available) {
    native!.cuda.configure('gemm', 'auto');
    dd.setMatmulPrecision('fp32');
  }
  restoreDefaults();
});

describe.skipIf(!available)('cuda backend on the GPU', () => {
  const impls = native?.cudaInfo().cublas ? ['own', 'cublas'] : ['own'];
  for (const impl of impls) {
    goldenSuites({
      label: `cuda (${impl} GEMM)`,
      use: () => {
        dd.setBackend('cuda');
        native!.cuda.configure('gemm', impl);
      },
      ops: () => native!.cuda,
    });
  }
});

describe.runIf(!available)('cuda backend on the GPU', () => {
  it.skip(`skipped: ${cuda.reason ?? 'unavailable'}`, () => {});
});
