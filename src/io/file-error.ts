/**
 * The errors of files, in one place: a malformed or unusable file (fileError), and a
 * file system failure (ENOENT, EISDIR, ELOOP, EACCES, ENOSPC, ...) restated as a
 * DendriteError naming the file (fsError), so no plain Error reaches the user.
 */
import { DendriteError } from '../errors.js';

/** The error of a malformed or unusable file, in the house format. */
export function fileError(name: string, expected: string, received: string): DendriteError {
  return new DendriteError(`Expected ${expected} for ${name} but received ${received}`, 'ERR_DENDRITE_INVALID_FILE');
}

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'a directory',
  ENOTDIR: 'a path through something that is not a directory',
  ELOOP: 'a loop of symbolic links',
  EACCES: 'a file without the permission',
  EPERM: 'a file without the permission',
  ENOSPC: 'a full disk',
  EDQUOT: 'an exhausted disk quota',
  EROFS: 'a read-only file system',
  EIO: 'an I/O error',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'a name that is too long',
};

/**
 * A file system error of `file` as a DendriteError (code ERR_DENDRITE_FILE_SYSTEM, the
 * original error as `cause`); a DendriteError passes through unchanged.
 * @param expected what the operation needed, e.g. 'a readable regular file'
 */
export function fsError(err: unknown, file: string, expected: string): Error {
  if (err instanceof DendriteError) return err;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string') return err instanceof Error ? err : new Error(String(err));
  const reason = REASONS[code] ?? 'a file system error';
  const error = new DendriteError(`Expected ${expected} for ${file} but received ${reason} (${code})`, 'ERR_DENDRITE_FILE_SYSTEM');
  (error as Error & { cause?: unknown }).cause = err;
  return error;
}
