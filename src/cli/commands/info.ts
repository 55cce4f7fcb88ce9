/**
 * `dendrite info`: version, backends, CPU kernel variant, threads, CUDA device, data sets,
 * plot support and data-parallel (MPI) support. MPI is started only when an MPI launcher
 * started the process (`mpirun -np 2 npx dendrite info`); rank 0 prints then.
 */
import os from 'node:os';
import { Command } from 'commander';
import * as dd from '../../index.js';
import { FASHION_MNIST_DIR, findMnistFiles } from '../../data/index.js';
import { addOutputOptions } from '../common.js';
import { libraryName } from '../distributed.js';
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
  distributed: DistributedInfo;
}

/** Data-parallel support: compiled in, and this process's place in the job when an MPI launcher started it. */
export interface DistributedInfo {
  /** Built with MPI (dd.distributed.compiled). */
  compiled: boolean;
  /** Started by mpirun (or another MPI launcher). */
  launched: boolean;
  /** When launched: the job as dd.distributed.init() sees it. */
  rank?: number;
  size?: number;
  localRank?: number;
  localSize?: number;
  mpi?: boolean;
  threadLevel?: string;
  library?: string;
  /** When launched but init failed (e.g. a build without MPI). */
  error?: string;
}

/** The distributed part of info; joins the job only when launched by an MPI launcher. */
export function distributedInfo(): DistributedInfo {
  const compiled = dd.distributed.compiled;
  if (!dd.distributed.launched) return { compiled, launched: false };
  try {
    const d = dd.distributed.init();
    return { compiled, launched: true, rank: d.rank, size: d.size, localRank: d.localRank, localSize: d.localSize, mpi: d.mpi, threadLevel: d.threadLevel, library: d.library };
  } catch (err) {
    return { compiled, launched: true, error: err instanceof Error ? err.message : String(err) };
  }
}

/** Collect the facts `info` prints. */
export function collectInfo(): Info {
  const distributed = distributedInfo();  // first: joining a job sets each rank's share of the threads
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
    distributed,
  };
}

/** The `info` command. */
export function infoCommand(): Command {
  const cmd = new Command('info')
    .summary('version, backends, CPU kernel variant, threads, CUDA device')
    .description('Print dendrite\'s version, the backends (with the native ISA variant and any CUDA device), the thread pool, and whether Fashion-MNIST and PNG plots are available.');
  addOutputOptions(cmd);
  return cmd.action((flags: { quiet?: boolean; json?: boolean }) => {
    const info = collectInfo();
    // In a job, rank 0 speaks for all (the others would print the same).
    const out = new Output(info.distributed.rank ? { quiet: true } : flags);
    out.result(info);
    out.print(`dendrite ${info.version} (node ${info.node}, ${info.platform})`);
    out.print(`CPU: ${info.cpu}, ${info.cores} cores; native threads: ${info.threads}; active backend: ${info.backend}`);
    out.print();
    out.print(textTable(['backend', 'available', 'details'], info.backends.map((b) => [b.name, b.available ? 'yes' : 'no', details(b)]), ['left', 'left', 'left']));
    out.print();
    out.print(`Fashion-MNIST: ${info.fashionMnist.installed ? `found in ${info.fashionMnist.dir}` : 'not installed (sudo apt-get install dataset-fashion-mnist, or --data-dir)'}`);
    out.print(`PNG plots: ${info.png.available ? 'yes (@resvg/resvg-js)' : `no, SVG only (${info.png.reason})`}`);
    out.print(`Distributed (MPI): ${distributedText(info.distributed)}`);
  });
}

function distributedText(d: DistributedInfo): string {
  const built = d.compiled ? 'yes' : `no (${dd.distributed.unavailableReason})`;
  if (!d.launched) return `${built}${d.compiled ? '; not launched by mpirun (data-parallel: mpirun -np 2 npx dendrite train ...)' : ''}`;
  if (d.error !== undefined) return `${built}; launched by mpirun but cannot join the job: ${d.error}`;
  if (!d.mpi) return `${built}; launched by mpirun as a single rank (MPI not started)`;
  return `${built}; rank ${d.rank} of ${d.size} (local ${d.localRank} of ${d.localSize}), thread level ${d.threadLevel}, ${libraryName(d.library ?? '')}`;
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
