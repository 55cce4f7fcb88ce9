// The cuda backend's availability on machines with and without a GPU: the
// probe never throws, backends() explains why cuda is unavailable, setBackend
// throws the house error, direct op calls fail with a JS error (no crash), and
// the CPU backend keeps working whatever the CUDA state.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { nativeAddon } from '../../src/native.js';
import { restoreDefaults } from '../helpers.js';

const root = path.join(__dirname, '..', '..');
const native = nativeAddon()!;
const info = native.cudaInfo();
const cuda = dd.backends()[2];

afterAll(() => {
  dd.setMatmulPrecision('fp32');
  restoreDefaults();
});

describe('cudaInfo()', () => {
  it('reports what was compiled and what the runtime found, without throwing', () => {
    expect(typeof info.compiled).toBe('boolean');
    expect(typeof info.cublas).toBe('boolean');
    expect(Number.isInteger(info.deviceCount)).toBe(true);
    if (!info.compiled) {
      expect(info.error).toBe('dendrite was built without CUDA support');
      expect(info.deviceCount).toBe(0);
    } else {
      expect(info.runtimeVersion).toBeGreaterThanOrEqual(12000);
      expect(info.archs).toMatch(/\d/);
      if (info.deviceCount === 0) expect(info.error).not.toBe('');
    }
  });
});

describe('backends() and setBackend for cuda', () => {
  it('is available exactly when compiled with a usable device', () => {
    expect(cuda.name).toBe('cuda');
    expect(cuda.available).toBe(info.compiled && info.deviceCount > 0 && info.error === '');
  });

  it.runIf(!cuda.available)('says why not (the CUDA runtime message, or the build)', () => {
    expect(cuda.reason).toBeTypeOf('string');
    if (!info.compiled) expect(cuda.reason).toBe('dendrite was built without CUDA support');
    else expect(cuda.reason).toContain(info.error);
    if (info.errorName === 'cudaErrorInsufficientDriver') {
      expect(cuda.reason).toBe('CUDA driver version is insufficient for CUDA runtime version (cudaErrorInsufficientDriver)');
    }
  });

  it.runIf(!cuda.available)('setBackend("cuda") throws the house error and leaves the active backend alone', () => {
    dd.setBackend('cpu');
    let caught: unknown;
    try {
      dd.setBackend('cuda');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(dd.DendriteError);
    expect((caught as dd.DendriteError).code).toBe('ERR_DENDRITE_BACKEND_UNAVAILABLE');
    expect((caught as Error).message).toBe(`Expected an available backend for backend but received 'cuda' (${cuda.reason})`);
    expect(dd.getBackend()).toBe('cpu');
    expect(Array.from(dd.activation('relu').forward([-1, 2]).data)).toEqual([0, 2]);
  });

  it.runIf(!cuda.available)('a direct CUDA op call throws a JS error instead of crashing', () => {
    expect(() => native.cuda.activationForward(0, new Float32Array(4), new Float32Array(4), 0.01, 1, 20)).toThrow(/^CUDA backend: /);
    expect(() => native.cuda.mse(new Float32Array(2), new Float32Array(2), null)).toThrow(/^CUDA backend: /);
  });

  // Runs against the built package (dist/), which a GPU session does not carry.
  it.runIf(existsSync(path.join(root, 'dist', 'index.js')))('reports the addon load error as the cuda reason when the addon cannot load', () => {
    const out = execFileSync(process.execPath, ['-e', "console.log(JSON.stringify(require('.').backends()[2]))"], {
      cwd: root, env: { ...process.env, DENDRITE_ADDON_PATH: '/nonexistent/dendrite.node' }, encoding: 'utf8',
    });
    const entry = JSON.parse(out);
    expect(entry.available).toBe(false);
    expect(entry.reason).toContain('the native addon could not be loaded');
  });
});

describe('setMatmulPrecision', () => {
  it("defaults to 'fp32', accepts 'tf32', rejects anything else", () => {
    expect(dd.getMatmulPrecision()).toBe('fp32');
    dd.setMatmulPrecision('tf32');
    expect(dd.getMatmulPrecision()).toBe('tf32');
    dd.setMatmulPrecision('fp32');
    expect(() => dd.setMatmulPrecision('fp16' as 'fp32')).toThrow(`Expected 'fp32' or 'tf32' for precision but received "fp16"`);
  });

  it('leaves the cpu backend in fp32 (bit-identical products)', () => {
    const a = new Float32Array([1.0009765625 + 2 ** -20, 3]);
    const b = new Float32Array([1, 1]);
    const run = () => {
      const c = new Float32Array(1);
      dd.setBackend('cpu');
      nativeAddon()!.gemm(false, false, 1, 1, 2, 1, a, 2, b, 1, 0, c, 1, null, -1, 0, 1, 20, null, 0);
      return c[0];
    };
    const fp32 = run();
    dd.setMatmulPrecision('tf32');
    expect(run()).toBe(fp32);
    dd.setMatmulPrecision('fp32');
  });
});

describe('the deviceMath op table (CPU run of the CUDA math)', () => {
  it('validates like the cpu functions and rejects unknown settings', () => {
    const ops = native.deviceMath;
    expect(ops.name).toBe('host');
    expect(() => ops.activationForward(99, new Float32Array(1), new Float32Array(1), 0, 1, 20)).toThrow('Expected a known activation id for activation id');
    expect(() => ops.activationForward(0, new Float32Array(2), new Float32Array(1), 0, 1, 20)).toThrow('Expected a Float32Array of length 2 for out');
    expect(() => ops.configure('matmulPrecision', 'fp16')).toThrow("CUDA backend: unknown matmul precision 'fp16'");
    expect(ops.gemmImpl()).toBe('own-fp32');
  });
});
