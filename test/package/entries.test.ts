// The built package (dist/): CommonJS and ES module entries, one shared instance, types, version.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as src from '../../src/index.js';

const root = path.join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const node = (args: string[]) => execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }).trim();

describe('package entries', () => {
  it('require() and import share one instance and export the same names as src/index.ts', () => {
    const out = node(['--input-type=module', '-e', `
      import { createRequire } from 'node:module';
      import * as esm from 'dendrite';
      const cjs = createRequire(import.meta.url)('dendrite');
      esm.setBackend('js');
      console.log(JSON.stringify({ shared: cjs.getBackend() === 'js', esm: Object.keys(esm).filter((k) => k !== 'default').sort(), cjs: Object.keys(cjs).sort() }));`]);
    const r = JSON.parse(out);
    expect(r.shared).toBe(true);
    expect(r.esm).toEqual(Object.keys(src).sort());
    expect(r.cjs).toEqual(Object.keys(src).sort());
  });

  it('ships type declarations for both entries', () => {
    for (const f of ['dist/index.d.ts', 'dist/index.d.mts', 'dist/activation/index.d.ts']) expect(existsSync(path.join(root, f)), f).toBe(true);
  });

  it('reports the package version', () => {
    expect(src.version).toBe(pkg.version);
  });

  it('builds offline: Node-API mode, so cmake-js never downloads node headers', () => {
    expect(pkg.binary?.napi_versions).toEqual([8]);
    expect(pkg.scripts.prepare).toBe('npm run build');  // a checkout's npm install builds; a user's install runs no script
    expect(pkg.scripts.install).toBeUndefined();
    expect(pkg.scripts['build:native']).toMatch(/^cmake-js compile/);
    expect(pkg.scripts['build:gyp']).toMatch(/--nodedir=/);
  });
});
