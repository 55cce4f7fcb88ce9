#!/usr/bin/env node
/**
 * The `dendrite` executable. It loads the command line (and with it the library)
 * inside a try, so that an error raised while dendrite itself loads, such as a
 * DENDRITE_ISA this CPU cannot run, is one line and exit status 2 like any other
 * bad setting, not a stack trace.
 */
try {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('./main.js') as typeof import('./main.js')).run();
} catch (err) {
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e?.code === 'string' && e.code.startsWith('ERR_DENDRITE_')) {
    process.stderr.write(`dendrite: ${String(e.message)}\n`);
    process.exitCode = 2;
  } else {
    throw err;
  }
}
