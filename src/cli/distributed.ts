/**
 * The commands' part in a data-parallel job (`mpirun -np N npx dendrite train …`):
 * every rank runs the same command with the same argv, so every rank makes the
 * same fit calls (they are collective); rank 0 alone prints and writes files.
 */
import * as dd from '../index.js';
import { withInterrupt } from './common.js';
import { Output, type OutputOptions } from './output.js';

/** Thrown to end a rank with `code` without a message: rank 0 reports the error, the other ranks stay silent. */
export class QuietExit extends Error {
  constructor(readonly code: number) {
    super(`exit status ${code}`);
    this.name = 'QuietExit';
  }
}

/** This rank's output: rank 0 prints as the flags ask; the other ranks print nothing but errors. */
export function rankOutput(dist: dd.Distributed, flags: OutputOptions): Output {
  return dist.isRoot ? new Output(flags) : new Output({ quiet: true });
}

/** "Open MPI v4.1.4" of "Open MPI v4.1.4, package: Debian OpenMPI, ident: …". */
export function libraryName(library: string): string {
  return library.split(',')[0];
}

/** "data-parallel: 2 ranks (Open MPI v4.1.4), batch 64 per rank = 128 global". */
export function jobLine(dist: dd.Distributed, batchSize: number): string {
  return `data-parallel: ${dist.size} ranks (${libraryName(dist.library)}), batch ${batchSize} per rank = ${batchSize * dist.size} global`;
}

/**
 * Run `work` (writing files) on rank 0 only. Every rank waits for it (rank 0
 * broadcasts whether it succeeded), so no rank exits before the files are written,
 * and when it fails every rank fails together: rank 0 with the error, the others quietly.
 */
export async function onRoot<T>(dist: dd.Distributed, work: () => Promise<T>): Promise<T | undefined> {
  if (dist.size === 1) return work();
  let value: T | undefined;
  let error: unknown = null;
  if (dist.isRoot) {
    try {
      value = await work();
    } catch (err) {
      error = err;
    }
  }
  const failed = await dist.broadcast(Float64Array.of(error === null ? 0 : 1), 0);
  if (error !== null) throw error;
  if (failed[0] !== 0) throw new QuietExit(1);
  return value;
}

/**
 * withInterrupt for one process; in a job of several ranks, `work` runs with a signal
 * that never fires: Ctrl-C makes mpirun stop every rank (SIGTERM), and a rank that
 * stopped its fit on its own would leave the others waiting in a collective.
 */
export async function withRankInterrupt<T>(dist: dd.Distributed, onFirst: () => void, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  if (dist.size > 1) return work(new AbortController().signal);
  return withInterrupt(onFirst, work);
}
