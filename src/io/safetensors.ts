/**
 * The safetensors format: `readSafetensorsHeader` + `readTensorInto` read a file by
 * ranges from a ByteSource (the header first, then each tensor's bytes straight into
 * its destination: no whole-file read, no 2 GiB limit), `parseSafetensors` reads
 * bytes in memory through the same header checks, and `planSafetensors` lays out
 * float32 tensors (and int64 ones, for torch's `num_batches_tracked`) as parts to
 * write (`serializeSafetensors` joins them).
 *
 * Layout: an 8-byte little-endian unsigned header length N, N bytes of UTF-8
 * JSON `{ name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?:
 * { key: string } }`, then the data buffer (offsets are relative to its start,
 * values little-endian, row-major).
 *
 * The reader is strict about everything that could make it read out of bounds,
 * allocate or block from a hostile header (the header length is checked against the
 * file size and a cap, its nesting depth before JSON.parse, names that could reach
 * Object.prototype are rejected, and nothing is read beyond the header's sizes), and
 * lenient about what is legal: headers of any length (padding optional, trailing
 * spaces), data not aligned in the file.
 */
import { describe } from '../errors.js';
import { isPlainObject } from '../validate.js';
import type { ByteSource } from './byte-source.js';
import { COPY_SLICE_BYTES, chunksOf, concatChunks, yieldToEventLoop, type Chunks } from './chunks.js';
import { fileError } from './file-error.js';
import { checkName, parseJsonGuarded } from './json-guard.js';

export { fileError } from './file-error.js';

/**
 * The dtypes the reader accepts; all are converted to float32 (the integers I64 and I32
 * exactly up to 2^24; torch writes its counts, e.g. batch norm's num_batches_tracked, as
 * I64). Whoever reads a tensor checks that its dtype fits (isFloatDtype). The writer
 * writes F32 and I64.
 */
export type SafetensorsDtype = 'F32' | 'F64' | 'F16' | 'BF16' | 'I64' | 'I32';

/** A float32 tensor as stored: row-major data and its shape. */
export interface SafetensorsTensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

/** An int64 tensor to write (e.g. torch's scalar num_batches_tracked, shape []). */
export interface SafetensorsInt64Tensor {
  readonly dtype: 'I64';
  readonly data: BigInt64Array;
  readonly shape: readonly number[];
}

/** What serializeSafetensors writes: F32 tensors, and I64 ones. */
export type SafetensorsWritable = SafetensorsTensor | SafetensorsInt64Tensor;

/** A parsed file: its tensors in header order (with the dtype they had on disk) and `__metadata__`. */
export interface ParsedSafetensors {
  tensors: Map<string, SafetensorsTensor & { dtype: SafetensorsDtype }>;
  /** A null-prototype object (a hostile key cannot reach Object.prototype). */
  metadata: Record<string, string>;
}

/** One tensor of a header: where its bytes lie (relative to the data start) and what they are. */
export interface SafetensorsEntry {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly begin: number;
  readonly end: number;
}

/** A checked header: the tensors (in header order) and metadata, before any tensor data is read. */
export interface SafetensorsHeader {
  /** Entries by name, in header order. */
  readonly tensors: Map<string, SafetensorsEntry>;
  /** A null-prototype object of strings. */
  readonly metadata: Record<string, string>;
  /** Offset of the data buffer in the file. */
  readonly dataStart: number;
}

/** Largest header accepted (bytes); larger ones are rejected before allocating. */
export const MAX_HEADER_BYTES = 100_000_000;
/** A header is `{ name: { dtype, shape: [..], data_offsets: [..] } }`: 3 levels; deeper nesting is rejected before parsing. */
const MAX_HEADER_DEPTH = 3;

const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F32: 4, F64: 8, F16: 2, BF16: 2, I64: 8, I32: 4 };
const DTYPES = Object.keys(DTYPE_BYTES) as SafetensorsDtype[];
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** The floating-point dtypes: those that can hold weights. */
export const FLOAT_DTYPES: readonly SafetensorsDtype[] = ['F32', 'F64', 'F16', 'BF16'];

