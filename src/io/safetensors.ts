/**
 * The safetensors format, pure (no fs): `parseSafetensors` reads bytes into
 * float32 tensors, `serializeSafetensors` writes float32 tensors (and int64
 * ones, for torch's `num_batches_tracked`) into bytes.
 *
 * Layout: an 8-byte little-endian unsigned header length N, N bytes of UTF-8
 * JSON `{ name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?:
 * { key: string } }`, then the data buffer (offsets are relative to its start,
 * values little-endian, row-major).
 *
 * The reader is strict about everything that could make it read out of bounds
 * or allocate from a hostile header (the header length is checked against the
 * file size and a cap before anything is allocated), and lenient about what is
 * legal: headers of any length (padding optional, trailing spaces), data not
 * aligned in the file (each tensor is copied into a fresh Float32Array).
 */
import { DendriteError, describe } from '../errors.js';
import { isPlainObject } from '../validate.js';

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
  metadata: Record<string, string>;
}

/** Largest header accepted (bytes); larger ones are rejected before allocating. */
export const MAX_HEADER_BYTES = 100_000_000;

const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F32: 4, F64: 8, F16: 2, BF16: 2, I64: 8, I32: 4 };
const DTYPES = Object.keys(DTYPE_BYTES) as SafetensorsDtype[];
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** The floating-point dtypes: those that can hold weights. */
export const FLOAT_DTYPES: readonly SafetensorsDtype[] = ['F32', 'F64', 'F16', 'BF16'];

/** True for F32, F64, F16 and BF16 (false for the integer dtypes). */
export function isFloatDtype(dtype: SafetensorsDtype): boolean {
  return FLOAT_DTYPES.includes(dtype);
}

/** The error of a malformed or unusable file, in the house format. */
export function fileError(name: string, expected: string, received: string): DendriteError {
  return new DendriteError(`Expected ${expected} for ${name} but received ${received}`, 'ERR_DENDRITE_INVALID_FILE');
}

/**
 * Read a safetensors file's tensors (converted to float32) and metadata.
 * @param bytes the whole file
 * @param source the file's name, for error messages
 * @throws DendriteError (code ERR_DENDRITE_INVALID_FILE) naming `source` and the problem
 */
export function parseSafetensors(bytes: Uint8Array, source: string): ParsedSafetensors {
  if (bytes.length < 8) {
    throw fileError(source, 'a safetensors file (at least the 8-byte header length)', `a file of ${bytes.length} bytes (truncated)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    throw fileError(source, `a header length of at most ${MAX_HEADER_BYTES} bytes`, `${headerLength}`);
  }
  if (headerLength > BigInt(bytes.length - 8)) {
    throw fileError(source, `a header length of at most ${bytes.length - 8} bytes (the rest of the file)`, `${headerLength} (the file is truncated or not safetensors)`);
  }
  const dataStart = 8 + Number(headerLength);
  const header = parseHeader(bytes.subarray(8, dataStart), source);
  const dataLength = bytes.length - dataStart;

  let metadata: Record<string, string> = {};
  const entries: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = checkMetadata(entry, source);
      continue;
    }
    const where = `tensor '${name}' in ${source}`;
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
    entries.push({ name, dtype: dtype as SafetensorsDtype, shape: shape as number[], begin, end });
  }

  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    const cur = sorted[i];
    if (cur.begin < prev.end) {
      throw fileError(`tensor '${cur.name}' in ${source}`, 'data_offsets not overlapping another tensor', `[${cur.begin}, ${cur.end}], overlapping '${prev.name}' at [${prev.begin}, ${prev.end}]`);
    }
  }

  const tensors: ParsedSafetensors['tensors'] = new Map();
  for (const e of entries) {
    const raw = bytes.subarray(dataStart + e.begin, dataStart + e.end);
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: toFloat32(raw, e.dtype) });
  }
  return { tensors, metadata };
}

function parseHeader(raw: Uint8Array, source: string): Record<string, unknown> {
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
  } catch (err) {
    throw fileError(source, 'a UTF-8 JSON header', `invalid JSON (${(err as Error).message})`);
  }
  if (!isPlainObject(header)) throw fileError(source, 'a JSON object header', describe(header));
  return header;
}

function checkMetadata(entry: unknown, source: string): Record<string, string> {
  if (!isPlainObject(entry) || !Object.values(entry).every((v) => typeof v === 'string')) {
    throw fileError(`__metadata__ in ${source}`, 'an object of string values', describe(entry));
  }
  return { ...(entry as Record<string, string>) };
}

/** A fresh Float32Array from little-endian bytes of any alignment. */
function toFloat32(raw: Uint8Array, dtype: SafetensorsDtype): Float32Array {
  const n = raw.length / DTYPE_BYTES[dtype];
  if (dtype === 'F32' && LITTLE_ENDIAN) {
    const copy = new Uint8Array(raw.length); // not raw.slice(): a Node Buffer's slice() is a view
    copy.set(raw);
    return new Float32Array(copy.buffer);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float32Array(n);
  switch (dtype) {
    case 'F32':
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
      break;
    case 'F64':
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, true);
      break;
    case 'F16':
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
      break;
    case 'BF16': {
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      break;
    }
    case 'I64':
      for (let i = 0; i < n; i++) out[i] = Number(view.getBigInt64(8 * i, true));
      break;
    case 'I32':
      for (let i = 0; i < n; i++) out[i] = view.getInt32(4 * i, true);
      break;
  }
  return out;
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
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const entries = [...tensors].map(([name, t]) => {
    if (name === '__metadata__') throw fileError('tensor names', 'names other than __metadata__', "'__metadata__'");
    const count = t.shape.reduce((a, d) => a * d, 1);
    if (count !== t.data.length) throw fileError(`tensor '${name}'`, `${count} values (shape [${t.shape.join(', ')}])`, `${t.data.length}`);
    return { name, t, dtype: t.data instanceof BigInt64Array ? 'I64' as const : 'F32' as const, begin: 0 };
  });
  let offset = 0;
  for (const e of [...entries.filter((e) => e.dtype === 'I64'), ...entries.filter((e) => e.dtype === 'F32')]) {
    e.begin = offset;
    offset += e.t.data.byteLength;
  }
  for (const { name, t, dtype, begin } of entries) header[name] = { dtype, shape: [...t.shape], data_offsets: [begin, begin + t.data.byteLength] };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  const dataView = new DataView(out.buffer, 8 + headerLength);
  for (const { t, begin } of entries) {
    const { data } = t;
    if (LITTLE_ENDIAN) {
      out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 8 + headerLength + begin);
    } else if (data instanceof BigInt64Array) {
      for (let i = 0; i < data.length; i++) dataView.setBigInt64(begin + 8 * i, data[i], true);
    } else {
      for (let i = 0; i < data.length; i++) dataView.setFloat32(begin + 4 * i, data[i], true);
    }
  }
  return out;
}
