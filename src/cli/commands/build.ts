/**
 * `dendrite build`: builds the native addon from the shipped sources, for platforms
 * without a prebuilt binary (or to add CUDA/MPI support found on this machine).
 * The build tools (cmake-js, node-addon-api's headers) are not runtime dependencies:
 * when the package cannot resolve them they are installed into build/tools/ first
 * (from npm's cache when it has them). Then cmake-js builds build/Release/, falling
 * back to node-gyp (CPU only) when CMake fails; the result is checked by loading it
 * in a fresh process.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Command, Option } from 'commander';
import { DendriteError } from '../../errors.js';
import { packageRoot } from '../../native.js';
import { paragraphs } from '../common.js';

const TOOLS = ['cmake-js@^8.0.0', 'node-addon-api@^8.5.0'];
const SWITCHES = ['auto', 'on', 'off'] as const;

interface BuildFlags {
  cuda: (typeof SWITCHES)[number];
  mpi: (typeof SWITCHES)[number];
  gyp?: boolean;
}

export function buildCommand(): Command {
  return new Command('build')
    .description(paragraphs([
      'Build the native addon from source into the package\'s build/Release/ (used before the prebuilt binary).',
      'Needs a C++17 compiler and CMake (or python3 for the node-gyp fallback, CPU only).',
      '',
      'CUDA is built when nvcc is found, MPI when an MPI library (libopenmpi-dev) is found.',
    ]))
    .addOption(new Option('--cuda <mode>', 'the CUDA backend').choices(SWITCHES).default('auto'))
    .addOption(new Option('--mpi <mode>', 'MPI data-parallel support').choices(SWITCHES).default('auto'))
    .option('--gyp', 'build with node-gyp instead of CMake (CPU only, no CUDA, no MPI)')
    .action((flags: BuildFlags) => build(flags));
}

function build(flags: BuildFlags): void {
  const root = packageRoot;
  if (!existsSync(path.join(root, 'native')) || !existsSync(path.join(root, 'CMakeLists.txt'))) {
    throw new DendriteError(`Expected the native sources for dendrite build but received a package without them (${root})`, 'ERR_DENDRITE_BUILD');
  }
  const tools = buildTools(root);
  const env = {
    ...process.env,
    DENDRITE_CUDA: flags.cuda.toUpperCase(),
    DENDRITE_MPI: flags.mpi.toUpperCase(),
    // binding.gyp resolves node-addon-api through require(): let it see build/tools.
    NODE_PATH: [tools.nodeModules, process.env.NODE_PATH].filter(Boolean).join(path.delimiter),
  };
  const built = !flags.gyp && step('cmake-js', [tools.cmakeJs, 'compile', `--CDNODE_ADDON_API_DIR=${tools.addonApiInclude}`], root, env);
  // node-gyp builds neither CUDA nor MPI: no fallback when the user required them.
  if (!built && (flags.cuda === 'on' || flags.mpi === 'on')) {
    throw new DendriteError(`Expected CMake to build the addon with ${[flags.cuda === 'on' && '--cuda on', flags.mpi === 'on' && '--mpi on'].filter(Boolean).join(' and ')} for dendrite build but received a failed build (see the output above; node-gyp cannot build CUDA or MPI)`, 'ERR_DENDRITE_BUILD');
  }
  if (!built) {
    const gyp = nodeGyp();
    if (!gyp || !step('node-gyp', [gyp, 'rebuild', `--nodedir=${path.resolve(process.execPath, '../..')}`], root, env)) {
      throw new DendriteError('Expected a working C++17 toolchain for dendrite build but received build failures (see the output above)', 'ERR_DENDRITE_BUILD');
    }
  }
  // A fresh process: this one loaded (or failed to load) the addon at start.
  const check = spawnSync(process.execPath, ['-e', `
    const dd = require(${JSON.stringify(root)});
    const cpu = dd.backends().find((b) => b.name === 'cpu');
    if (!cpu.available) { console.error(cpu.reason); process.exit(1); }
    console.log('built: cpu ' + cpu.isa + ', distributed ' + cpu.distributed + ', cuda ' + (dd.backends()[2].available ? 'available' : 'not available (' + dd.backends()[2].reason + ')'));`],
  { encoding: 'utf8', env: { ...process.env, DENDRITE_ADDON_PATH: '' } });
  process.stdout.write(check.stdout);
  if (check.status !== 0) {
    throw new DendriteError(`Expected the built addon to load for dendrite build but received: ${check.stderr.trim()}`, 'ERR_DENDRITE_BUILD');
  }
}

interface Tools {
  cmakeJs: string;
  addonApiInclude: string;
  nodeModules: string;
}

/** cmake-js and node-addon-api: the package's own (a checkout), else installed into build/tools/. */
function buildTools(root: string): Tools {
  const own = resolveTools(path.join(root, 'package.json'));
  if (own) return own;
  const prefix = path.join(root, 'build', 'tools');
  mkdirSync(prefix, { recursive: true });
  process.stderr.write(`dendrite build: installing the build tools (${TOOLS.join(', ')}) into ${prefix}\n`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['install', '--prefix', prefix, '--prefer-offline', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', ...TOOLS], {
    stdio: 'inherit',
  });
  const installed = r.status === 0 ? resolveTools(path.join(prefix, 'package.json')) : null;
  if (!installed) {
    throw new DendriteError(`Expected npm to install ${TOOLS.join(' and ')} for dendrite build but received a failure (exit status ${r.status})`, 'ERR_DENDRITE_BUILD');
  }
  return installed;
}

function resolveTools(from: string): Tools | null {
  const req = createRequire(from);
  try {
    const addonApi = req('node-addon-api') as { include: string };  // '"<absolute dir>"'
    return {
      cmakeJs: req.resolve('cmake-js/bin/cmake-js'),
      addonApiInclude: addonApi.include.replace(/"/g, ''),
      nodeModules: path.join(path.dirname(from), 'node_modules'),
    };
  } catch {
    return null;
  }
}

/** npm's own node-gyp (npm puts it next to itself), if this node has one. */
function nodeGyp(): string | null {
  const candidates = [
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    process.env.npm_config_node_gyp ?? '',
  ];
  return candidates.find((f) => f && existsSync(f)) ?? null;
}

function step(name: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): boolean {
  process.stderr.write(`dendrite build: ${name} ${args.slice(1).join(' ')}\n`);
  const r = spawnSync(process.execPath, args, { cwd, env, stdio: 'inherit' });
  return r.status === 0;
}