/** True for F32, F64, F16 and BF16 (false for the integer dtypes). */
export function isFloatDtype(dtype: SafetensorsDtype): boolean {
  return FLOAT_DTYPES.includes(dtype);
}

/** The number of elements of a header entry. */
export function entrySize(entry: SafetensorsEntry): number {
  return (entry.end - entry.begin) / DTYPE_BYTES[entry.dtype];
}

/**
 * Read a safetensors file's tensors (converted to float32) and metadata, from bytes in memory.
 * @param bytes the whole file
 * @param source the file's name, for error messages
 * @throws DendriteError (code ERR_DENDRITE_INVALID_FILE) naming `source` and the problem
 */
export function parseSafetensors(bytes: Uint8Array, source: string): ParsedSafetensors {
  const headerLength = checkHeaderLength(bytes.subarray(0, 8), bytes.length, source);
  const header = parseHeader(bytes.subarray(8, 8 + headerLength), bytes.length, source);
  const tensors: ParsedSafetensors['tensors'] = new Map();
  for (const e of header.tensors.values()) {
    const out = new Float32Array(entrySize(e));
    toFloat32(bytes.subarray(header.dataStart + e.begin, header.dataStart + e.end), e.dtype, out, 0);
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape as number[], data: out });
  }
  return { tensors, metadata: header.metadata };
}

/**
 * Read and check a file's header only (8 bytes, then the header's length): no tensor
 * data is read, so its sizes can be checked against a model before anything is allocated.
 * @throws DendriteError (ERR_DENDRITE_INVALID_FILE) naming the source
 */
export async function readSafetensorsHeader(source: ByteSource): Promise<SafetensorsHeader> {
  const prefix = new Uint8Array(Math.min(8, source.size));
  await source.read(prefix, 0);
  const headerLength = checkHeaderLength(prefix, source.size, source.name);
  const raw = new Uint8Array(headerLength);
  await source.read(raw, 8);
  return parseHeader(raw, source.size, source.name);
}

/**
 * Read one tensor's values (converted to float32) into `out` (of entrySize(entry)
 * elements, e.g. a model's own weight array): F32 straight into out's bytes by
 * ranged reads, other dtypes a few MB at a time, converted, with yields between slices.
 */
export async function readTensorInto(source: ByteSource, header: SafetensorsHeader, entry: SafetensorsEntry, out: Float32Array): Promise<void> {
  const bytesPer = DTYPE_BYTES[entry.dtype];
  const start = header.dataStart + entry.begin;
  if (out.length !== entrySize(entry)) throw new RangeError(`readTensorInto: ${out.length} != ${entrySize(entry)}`); // a bug, not a file problem
  if (entry.dtype === 'F32' && LITTLE_ENDIAN) {
    await source.read(new Uint8Array(out.buffer, out.byteOffset, out.byteLength), start);
    return;
  }
  const perSlice = Math.max(1, Math.floor(COPY_SLICE_BYTES / bytesPer));
  const raw = new Uint8Array(Math.min(out.length, perSlice) * bytesPer);
  for (let i = 0; i < out.length; i += perSlice) {
    const n = Math.min(perSlice, out.length - i);
    const slice = raw.subarray(0, n * bytesPer);
    await source.read(slice, start + i * bytesPer);
    toFloat32(slice, entry.dtype, out, i);
    if (i + n < out.length) await yieldToEventLoop();
  }
}

/** One tensor's values as a new Float32Array (see readTensorInto). */
export async function readTensor(source: ByteSource, header: SafetensorsHeader, entry: SafetensorsEntry): Promise<Float32Array> {
  const out = new Float32Array(entrySize(entry));
  await readTensorInto(source, header, entry, out);
  return out;
}

