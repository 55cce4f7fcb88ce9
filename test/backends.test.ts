// Backend selection, the ISA report read from the native dispatch table, the
// DENDRITE_ISA override, and the js fallback when the addon cannot load.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as dd from '../src/index.js';
import { ACTIVATION_KERNELS } from '../src/backend/kernel-ids.js';
import { nativeAddon } from '../src/native.js';
import { restoreDefaults } from './helpers.js';

const root = path.join(__dirname, '..');
const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
const hostHasAvx2 = /\bavx2\b/.test(cpuinfo) && /\bfma\b/.test(cpuinfo);
// What the avx512 variant needs (the OS's ZMM state is checked natively; Linux enables it wherever it reports these).
const hostHasAvx512 = hostHasAvx2 && ['avx512f', 'avx512dq', 'avx512bw', 'avx512vl'].every((f) => new RegExp(`\\b${f}\\b`).test(cpuinfo));
const expectedVariants = [...(hostHasAvx512 ? ['avx512'] : []), ...(hostHasAvx2 ? ['avx2'] : []), 'scalar'];

/** Run a snippet against the built package (dist) in a fresh node process. */
function runNode(code: string, env: Record<string, string> = {}): string {
  return execFileSync(process.execPath, ['-e', code], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' }).trim();
}

afterAll(restoreDefaults);

describe('backends()', () => {
  it('lists js, cpu and cuda, with cpu the default', () => {
    const list = dd.backends();
    expect(list.map((b) => b.name)).toEqual(['js', 'cpu', 'cuda']);
    expect(list[0].available).toBe(true);
    expect(list[1].available).toBe(true);
    expect(dd.getBackend()).toBe('cpu');
    expect(list[2]).toMatchObject({ available: false, reason: expect.stringContaining('CUDA') });
  });

  it('reports the best variant the CPU supports, and every supported one', () => {
    if (!hostHasAvx512) console.log('note: this CPU has no AVX-512 (F/DQ/BW/VL): the avx512 variant is not expected here');
    expect(dd.backends()[1]).toMatchObject({ isa: expectedVariants[0], isaVariants: expectedVariants });
  });

  it.runIf(hostHasAvx512)('DENDRITE_ISA=avx2 runs the avx2 variant on an AVX-512 host', () => {
    const out = runNode("console.log(JSON.stringify(require('.').backends()[1]))", { DENDRITE_ISA: 'avx2' });
    expect(JSON.parse(out)).toMatchObject({ isa: 'avx2', isaVariants: expectedVariants });
  });

  it('an unknown or unsupported DENDRITE_ISA is an error naming the supported variants', () => {
    const unsupported = ['avx1024', ...(hostHasAvx512 ? [] : ['avx512']), ...(hostHasAvx2 ? [] : ['avx2'])];
    for (const value of unsupported) {
      const r = spawnSync(process.execPath, ['-e', "require('.')"], { cwd: root, env: { ...process.env, DENDRITE_ISA: value }, encoding: 'utf8' });
      expect(r.status).not.toBe(0);
      const stderr = r.stderr;
      const supported = [...expectedVariants, 'auto'].map((n) => `'${n}'`).join(', ');
      expect(stderr).toContain(`Expected one of ${supported} (the CPU kernel variants this machine supports) for DENDRITE_ISA but received "${value}"`);
    }
    expect(JSON.parse(runNode("console.log(JSON.stringify(require('.').backends()[1].isa))", { DENDRITE_ISA: 'auto' }))).toBe(expectedVariants[0]);
  });

  it("reports isa 'scalar' under DENDRITE_ISA=scalar", () => {
    const out = runNode("console.log(JSON.stringify(require('.').backends()[1]))", { DENDRITE_ISA: 'scalar' });
    expect(JSON.parse(out)).toMatchObject({ name: 'cpu', available: true, isa: 'scalar' });
  });

  it('the isa is read from the dispatch table itself', () => {
    const native = nativeAddon()!;
    native.selectIsa('scalar');
    expect(dd.backends()[1].isa).toBe('scalar');
    native.selectIsa('auto');
    expect(dd.backends()[1].isa).toBe(native.isaVariants()[0]);
    expect(native.selectIsa('avx1024')).toBe(false);
  });

  it('native activation kernel order matches the TS list', () => {
    expect(nativeAddon()!.activationNames()).toEqual([...ACTIVATION_KERNELS]);
  });

  it('setBackend switches and rejects unavailable backends with the reason', () => {
    dd.setBackend('js');
    expect(dd.getBackend()).toBe('js');
    dd.setBackend('cpu');
    expect(dd.getBackend()).toBe('cpu');
    const cuda = dd.backends()[2];
    if (!cuda.available) {
      // e.g. '(dendrite was built without CUDA support)' or '(CUDA driver version is insufficient ...)'
      expect(() => dd.setBackend('cuda')).toThrow(`Expected an available backend for backend but received 'cuda' (${cuda.reason})`);
    }
  });

  it('falls back to js when the addon cannot load, and explains why', () => {
    const code = `
      const dd = require('.');
      const y = dd.activation('relu').forward([-1, 2]);
      console.log(JSON.stringify({ backend: dd.getBackend(), cpu: dd.backends()[1], y: Array.from(y.data) }));`;
    const out = JSON.parse(runNode(code, { DENDRITE_ADDON_PATH: '/nonexistent/dendrite.node' }));
    expect(out.backend).toBe('js');
    expect(out.y).toEqual([0, 2]);
    expect(out.cpu.available).toBe(false);
    expect(out.cpu.reason).toContain('the native addon could not be loaded (tried DENDRITE_ADDON_PATH: /nonexistent/dendrite.node: not found)');
    expect(out.cpu.reason).toContain('unset DENDRITE_ADDON_PATH');
    expect(out.cpu.reason).toContain('dd.setBackend("js")');
  });

  it('warns once, at first use, when it falls back to js; an explicit setBackend("js") or the env var silences it', () => {
    const use = `const dd = require('.'); dd.activation('relu').forward([-1, 2]); dd.activation('tanh').forward([1]);`;
    const run = (code: string, env: Record<string, string> = {}) => spawnSync(process.execPath, ['-e', code], {
      cwd: root, env: { ...process.env, DENDRITE_ADDON_PATH: '/nonexistent/dendrite.node', ...env }, encoding: 'utf8',
    });
    const warned = run(use);
    expect(warned.status).toBe(0);
    expect(warned.stderr.match(/DendriteWarning/g)).toHaveLength(1);
    expect(warned.stderr).toContain("dendrite runs on its pure TypeScript backend ('js'");
    expect(warned.stderr).toContain('unset DENDRITE_ADDON_PATH');
    expect(warned.stderr).toContain('DENDRITE_NO_NATIVE_WARNING=1');
    expect(run(`const dd = require('.'); dd.setBackend('js'); dd.activation('relu').forward([-1, 2]);`).stderr).not.toContain('DendriteWarning');
    expect(run(use, { DENDRITE_NO_NATIVE_WARNING: '1' }).stderr).not.toContain('DendriteWarning');
  });
});
