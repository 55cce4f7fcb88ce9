/**
 * A streaming reader of IDX files (the format of MNIST and Fashion-MNIST),
 * plain or gzipped (detected from the first bytes, not the name).
 *
 * Layout: two zero bytes, a type byte, the number of dimensions d, then d
 * big-endian uint32 sizes, then the values in row-major order, big-endian.
 * The header is validated as it arrives, the data is copied chunk by chunk
 * into one preallocated array, and a short file is an error.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { dataError } from './dataset.js';

/** The IDX element types, by type byte. */
const TYPES = {
  0x08: { name: 'uint8', bytes: 1 },
  0x09: { name: 'int8', bytes: 1 },
  0x0b: { name: 'int16', bytes: 2 },
  0x0c: { name: 'int32', bytes: 4 },
  0x0d: { name: 'float32', bytes: 4 },
  0x0e: { name: 'float64', bytes: 8 },
} as const;

export type IdxType = (typeof TYPES)[keyof typeof TYPES]['name'];

/** A decoded IDX array. */
export interface IdxArray {
  type: IdxType;
  shape: number[];
  /** The values in row-major order (native byte order). */
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/** Options of readIdx. */
export interface ReadIdxOptions {
  /** Read only the first `limit` items along the first dimension (stops reading early). */
  limit?: number;
}

/** Largest array accepted (values, not bytes): a guard against corrupt headers. */
const MAX_VALUES = 2 ** 31 - 1;

/**
 * Read an IDX file, plain or gzipped.
 * @throws DendriteError (ERR_DENDRITE_INVALID_FILE) naming the file for a bad magic number,
 *   an unknown type, a truncated file, trailing bytes or a corrupt gzip stream
 */
export async function readIdx(file: string, options: ReadIdxOptions = {}): Promise<IdxArray> {
  const gzipped = await isGzip(file);
  const raw = createReadStream(file);
  const source: Readable = gzipped ? raw.pipe(createGunzip()) : raw;
  if (gzipped) raw.on('error', (err) => source.destroy(err));
  const parser = new IdxParser(file, options.limit);
  try {
    for await (const chunk of source) {
      if (parser.push(chunk as Buffer)) break;
    }
  } catch (err) {
    if (err instanceof Error && (err as NodeJS.ErrnoException).code?.startsWith('Z_')) {
      throw dataError(file, 'a complete gzip stream', `a corrupt or truncated one (${err.message})`);
    }
    throw err;
  } finally {
    raw.destroy();
    source.destroy();
  }
  return parser.finish();
}

async function isGzip(file: string): Promise<boolean> {
  const handle = await open(file, 'r').catch((err: NodeJS.ErrnoException) => {
    throw dataError(file, 'a readable IDX file', err.code === 'ENOENT' ? 'a path that does not exist' : `an error (${err.message})`);
  });
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** Incremental parser: push() chunks, then finish(). */
class IdxParser {
  #header = Buffer.alloc(0);
  #type: (typeof TYPES)[keyof typeof TYPES] | null = null;
  #shape: number[] | null = null;
  #bytes: Uint8Array | null = null;
  #filled = 0;
  #trailing = 0;

  constructor(readonly file: string, readonly limit?: number) {}

  /** Consume a chunk; true once every wanted byte has arrived and the limit allows stopping early. */
  push(chunk: Buffer): boolean {
    let rest = chunk;
    if (!this.#bytes) {
      this.#header = Buffer.concat([this.#header, rest]);
      if (!this.#parseHeader()) return false;
      rest = this.#header.subarray(this.#headerLength());
    }
    const bytes = this.#bytes!;
    const take = Math.min(rest.length, bytes.length - this.#filled);
    bytes.set(rest.subarray(0, take), this.#filled);
    this.#filled += take;
    this.#trailing += rest.length - take;
    return this.limit !== undefined && this.#filled === bytes.length;
  }

  #headerLength(): number {
    return 4 + 4 * this.#shape!.length;
  }

  /** Parse the header once it has fully arrived; false while more bytes are needed. */
  #parseHeader(): boolean {
    const h = this.#header;
    if (h.length < 4) return false;
    const magic = h.readUInt32BE(0);
    const type = TYPES[h[2] as keyof typeof TYPES];
    if (h[0] !== 0 || h[1] !== 0 || !type || h[3] === 0) {
      throw dataError(this.file, 'an IDX file (magic number 0x0000TTDD: two zero bytes, a type byte TT of 08, 09, 0b, 0c, 0d or 0e, then the number of dimensions DD >= 1)', `magic number 0x${magic.toString(16).padStart(8, '0')}`);
    }
    const dims = h[3];
    if (h.length < 4 + 4 * dims) return false;
    const shape = Array.from({ length: dims }, (_, i) => h.readUInt32BE(4 + 4 * i));
    const total = shape.reduce((a, b) => a * b, 1);
    if (total > MAX_VALUES) throw dataError(this.file, `an IDX array of at most ${MAX_VALUES} values`, `shape [${shape.join(', ')}]`);
    if (this.limit !== undefined && shape[0] > this.limit) shape[0] = this.limit;
    this.#type = type;
    this.#shape = shape;
    this.#bytes = new Uint8Array(shape.reduce((a, b) => a * b, 1) * type.bytes);
    return true;
  }

  finish(): IdxArray {
    if (!this.#bytes) {
      throw dataError(this.file, 'an IDX file (a 4-byte magic number and the dimension sizes)', `a file of ${this.#header.length} bytes (truncated)`);
    }
    const type = this.#type!;
    const shape = this.#shape!;
    if (this.#filled < this.#bytes.length) {
      throw dataError(this.file, `${this.#bytes.length} bytes of ${type.name} data for shape [${shape.join(', ')}]`, `${this.#filled} bytes (the file is truncated)`);
    }
    if (this.#trailing > 0 && this.limit === undefined) {
      throw dataError(this.file, `${this.#bytes.length} bytes of ${type.name} data for shape [${shape.join(', ')}]`, `${this.#trailing} more bytes (trailing data)`);
    }
    return { type: type.name, shape, data: decode(type.name, this.#bytes) };
  }
}

/** Big-endian bytes to a typed array in native order. */
function decode(type: IdxType, bytes: Uint8Array): IdxArray['data'] {
  if (type === 'uint8') return bytes;
  if (type === 'int8') return new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (type) {
    case 'int16': return Int16Array.from({ length: bytes.length / 2 }, (_, i) => view.getInt16(2 * i));
    case 'int32': return Int32Array.from({ length: bytes.length / 4 }, (_, i) => view.getInt32(4 * i));
    case 'float32': return Float32Array.from({ length: bytes.length / 4 }, (_, i) => view.getFloat32(4 * i));
    default: return Float64Array.from({ length: bytes.length / 8 }, (_, i) => view.getFloat64(8 * i));
  }
}