/** The header length of the first 8 bytes, checked against the file size and the cap before anything is allocated. */
function checkHeaderLength(prefix: Uint8Array, fileSize: number, source: string): number {
  if (fileSize < 8 || prefix.length < 8) {
    throw fileError(source, 'a safetensors file (at least the 8-byte header length)', `a file of ${fileSize} bytes (truncated)`);
  }
  const headerLength = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    throw fileError(source, `a header length of at most ${MAX_HEADER_BYTES} bytes`, `${headerLength}`);
  }
  if (headerLength > BigInt(fileSize - 8)) {
    throw fileError(source, `a header length of at most ${fileSize - 8} bytes (the rest of the file)`, `${headerLength} (the file is truncated or not safetensors)`);
  }
  return Number(headerLength);
}

/** The checked entries and metadata of a header's bytes (of a file of `fileSize` bytes). */
function parseHeader(raw: Uint8Array, fileSize: number, source: string): SafetensorsHeader {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch (err) {
    throw fileError(source, 'a UTF-8 JSON header', `invalid JSON (${(err as Error).message})`);
  }
  const header = parseJsonGuarded(text, source, 'a UTF-8 JSON header', MAX_HEADER_DEPTH);
  if (!isPlainObject(header)) throw fileError(source, 'a JSON object header', describe(header));
  const dataStart = 8 + raw.length;
  const dataLength = fileSize - dataStart;

  let metadata: Record<string, string> = Object.create(null);
  const entries: SafetensorsEntry[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = checkMetadata(entry, source);
      continue;
    }
    const where = `tensor '${name}' in ${source}`;
    checkName(name, 'a tensor name', `tensor names in ${source}`);
    if (!isPlainObject(entry)) throw fileError(where, 'an object with dtype, shape and data_offsets', describe(entry));
    const { dtype, shape, data_offsets: offsets } = entry;
    if (typeof dtype !== 'string' || !(DTYPES as string[]).includes(dtype)) {
      throw fileError(where, `a dtype of ${DTYPES.join(', ')}`, describe(dtype));
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw fileError(where, 'a shape of non-negative integers', describe(shape));
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1]) {
      throw fileError(where, 'data_offsets [begin, end] with 0 <= begin <= end', describe(offsets));
    }
    const [begin, end] = offsets as number[];
    if (end > dataLength) {
      throw fileError(where, `data_offsets within the ${dataLength} data bytes after the header`, `[${begin}, ${end}] (the file is truncated or the offsets are wrong)`);
    }
    const bytesPer = DTYPE_BYTES[dtype as SafetensorsDtype];
    // The element count can exceed what the offsets allow only for a wrong header: compare without overflowing.
    const count = shape.reduce((a: number, d: number) => Math.min(a * d, Number.MAX_SAFE_INTEGER), 1);
    if (count * bytesPer !== end - begin) {
      throw fileError(where, `data_offsets spanning ${count * bytesPer} bytes (shape [${shape.join(', ')}] of ${dtype})`, `[${begin}, ${end}] (${end - begin} bytes)`);
    }
    entries.push({ name, dtype: dtype as SafetensorsDtype, shape: [...shape] as number[], begin, end });
  }

  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    const cur = sorted[i];
    if (cur.begin < prev.end) {
      throw fileError(`tensor '${cur.name}' in ${source}`, 'data_offsets not overlapping another tensor', `[${cur.begin}, ${cur.end}], overlapping '${prev.name}' at [${prev.begin}, ${prev.end}]`);
    }
  }
  return { tensors: new Map(entries.map((e) => [e.name, e])), metadata, dataStart };
}

function checkMetadata(entry: unknown, source: string): Record<string, string> {
  if (!isPlainObject(entry) || !Object.values(entry).every((v) => typeof v === 'string')) {
    throw fileError(`__metadata__ in ${source}`, 'an object of string values', describe(entry));
  }
  const metadata: Record<string, string> = Object.create(null);
  for (const [key, value] of Object.entries(entry)) {
    checkName(key, 'metadata keys', `__metadata__ in ${source}`);
    metadata[key] = value as string;
  }
  return metadata;
}

