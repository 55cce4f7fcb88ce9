/**
 * The bytes of a file to write, as a list of parts (a header, then views of each
 * tensor's data): written to a file part by part with chunked writes, or copied into
 * one buffer (model.toBuffer) a few MB at a time, yielding to the event loop between
 * slices. No file is ever built as one >2 GiB Buffer and no copy blocks the main
 * thread for long.
 */
import type { FileHandle } from 'node:fs/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { fsError } from './file-error.js';

/** A file's contents as consecutive parts. */
export interface Chunks {
  readonly parts: readonly Uint8Array[];
  /** The sum of the parts' lengths. */
  readonly size: number;
}

/** Largest single write (writes of 2 GiB or more fail). */
const WRITE_CHUNK_BYTES = 64 * 2 ** 20;
/** Bytes copied on the main thread between two yields (about a millisecond of memcpy). */
export const COPY_SLICE_BYTES = 4 * 2 ** 20;

/** Let the event loop run (timers, I/O) between two slices of CPU work. */
export function yieldToEventLoop(): Promise<void> {
  return nextTurn();
}

/** Parts as Chunks. */
export function chunksOf(parts: readonly Uint8Array[]): Chunks {
  return { parts, size: parts.reduce((n, p) => n + p.length, 0) };
}

/** Write every part at the handle's current position (chunks of at most 64 MiB, off the main thread). */
export async function writeChunks(handle: FileHandle, chunks: Chunks, name: string): Promise<void> {
  for (const part of chunks.parts) {
    let done = 0;
    while (done < part.length) {
      const length = Math.min(WRITE_CHUNK_BYTES, part.length - done);
      try {
        const { bytesWritten } = await handle.write(part, done, length);
        done += bytesWritten;
      } catch (err) {
        throw fsError(err, name, 'a writable file');
      }
    }
  }
}

/** All parts copied into `out` at `offset`, a few MB at a time with yields between slices. */
export async function copyChunks(chunks: Chunks, out: Uint8Array, offset: number): Promise<void> {
  for (const part of chunks.parts) {
    for (let done = 0; done < part.length; done += COPY_SLICE_BYTES) {
      out.set(part.subarray(done, done + COPY_SLICE_BYTES), offset + done);
      if (part.length - done > COPY_SLICE_BYTES) await yieldToEventLoop();
    }
    offset += part.length;
  }
}

/** `from` copied into `into` (same length), a few MB at a time with yields between slices. */
export async function copyFloats(from: Float32Array, into: Float32Array): Promise<void> {
  const slice = COPY_SLICE_BYTES / 4;
  for (let done = 0; done < from.length; done += slice) {
    into.set(from.subarray(done, done + slice), done);
    if (from.length - done > slice) await yieldToEventLoop();
  }
}

/** A copy of `from` made by copyFloats. */
export async function cloneFloats(from: Float32Array): Promise<Float32Array> {
  const out = new Float32Array(from.length);
  await copyFloats(from, out);
  return out;
}

/** The parts as one new Uint8Array (the sync form, for small files and tests). */
export function concatChunks(chunks: Chunks): Uint8Array {
  const out = new Uint8Array(chunks.size);
  let offset = 0;
  for (const part of chunks.parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
