/** Options and helpers shared by the commands: data selection, output modes, threads. */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import * as dd from '../index.js';
import { loadDataset, CLI_WORDS, DATA_SPECS, type Dataset, type LoadDatasetOptions } from '../data/index.js';
import { parseIntegerFlag } from './options.js';
import { requireDirectory, requireFile } from './paths.js';

/** Raw values of the data options. */
export interface DataFlags {
  data: string;
  dataDir?: string;
  labelColumn?: string;
  limit?: string;
  testLimit?: string;
}

/**
 * A command description from source lines: the lines of a paragraph ('' separates paragraphs)
 * are joined, so commander wraps the text to the terminal instead of breaking each source line.
 */
export function paragraphs(lines: string[]): string {
  const out: string[][] = [[]];
  for (const line of lines) {
    if (line === '') out.push([]);
    else out[out.length - 1].push(line.trim());
  }
  return out.map((p) => p.join(' ')).join('\n\n');
}

/** Add --data, --data-dir, --label-column, --limit and --test-limit. */
export function addDataOptions(cmd: Command, defaultData: string | undefined = 'spirals'): Command {
  const data = `data set: ${DATA_SPECS.join(' | ')}`;
  if (defaultData) cmd.option('--data <name>', data, defaultData);
  else cmd.requiredOption('--data <name>', data);
  return cmd
    .option('--data-dir <dir>', 'directory of MNIST-format IDX files (fashion-mnist: default /usr/share/datasets/fashion-mnist; mnist: required)')
    .option('--label-column <column>', 'csv: the label column, a header name or a 0-based index (default: the last column)')
    .option('--limit <rows>', 'use at most this many training rows')
    .option('--test-limit <rows>', 'use at most this many test rows');
}

/** Add --quiet and --json. */
export function addOutputOptions(cmd: Command): Command {
  return cmd
    .option('-q, --quiet', 'print nothing but errors (files are still written)')
    .option('--json', 'print one JSON document on stdout instead of tables');
}

/** Load the data set the flags name (`extra`: options no flag sets, e.g. shape: 'image'). */
export async function loadFromFlags(flags: DataFlags, extra: Pick<LoadDatasetOptions, 'shape'> = {}): Promise<Dataset> {
  await checkDataPaths(flags.data, flags.dataDir);
  return loadDataset(flags.data, {
    ...extra,
    dataDir: flags.dataDir,
    labelColumn: flags.labelColumn,
    limit: flags.limit === undefined ? undefined : parseIntegerFlag(flags.limit, '--limit'),
    testLimit: flags.testLimit === undefined ? undefined : parseIntegerFlag(flags.testLimit, '--test-limit'),
  }, CLI_WORDS);
}

/**
 * Check the paths of --data csv:<file> and --data-dir before loading: a missing file or a
 * directory given as the CSV file is one line naming the flag, not a raw ENOENT / EISDIR.
 * (A missing --data-dir is left to the loader, whose message says how to get the data set.)
 */
export async function checkDataPaths(data: string, dataDir: string | undefined): Promise<void> {
  if (data.startsWith('csv:') && data.length > 4) await requireFile(data.slice(4), '--data');
  if (dataDir !== undefined && existsSync(dataDir)) await requireDirectory(dataDir, '--data-dir');
}

/** Apply --threads (native thread pool) and --backend; returns the thread count in use. */
export function applyRuntime(threads: string | undefined, backend: string | undefined): number {
  if (threads !== undefined) dd.setNumThreads(parseIntegerFlag(threads, '--threads', 1, 1024));
  if (backend !== undefined) {
    const names = dd.backends().map((b) => b.name);
    if (!names.includes(backend as dd.BackendName)) {
      throw new dd.DendriteError(`Expected one of ${names.join(', ')} for --backend but received ${JSON.stringify(backend)}`);
    }
    dd.setBackend(backend as dd.BackendName);
  }
  return dd.getNumThreads();
}

/** Run `work` with an AbortController that the first Ctrl-C (SIGINT) aborts; a second Ctrl-C exits at once. */
export async function withInterrupt<T>(onFirst: () => void, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const handler = () => {
    if (controller.signal.aborted) process.exit(130);
    onFirst();
    controller.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  }
}