/** Little-endian bytes of any alignment, converted into out[at..]. */
function toFloat32(raw: Uint8Array, dtype: SafetensorsDtype, out: Float32Array, at: number): void {
  const n = raw.length / DTYPE_BYTES[dtype];
  if (dtype === 'F32' && LITTLE_ENDIAN) {
    new Uint8Array(out.buffer, out.byteOffset + 4 * at, raw.length).set(raw);
    return;
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (dtype) {
    case 'F32':
      for (let i = 0; i < n; i++) out[at + i] = view.getFloat32(4 * i, true);
      break;
    case 'F64':
      for (let i = 0; i < n; i++) out[at + i] = view.getFloat64(8 * i, true);
      break;
    case 'F16':
      for (let i = 0; i < n; i++) out[at + i] = halfToFloat(view.getUint16(2 * i, true));
      break;
    case 'BF16': {
      const bits = new Uint32Array(out.buffer, out.byteOffset + 4 * at, n);
      for (let i = 0; i < n; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      break;
    }
    case 'I64':
      for (let i = 0; i < n; i++) out[at + i] = Number(view.getBigInt64(8 * i, true));
      break;
    case 'I32':
      for (let i = 0; i < n; i++) out[at + i] = view.getInt32(4 * i, true);
      break;
  }
}

/** IEEE 754 binary16 bits to a number (exact). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/**
 * Write tensors (F32, and I64 for a SafetensorsInt64Tensor) and optional string
 * metadata as safetensors bytes. The header lists the tensors in the given order;
 * the data holds the I64 tensors first, then the F32 ones (each in the given order,
 * contiguous), and the header is padded with spaces to a multiple of 8 bytes, so
 * every tensor is aligned to its element size.
 */
export function serializeSafetensors(tensors: ReadonlyMap<string, SafetensorsWritable>, metadata?: Record<string, string>): Uint8Array {
  return concatChunks(planSafetensors(tensors, metadata));
}

/**
 * The bytes of serializeSafetensors as parts: the header, then a view of each tensor's
 * data (no copy on little-endian machines: the views share the tensors' memory, so the
 * caller passes snapshots). What model.save, saveWeights and toBuffer write.
 */
export function planSafetensors(tensors: ReadonlyMap<string, SafetensorsWritable>, metadata?: Record<string, string>): Chunks {
  const header: Record<string, unknown> = Object.create(null);
  if (metadata && Object.keys(metadata).length > 0) {
    for (const key of Object.keys(metadata)) checkName(key, 'metadata keys', 'the metadata to write');
    header.__metadata__ = { ...metadata };
  }
  const entries = [...tensors].map(([name, t]) => {
    if (name === '__metadata__') throw fileError('tensor names', 'names other than __metadata__', "'__metadata__'");
    checkName(name, 'a tensor name', 'the tensors to write');
    const count = t.shape.reduce((a, d) => a * d, 1);
    if (count !== t.data.length) throw fileError(`tensor '${name}'`, `${count} values (shape [${t.shape.join(', ')}])`, `${t.data.length}`);
    return { name, t, dtype: t.data instanceof BigInt64Array ? 'I64' as const : 'F32' as const, begin: 0 };
  });
  let offset = 0;
  const ordered = [...entries.filter((e) => e.dtype === 'I64'), ...entries.filter((e) => e.dtype === 'F32')];
  for (const e of ordered) {
    e.begin = offset;
    offset += e.t.data.byteLength;
  }
  for (const { name, t, dtype, begin } of entries) header[name] = { dtype, shape: [...t.shape], data_offsets: [begin, begin + t.data.byteLength] };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const head = new Uint8Array(8 + headerLength);
  new DataView(head.buffer).setBigUint64(0, BigInt(headerLength), true);
  head.set(json, 8);
  head.fill(0x20, 8 + json.length);
  return chunksOf([head, ...ordered.map((e) => littleEndianBytes(e.t.data))]);
}

/** The little-endian bytes of a tensor's data (a view on little-endian machines). */
function littleEndianBytes(data: Float32Array | BigInt64Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  if (data instanceof BigInt64Array) for (let i = 0; i < data.length; i++) view.setBigInt64(8 * i, data[i], true);
  else for (let i = 0; i < data.length; i++) view.setFloat32(4 * i, data[i], true);
  return out;
}
