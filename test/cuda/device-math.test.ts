// The CUDA backend's device math (native/kernels/cuda/device_math.h), compiled
// by g++ into the CPU addon and run through the cuda Backend adapter
// (src/backend/native-ops.ts) over the `deviceMath` op table: every golden family
// (activations, softmax, losses, optimizers, dense, MLP training) and the GEMM
// epilogue against the CPU reference, at the acceptance tolerances. This checks
// the CUDA numerics on every machine, with or without a GPU; test/gpu runs the
// same suites on the device itself.
import { afterAll } from 'vitest';
import { createNativeBackend } from '../../src/backend/native-ops.js';
import { useBackendObject } from '../../src/backend/registry.js';
import { nativeAddon } from '../../src/native.js';
import { goldenSuites } from '../gpu/suites.js';
import { restoreDefaults } from '../helpers.js';

const ops = nativeAddon()!.deviceMath;
const backend = createNativeBackend('cuda', ops);

afterAll(() => {
  ops.configure('matmulPrecision', 'fp32');
  restoreDefaults();
});

goldenSuites({ label: 'cuda device math (CPU)', use: () => useBackendObject(backend), ops: () => ops });
