// The package a user installs: `npm pack` contents (an allow-list), then an install of the
// tarball into a fresh app with install scripts off and no compiler on PATH, where the
// prebuilt addon must load and train on `cpu`. The package is staged in a temporary folder
// by the same functions as `npm pack`'s prepack (scripts/pack.cjs), so the checkout's
// package.json and dist/ are never touched while other test files run.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..', '..');
const pack = createRequire(__filename)(path.join(root, 'scripts', 'pack.cjs')) as {
  copyPrebuilds(release: string, packageDir: string): string;
  usersManifest(pkg: Record<string, unknown>): Record<string, unknown>;
};
const release = path.join(root, 'build', 'Release');
const built = existsSync(path.join(release, 'dendrite.node')) && existsSync(path.join(root, 'dist', 'index.js'));
if (!built) console.log('note: the package tests need build/Release/dendrite.node and dist/ (npm install): skipped');

// What the tarball may hold, nothing else: no tests, sources maps, dev scripts or build output.
const ALLOWED = [
  /^package\/(package\.json|README\.md|LICENSE|CMakeLists\.txt|binding\.gyp|sources\.json)$/,
  /^package\/dist\/.+\.(js|d\.ts|mjs|d\.mts)$/,
  /^package\/prebuilds\/linux-x64\/(dendrite\.node|dendrite_mpi\.so)$/,
  /^package\/native\/.+\.(cc|h|cu|cuh|inc)$/,
  /^package\/examples\/[a-z0-9-]+\.mjs$/,
];

let work = '';
let tarball = '';
let files: string[] = [];

/** A folder with only node and npm on PATH: no compiler, no cmake, no python. */
function bareBin(dir: string): string {
  mkdirSync(dir);
  for (const tool of ['node', 'npm', 'npx']) {
    const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    if (found) symlinkSync(found, path.join(dir, tool));
  }
  symlinkSync('/bin/sh', path.join(dir, 'sh'));
  return dir;
}

