/**
 * Atomic file replacement: each file is written to a temporary file in its
 * target's directory, fsynced, then renamed over the target, and the directory
 * is fsynced. Readers see the old file or the new one, never a partial one.
 *
 * For several files, every temporary file is written and fsynced before the
 * first rename, so a failure while writing (a full disk, an I/O error, an
 * exception) leaves every old file untouched; the renames then happen in the
 * order given (put the file that commits the set last).
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { chunksOf, writeChunks, type Chunks } from './chunks.js';
import { fsError } from './file-error.js';

/** One file to write: its path and its complete contents (bytes, text, or parts written in chunks). */
export interface FileContents {
  path: string;
  data: Uint8Array | string | Chunks;
}

/** Replace one file atomically. */
export async function writeFileAtomic(file: string, data: FileContents['data']): Promise<void> {
  await writeFilesAtomic([{ path: file, data }]);
}

/**
 * Replace several files: all are staged (written and fsynced to temporary
 * files) first, then renamed over their targets in order, then their
 * directories are fsynced. On a failure before the renames, the temporary
 * files are removed and the targets are untouched.
 */
export async function writeFilesAtomic(files: readonly FileContents[]): Promise<void> {
  const staged: { temp: string; target: string }[] = [];
  try {
    for (const f of files) {
      const target = path.resolve(f.path);
      const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
      staged.push({ temp, target });
      await writeAndSync(temp, f.data, target);
    }
  } catch (err) {
    await Promise.all(staged.map((s) => unlink(s.temp).catch(() => undefined)));
    throw fsError(err, staged[staged.length - 1]?.target ?? 'the file', 'a writable file');
  }
  for (let i = 0; i < staged.length; i++) {
    try {
      await rename(staged[i].temp, staged[i].target);
    } catch (err) {
      await Promise.all(staged.slice(i).map((s) => unlink(s.temp).catch(() => undefined)));
      throw fsError(err, staged[i].target, 'a file that can be replaced');
    }
  }
  for (const dir of new Set(staged.map((s) => path.dirname(s.target)))) await syncDirectory(dir);
}

/**
 * Create `file` (it must not exist), write all of `data` (parts in chunks, off the main
 * thread) and flush it to disk. `name` names the file in errors.
 */
export async function writeAndSync(file: string, data: FileContents['data'], name = file): Promise<void> {
  const chunks = typeof data === 'string' ? chunksOf([new TextEncoder().encode(data)]) : data instanceof Uint8Array ? chunksOf([data]) : data;
  let handle;
  try {
    handle = await open(file, 'wx');
  } catch (err) {
    throw fsError(err, name, 'a writable file');
  }
  try {
    await writeChunks(handle, chunks, name);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Make a rename durable. Windows cannot open directories; some file systems refuse to sync them. */
export async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EISDIR') throw err;
  } finally {
    await handle.close();
  }
}
