/**
 * Paths named on the command line, checked before any work starts, so that a
 * missing file or a directory where a file belongs is one line in dendrite's
 * format (`Expected an existing file for --config but received "m.json" (not found)`),
 * not a raw ENOENT with a stack, and not an error after a long training run.
 */
import { stat, mkdir } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import * as dd from '../index.js';
import { dataError } from '../data/index.js';

/** What a file-system error code means, in the words of a message. */
const REASONS: Record<string, string> = {
  ENOENT: 'not found',
  ENOTDIR: 'not found: a part of the path is a file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'a directory',
  EEXIST: 'a file is in the way',
  ELOOP: 'a loop of symbolic links',
  ENAMETOOLONG: 'a name too long',
};

async function statOrReason(target: string): Promise<Stats | string> {
  try {
    return await stat(target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    return REASONS[code] ?? (code || String(err));
  }
}

/**
 * Check that `file` is an existing file (not a directory).
 * @param option the flag it came from, e.g. `--config`
 * @throws DendriteError (ERR_DENDRITE_INVALID_FILE) when it is missing, unreadable or a directory
 */
export async function requireFile(file: string, option: string): Promise<void> {
  const found = await statOrReason(file);
  if (typeof found === 'string') throw dataError(option, 'an existing file', `${JSON.stringify(file)} (${found})`);
  if (found.isDirectory()) throw dataError(option, 'a file', `${JSON.stringify(file)} (a directory)`);
}

/**
 * Check that `dir` is an existing directory (not a file).
 * @throws DendriteError (ERR_DENDRITE_INVALID_FILE) when it is missing, unreadable or a file
 */
export async function requireDirectory(dir: string, option: string): Promise<void> {
  const found = await statOrReason(dir);
  if (typeof found === 'string') throw dataError(option, 'an existing directory', `${JSON.stringify(dir)} (${found})`);
  if (!found.isDirectory()) throw dataError(option, 'a directory', `${JSON.stringify(dir)} (a file)`);
}

/**
 * Check that `dir` can be an output directory: a directory, or nothing yet (it is created
 * when the results are written). Called before the work, so a file in the way fails at once.
 * @throws DendriteError (ERR_DENDRITE_INVALID_FILE) when a file is in the way
 */
export async function requireOutputDirectory(dir: string, option: string): Promise<void> {
  const found = await statOrReason(dir);
  if (typeof found !== 'string' && !found.isDirectory()) throw dataError(option, 'a directory (or a path to create one)', `${JSON.stringify(dir)} (a file)`);
}

/**
 * Create an output directory (and its parents).
 * @throws DendriteError (ERR_DENDRITE_INVALID_FILE) when it cannot be created
 */
export async function makeOutputDirectory(dir: string, option: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw fileSystemError(err, option) ?? err;
  }
}

/**
 * A Node file-system error (ENOENT, EISDIR, EACCES ...) in dendrite's format, naming the
 * path; null for any other error. The last resort of the command line: the commands check
 * their paths first, this catches what a check cannot foresee (e.g. a file removed meanwhile).
 * @param option the flag the path came from; default: 'a path'
 */
export function fileSystemError(err: unknown, option = 'a path'): dd.DendriteError | null {
  const e = err as NodeJS.ErrnoException | null;
  if (!(e instanceof Error) || typeof e.code !== 'string' || !Object.hasOwn(REASONS, e.code)) return null;
  const what = e.code === 'EISDIR' ? 'a file' : e.code === 'EEXIST' ? 'a directory' : e.code === 'EACCES' || e.code === 'EPERM' ? 'an accessible path' : 'an existing file';
  return dataError(option, what, typeof e.path === 'string' ? `${JSON.stringify(e.path)} (${REASONS[e.code]})` : REASONS[e.code]);
}
