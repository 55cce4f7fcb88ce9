// npm pack / npm publish. prepack (`node scripts/pack.cjs`): builds dist/ and puts the
// addon built from this checkout into prebuilds/<platform>-<arch>/ (node-gyp-build's
// layout), where src/native.ts finds it, so that `npm install dendrite` needs no
// compiler, no download and runs no script. The one binary carries every CPU kernel
// variant (dispatch at run time), the CUDA backend when nvcc was found (it needs only
// libcuda at run time, found then) and the MPI plugin (dendrite_mpi.so, loaded at run
// time, so the addon loads where MPI is absent). Then it writes the manifest users get:
// without the checkout's `prepare` build (npm 11 warns about, and npm 12 blocks, a
// dependency's install scripts) and the development scripts; postpack
// (`node scripts/pack.cjs --restore`) puts the checkout's package.json back.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const manifest = path.join(root, 'package.json');
const saved = path.join(root, '.package.json.prepack');
const PREBUILT_FILES = ['dendrite.node', 'dendrite_mpi.so'];

/** prebuilds/<platform>-<arch>: the folder name src/native.ts looks for. */
function prebuildFolder(packageDir) {
  return path.join(packageDir, 'prebuilds', `${process.platform}-${process.arch}`);
}

/** Copies the addon and its MPI plugin from a build folder into packageDir's prebuilds/; returns the folder. */
function copyPrebuilds(release, packageDir) {
  const target = prebuildFolder(packageDir);
  fs.rmSync(path.join(packageDir, 'prebuilds'), { recursive: true, force: true });
  fs.mkdirSync(target, { recursive: true });
  for (const file of PREBUILT_FILES) {
    const from = path.join(release, file);
    if (fs.existsSync(from)) fs.copyFileSync(from, path.join(target, file));
    else if (file === 'dendrite_mpi.so') console.warn('pack: no MPI plugin (MPI was not found at build time): the prebuilt addon has no data-parallel support');
    else throw new Error(`pack: ${from} was not built`);
  }
  return target;
}

/** The manifest users install: no development scripts (only postpack, which npm must still run to restore ours) and no devDependencies. */
function usersManifest(pkg) {
  const out = { ...pkg, scripts: { postpack: pkg.scripts.postpack } };
  delete out.devDependencies;
  return out;
}

/** A pack that failed half-way left the users' manifest in place: the checkout's comes back. */
function restore() {
  if (fs.existsSync(saved)) fs.renameSync(saved, manifest);
}

function prepack() {
  restore();
  const run = (args) => execFileSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  // The Release build of this checkout, brought up to date (incremental). The CUDA
  // micro-benchmarks stay out (DENDRITE_CUDA_BENCH defaults to OFF).
  // The settings are explicit, whatever an earlier developer build left in the CMake cache:
  // a release build with CUDA and MPI (DENDRITE_PACK_CUDA / DENDRITE_PACK_MPI=OFF to pack
  // without them, e.g. on a machine without nvcc), no micro-benchmarks, no sanitizers.
  const cuda = process.env.DENDRITE_PACK_CUDA ?? 'ON';
  const mpi = process.env.DENDRITE_PACK_MPI ?? 'ON';
  run([require.resolve('cmake-js/bin/cmake-js'), 'compile', '--CDCMAKE_BUILD_TYPE=Release', `--CDDENDRITE_CUDA=${cuda}`, `--CDDENDRITE_MPI=${mpi}`,
    '--CDDENDRITE_CUDA_BENCH=OFF', '--CDDENDRITE_SANITIZE=OFF']);
  run([path.join(__dirname, 'build-ts.cjs')]);
  const target = copyPrebuilds(path.join(root, 'build', 'Release'), root);
  // The binary must load on its own, from the prebuilds folder, in a fresh process.
  run(['-e', `const a = require(${JSON.stringify(path.join(target, 'dendrite.node'))});
    const cuda = a.cudaInfo().compiled, mpi = a.distLaunch().compiled;
    console.log('pack: ${path.relative(root, target)}: isa ' + a.isa() + ', mpi ' + mpi + ', cuda compiled ' + cuda);
    if (cuda !== ${cuda === 'ON'} || mpi !== ${mpi === 'ON'}) { console.error('pack: the prebuilt addon does not have the CUDA/MPI support asked for'); process.exit(1); }`]);
  const text = fs.readFileSync(manifest, 'utf8');
  fs.writeFileSync(saved, text);
  fs.writeFileSync(manifest, `${JSON.stringify(usersManifest(JSON.parse(text)), null, 2)}\n`);
}

module.exports = { copyPrebuilds, usersManifest, prebuildFolder };

if (require.main === module) {
  if (process.argv.includes('--restore')) restore();
  else prepack();
}
