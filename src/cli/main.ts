#!/usr/bin/env node
/**
 * The `dendrite` command: compare, bench, train, predict, info. It uses only
 * dendrite's public API (../index.js) and the data loaders (../data/); the
 * library never imports this folder.
 */
import { Command, CommanderError } from 'commander';
import * as dd from '../index.js';
import { benchCommand } from './commands/bench.js';
import { buildCommand } from './commands/build.js';
import { compareCommand } from './commands/compare.js';
import { infoCommand } from './commands/info.js';
import { predictCommand } from './commands/predict.js';
import { trainCommand } from './commands/train.js';
import { QuietExit } from './distributed.js';
import { fileSystemError } from './paths.js';

/** Exit statuses: 0 ok, 1 failure (bad file, training error), 2 bad usage or arguments, 130 interrupted. */
export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

/** The program with every command (exported for tests and tools). */
export function program(): Command {
  const prog = new Command('dendrite')
    .description('dendrite: native-accelerated deep learning for Node.js. Start with `dendrite compare`.')
    .version(dd.version, '-v, --version')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  for (const cmd of [compareCommand(), benchCommand(), trainCommand(), predictCommand(), infoCommand(), buildCommand()]) prog.addCommand(cmd.exitOverride().showHelpAfterError('(add --help for usage)'));
  return prog;
}

/** Run the command line; resolves with the exit status. */
export async function main(argv: string[] = process.argv): Promise<number> {
  try {
    await program().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (caught) {
    const err = fileSystemError(caught) ?? caught;  // a raw ENOENT or EISDIR becomes one line in the house format
    if (err instanceof QuietExit) return err.code;  // a rank of a job whose rank 0 reported the error
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof dd.DendriteError) {
      process.stderr.write(`dendrite: ${err.message}\n`);
      return err.code === 'ERR_DENDRITE_INVALID_ARGUMENT' ? EXIT.usage : EXIT.failure;
    }
    process.stderr.write(`dendrite: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    return EXIT.failure;
  }
}

/** Run as the `dendrite` executable (bin.ts): exit statuses as main's, a closed pipe ends quietly. */
export function run(): void {
  // `dendrite compare | head`: a closed pipe ends the command quietly.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  main().then((code) => {
    process.exitCode = code;
  });
}

if (require.main === module) run();
