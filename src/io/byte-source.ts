/**
 * Where the readers get bytes from, by ranges: an open regular file (read with
 * positioned reads straight into the destination, in chunks under 2 GiB, so files of
 * any size load and nothing is read beyond what a header asks for) or bytes in memory
 * (dd.modelFromBuffer). One reader path serves both.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { COPY_SLICE_BYTES, yieldToEventLoop } from './chunks.js';
import { fileError, fsError } from './file-error.js';

/** A readable range of bytes of a known size. */
export interface ByteSource {
  /** How errors name it (a path, or `<file> in the model buffer`). */
  readonly name: string;
  /** Its length in bytes. */
  readonly size: number;
  /** Fill all of `into` with the bytes at `position` (the range must lie within size). */
  read(into: Uint8Array, position: number): Promise<void>;
  /** Release it (a file's handle). */
  close(): Promise<void>;
}

/** Largest single read (positioned reads of 2 GiB or more fail); settable by tests (readChunkBytes). */
let chunkBytes = 256 * 2 ** 20;

/**
 * Set the largest single read in bytes (internal: tests use a small value to exercise
 * the range logic without a > 2 GiB file); returns the previous value.
 */
export function setReadChunkBytes(bytes: number): number {
  const previous = chunkBytes;
  chunkBytes = bytes;
  return previous;
}

/** The bytes of `bytes`, as a ByteSource. */
export function memorySource(bytes: Uint8Array, name: string): ByteSource {
  return {
    name,
    size: bytes.length,
    async read(into, position) {
      // a few MB at a time: a big tensor's copy must not block the event loop
      for (let done = 0; done < into.length; done += COPY_SLICE_BYTES) {
        if (done > 0) await yieldToEventLoop();
        into.set(bytes.subarray(position + done, position + Math.min(into.length, done + COPY_SLICE_BYTES)), done);
      }
    },
    async close() {},
  };
}

/**
 * Open `file` for range reads. It must be a regular file (a FIFO, a device such as
 * /dev/zero behind a symlink, a directory or a socket is rejected before anything is
 * read: it is opened non-blocking, so a FIFO without a writer cannot hang the thread).
 * @returns null when the file does not exist (and `missingOk`)
 * @throws DendriteError naming the file for every other problem
 */
export async function openFileSource(file: string, missingOk = false): Promise<ByteSource | null> {
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    if (missingOk && (err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw fsError(err, file, 'a readable regular file');
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      throw fileError(file, 'a regular file', stat.isDirectory() ? 'a directory' : stat.isFIFO() ? 'a FIFO (named pipe)' : stat.isCharacterDevice() || stat.isBlockDevice() ? 'a device' : 'something that is not a regular file');
    }
    return fileSource(handle, file, stat.size);
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw fsError(err, file, 'a readable regular file');
  }
}

function fileSource(handle: FileHandle, name: string, size: number): ByteSource {
  return {
    name,
    size,
    async read(into, position) {
      let done = 0;
      while (done < into.length) {
        const length = Math.min(chunkBytes, into.length - done);
        let bytesRead: number;
        try {
          ({ bytesRead } = await handle.read(into, done, length, position + done));
        } catch (err) {
          throw fsError(err, name, 'a readable regular file');
        }
        // The file shrank under us (or is being replaced in place): it no longer holds what its header says.
        if (bytesRead === 0) throw fileError(name, `${into.length} bytes at offset ${position}`, `the end of the file after ${done} (it was truncated while being read)`);
        done += bytesRead;
      }
    },
    close: () => handle.close().catch(() => undefined),
  };
}
