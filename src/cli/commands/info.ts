/** `dendrite info`: version, backends, CPU kernel variant, threads, CUDA device, data sets and plot support. */
import os from 'node:os';
import { Command } from 'commander';
import * as dd from '../../index.js';
import { FASHION_MNIST_DIR, findMnistFiles } from '../../data/index.js';
import { addOutputOptions } from '../common.js';
import { Output } from '../output.js';
import { pngSupport } from '../plot/png.js';
import { textTable } from '../report/table.js';

/** Everything `info` reports. */
export interface Info {
  version: string;
  node: string;
  platform: string;
  cpu: string;
  cores: number;
  backend: string;
  threads: number;
  backends: dd.BackendInfo[];
  fashionMnist: { dir: string; installed: boolean };
  png: { available: boolean; reason?: string };
}

/** Collect the facts `info` prints. */
export function collectInfo(): Info {
  return {
    version: dd.version,
    node: process.version,
    platform: `${os.platform()}-${os.arch()}`,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    backend: dd.getBackend(),
    threads: dd.getNumThreads(),
    backends: dd.backends(),
    fashionMnist: { dir: FASHION_MNIST_DIR, installed: findMnistFiles(FASHION_MNIST_DIR).files !== null },
    png: pngSupport(),
  };
}

/** The `info` command. */
export function infoCommand(): Command {
  const cmd = new Command('info')
    .summary('version, backends, CPU kernel variant, threads, CUDA device')
    .description('Print dendrite\'s version, the backends (with the native ISA variant and any CUDA device), the thread pool, and whether Fashion-MNIST and PNG plots are available.');
  addOutputOptions(cmd);
  return cmd.action((flags: { quiet?: boolean; json?: boolean }) => {
    const out = new Output(flags);
    const info = collectInfo();
    out.result(info);
    out.print(`dendrite ${info.version} (node ${info.node}, ${info.platform})`);
    out.print(`CPU: ${info.cpu}, ${info.cores} cores; native threads: ${info.threads}; active backend: ${info.backend}`);
    out.print();
    out.print(textTable(['backend', 'available', 'details'], info.backends.map((b) => [b.name, b.available ? 'yes' : 'no', details(b)]), ['left', 'left', 'left']));
    out.print();
    out.print(`Fashion-MNIST: ${info.fashionMnist.installed ? `found in ${info.fashionMnist.dir}` : 'not installed (sudo apt-get install dataset-fashion-mnist, or --data-dir)'}`);
    out.print(`PNG plots: ${info.png.available ? 'yes (@resvg/resvg-js)' : `no, SVG only (${info.png.reason})`}`);
  });
}

function details(b: dd.BackendInfo): string {
  if (b.name === 'js') return 'pure TypeScript (reference and pure-JS baseline)';
  if (!b.available) return (b.reason ?? '').split('\n')[0];
  const known = ['name', 'available', 'reason', 'isa', 'isaVariants', 'device'];
  const extra = Object.entries(b).filter(([k]) => !known.includes(k)).map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  const isa = b.isa ? [`ISA variant ${b.isa}${b.isaVariants ? ` (supported: ${b.isaVariants.join(', ')})` : ''}`] : [];
  const device = b.device ? [`device ${b.device}`] : [];
  return [...isa, ...device, ...extra].join('; ');
}