function hasCompiler(): boolean {
  const found = ['c++', 'cmake'].every((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0);
  if (!found) console.log('note: no C++ compiler or cmake on PATH: the npx dendrite build test is skipped');
  return found;
}

describe.skipIf(!built)('the published package', () => {
  beforeAll(() => {
    work = mkdtempSync(path.join(os.tmpdir(), 'dendrite-pack-'));
    const stage = path.join(work, 'stage');
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    for (const entry of [...pkg.files, 'README.md', 'LICENSE']) {
      if (entry !== 'prebuilds') cpSync(path.join(root, entry), path.join(stage, entry), { recursive: true });
    }
    pack.copyPrebuilds(release, stage);
    writeFileSync(path.join(stage, 'package.json'), JSON.stringify(pack.usersManifest(pkg), null, 2));
    const name = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', work], { cwd: stage, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n').pop()!;
    tarball = path.join(work, name);
    files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
  });
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('holds only allow-listed files: dist without source maps, the prebuilt addon and its MPI plugin, the native sources', () => {
    expect(files.filter((f) => !ALLOWED.some((re) => re.test(f)))).toEqual([]);
    expect(files).toContain('package/prebuilds/linux-x64/dendrite.node');
    expect(files).toContain('package/LICENSE');
    expect(files).toContain('package/dist/index.mjs');
    expect(files.some((f) => f.startsWith('package/scripts/'))).toBe(false);
  });

  it('ships a manifest that runs no install script and needs no build tool at run time', () => {
    const manifest = JSON.parse(execFileSync('tar', ['xzf', tarball, '-O', 'package/package.json'], { encoding: 'utf8' }));
    expect(Object.keys(manifest.scripts).sort()).toEqual(['postpack']);
    expect(manifest.gypfile).toBe(false);  // no implicit `node-gyp rebuild` for the shipped binding.gyp
    expect(Object.keys(manifest.dependencies)).not.toEqual(expect.arrayContaining(['cmake-js']));
    for (const tool of ['cmake-js', 'node-addon-api', 'bindings', '@resvg/resvg-js']) expect(manifest.dependencies[tool], tool).toBeUndefined();
    expect(manifest.peerDependenciesMeta['@resvg/resvg-js'].optional).toBe(true);
    expect(manifest.devDependencies).toBeUndefined();
  });

  it('installs with scripts off and no compiler on PATH, and trains there on cpu', () => {
    const app = path.join(work, 'app');
    mkdirSync(app);
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    const env = { ...process.env, PATH: bareBin(path.join(work, 'bin')), DENDRITE_ADDON_PATH: '' };
    const install = spawnSync('npm', ['install', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: app, env, encoding: 'utf8' });
    expect(install.status, install.stderr).toBe(0);
    expect(install.stderr).not.toContain('install-scripts');  // npm 11: "not yet covered by allowScripts"
    expect(existsSync(path.join(app, 'node_modules', 'cmake-js'))).toBe(false);
    writeFileSync(path.join(app, 'train.mjs'), `
      import * as dd from 'dendrite';
      import { createRequire } from 'node:module';
      const cjs = createRequire(import.meta.url)('dendrite');
      const x = dd.tensor(Float32Array.from({ length: 400 }, (_, i) => Math.sin(i)), [200, 2]);
      const y = Int32Array.from({ length: 200 }, (_, i) => (x.data[2 * i] > 0 ? 1 : 0));
      const model = dd.sequential([dd.layers.dense({ inputSize: 2, units: 16, activation: 'relu' }), dd.layers.dense({ units: 2 })], { seed: 1 });
      model.compile({ optimizer: new dd.optimizers.Adam({ lr: 0.05 }), loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });
      const history = await model.fit(x, y, { epochs: 20, batchSize: 32, verbose: 0 });
      const cpu = dd.backends().find((b) => b.name === 'cpu');
      console.log(JSON.stringify({ backend: dd.getBackend(), cpu, shared: cjs.getBackend === dd.getBackend,
        accuracy: history.history.accuracy.at(-1), mpi: dd.distributed.compiled }));`);
    const run = spawnSync(process.execPath, ['train.mjs'], { cwd: app, env, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).not.toContain('DendriteWarning');
    const out = JSON.parse(run.stdout);
    expect(out.backend).toBe('cpu');
    expect(out.cpu.available).toBe(true);
    expect(out.shared).toBe(true);
    expect(out.accuracy).toBeGreaterThan(0.8);
    expect(out.mpi).toBe(existsSync(path.join(release, 'dendrite_mpi.so')));
    expect(out.cpu.addon).toBe(path.join(app, 'node_modules', 'dendrite', 'prebuilds', 'linux-x64', 'dendrite.node'));
    const cli = spawnSync(path.join(app, 'node_modules', '.bin', 'dendrite'), ['--version'], { cwd: app, env, encoding: 'utf8' });
    expect(cli.stdout.trim()).toBe(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version);

    // A platform without a prebuilt binary: js, with one warning that says how to build.
    const prebuilds = path.join(app, 'node_modules', 'dendrite', 'prebuilds');
    renameSync(prebuilds, `${prebuilds}.away`);
    try {
      const bare = spawnSync(process.execPath, ['-e', "const dd = require('dendrite'); dd.activation('relu').forward([1]); console.log(dd.getBackend())"], { cwd: app, env, encoding: 'utf8' });
      expect(bare.stdout.trim()).toBe('js');
      expect(bare.stderr.match(/DendriteWarning/g)).toHaveLength(1);
      expect(bare.stderr).toContain('No prebuilt binary for linux-x64 was found or it could not load: build it from source with `npx dendrite build`');
    } finally {
      renameSync(`${prebuilds}.away`, prebuilds);
    }
  });

  // Where a platform has no prebuilt binary: `npx dendrite build` compiles the shipped sources
  // (fetching cmake-js and node-addon-api's headers, from npm's cache when it has them).
  it.skipIf(!hasCompiler())('builds from the shipped sources with npx dendrite build, and then loads that build', () => {
    const app = path.join(work, 'app');
    const build = spawnSync(path.join(app, 'node_modules', '.bin', 'dendrite'), ['build', '--cuda', 'off'], { cwd: app, encoding: 'utf8', env: { ...process.env, DENDRITE_ADDON_PATH: '' } });
    expect(build.status, build.stderr.slice(-2000)).toBe(0);
    expect(build.stdout).toMatch(/^built: cpu (avx512|avx2|scalar)/m);
    const r = spawnSync(process.execPath, ['-e', "console.log(JSON.stringify(require('dendrite').backends()[1]))"], { cwd: app, encoding: 'utf8', env: { ...process.env, DENDRITE_ADDON_PATH: '' } });
    expect(JSON.parse(r.stdout)).toMatchObject({ available: true, addon: path.join(app, 'node_modules', 'dendrite', 'build', 'Release', 'dendrite.node') });
  });
});

describe.skipIf(!built)('the MPI plugin', () => {
  const addon = path.join(release, 'dendrite.node');
  const launch = (dir: string) => {
    const r = spawnSync(process.execPath, ['-e', `const dd = require('.'); console.log(JSON.stringify({ compiled: dd.distributed.compiled, reason: dd.distributed.unavailableReason }))`],
      { cwd: root, env: { ...process.env, DENDRITE_ADDON_PATH: path.join(dir, 'dendrite.node') }, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as { compiled: boolean; reason: string | null };
  };

  it('is not a link-time dependency of the addon: it loads where libmpi is absent', () => {
    const ldd = spawnSync('ldd', [addon], { encoding: 'utf8' });
    if (ldd.status !== 0) return void console.log('note: ldd unavailable: link check skipped');
    expect(ldd.stdout).not.toMatch(/libmpi|libopen-rte|libopen-pal/);
  });

  it('says why distributed training is unavailable: no plugin, or one whose libraries cannot load', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dendrite-mpi-'));
    try {
      cpSync(addon, path.join(dir, 'dendrite.node'));
      const none = launch(dir);
      expect(none.compiled).toBe(false);
      expect(none.reason).toContain('built without MPI');
      writeFileSync(path.join(dir, 'dendrite_mpi.so'), 'not an ELF file');
      const broken = launch(dir);
      expect(broken.compiled).toBe(false);
      expect(broken.reason).toContain('the MPI library could not be loaded');
      if (existsSync(path.join(release, 'dendrite_mpi.so'))) {
        cpSync(path.join(release, 'dendrite_mpi.so'), path.join(dir, 'dendrite_mpi.so'));
        expect(launch(dir)).toEqual({ compiled: true, reason: null });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
