/**
 * In-memory models: model.toBuffer() packs the files model.save(dir) writes
 * (model.json, weights.safetensors and optionally optimizer.safetensors, from the
 * same serialisation) into one buffer, and dd.modelFromBuffer(buffer) restores
 * it through the same restoreModel as dd.loadModel: for a worker thread, HTTP or
 * a database, without the file system.
 *
 * The container, all integers little-endian:
 *
 *   magic       8 bytes   "DDMODEL\0"
 *   version     uint32    1
 *   count       uint32    number of entries (1 to 8)
 *   count times:
 *     nameLength  uint32  1 to 255
 *     name        nameLength bytes of UTF-8 (model.json, weights.safetensors, optimizer.safetensors)
 *     dataLength  uint64
 *     data        dataLength bytes: the file's contents, exactly as model.save() writes it
 *
 * Nothing may follow the last entry. The reader checks every length against the
 * bytes left before it reads or allocates anything, so a hostile buffer is a
 * DendriteError (ERR_DENDRITE_INVALID_FILE), never an out-of-bounds read.
 */
import { invalidParameter } from '../errors.js';
import type { Sequential } from '../model/sequential.js';
import { checkBackendOption, restoreModel, type LoadModelOptions } from './load.js';
import { MODEL_FILE, OPTIMIZER_FILE, WEIGHTS_FILE } from './model-json.js';
import { memorySource } from './byte-source.js';
import { copyChunks } from './chunks.js';
import { fileError } from './file-error.js';
import { withModelFiles, type SaveOptions } from './save.js';

/** The first 8 bytes of every model buffer. */
export const MODEL_BUFFER_MAGIC = 'DDMODEL\0';
/** The container version written; readers accept 1 to this. */
export const MODEL_BUFFER_VERSION = 1;

const SOURCE = 'the model buffer';
const NAMES: readonly string[] = [MODEL_FILE, WEIGHTS_FILE, OPTIMIZER_FILE];
const MAX_ENTRIES = 8;
const MAX_NAME_BYTES = 255;
const PREAMBLE_BYTES = 16;

/**
 * model.toBuffer(): the files of model.save(dir, options) in one Buffer (its own
 * ArrayBuffer, so it can be transferred to a worker). The model must be idle (checked by the caller).
 */
export async function modelToBuffer(model: Sequential, options?: SaveOptions): Promise<Buffer<ArrayBuffer>> {
  // the values at the call: copied once, straight from the model's arrays into the buffer,
  // a few MB at a time under the read lease (released once the copy is complete)
  return withModelFiles(model, options, async (files) => {
    const names = files.map((f) => new TextEncoder().encode(f.name));
    const total = PREAMBLE_BYTES + files.reduce((n, f, i) => n + 4 + names[i].length + 8 + f.data.size, 0);
    const out = new Uint8Array(total);
    const view = new DataView(out.buffer);
    out.set(new TextEncoder().encode(MODEL_BUFFER_MAGIC), 0);
    view.setUint32(8, MODEL_BUFFER_VERSION, true);
    view.setUint32(12, files.length, true);
    let offset = PREAMBLE_BYTES;
    for (const [i, f] of files.entries()) {
      view.setUint32(offset, names[i].length, true);
      out.set(names[i], offset + 4);
      offset += 4 + names[i].length;
      view.setBigUint64(offset, BigInt(f.data.size), true);
      await copyChunks(f.data, out, offset + 8); // a few MB at a time: the event loop keeps running
      offset += 8 + f.data.size;
    }
    return Buffer.from(out.buffer, 0, out.length);
  });
}

/**
 * Restore a model from model.toBuffer()'s bytes: the architecture, weights, compile options,
 * optimizer state and preprocessing, exactly as dd.loadModel restores a model.save() directory.
 * @param buffer the bytes (a Buffer, any Uint8Array, or an ArrayBuffer, e.g. one received by a worker)
 * @param options `backend`: the model's own backend (default: it follows dd.setBackend)
 * @throws DendriteError (ERR_DENDRITE_INVALID_FILE) for a truncated buffer, a wrong magic or version,
 *   lengths past the end, unknown or repeated entries, trailing bytes, and any problem loadModel reports
 */
export async function modelFromBuffer(buffer: Uint8Array | ArrayBuffer, options: LoadModelOptions = {}): Promise<Sequential> {
  const bytes = buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : buffer;
  if (!(bytes instanceof Uint8Array)) throw invalidParameter('buffer', 'a Buffer, Uint8Array or ArrayBuffer from model.toBuffer()', buffer);
  const backend = checkBackendOption(options);
  const entries = readEntries(bytes);
  const where = (name: string) => `${name} in ${SOURCE}`;
  return restoreModel(async () => ({
    open: async (name) => (entries.has(name) ? memorySource(entries.get(name)!, where(name)) : null),
    where,
    missingModel: () => fileError(SOURCE, `a ${MODEL_FILE} entry`, `entries ${[...entries.keys()].join(', ')}`),
  }), backend);
}

/** The container's entries (views of `bytes`, no copy), every length checked against the bytes left. */
export function readEntries(bytes: Uint8Array): Map<string, Uint8Array> {
  if (bytes.length < PREAMBLE_BYTES) {
    throw fileError(SOURCE, `a model buffer of at least ${PREAMBLE_BYTES} bytes (magic, version, entry count)`, `${bytes.length} bytes (truncated)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = String.fromCharCode(...bytes.subarray(0, 8));
  if (magic !== MODEL_BUFFER_MAGIC) {
    throw fileError(SOURCE, `a buffer from model.toBuffer() (magic ${JSON.stringify(MODEL_BUFFER_MAGIC)})`, `one starting ${JSON.stringify(magic)}`);
  }
  const version = view.getUint32(8, true);
  if (version < 1 || version > MODEL_BUFFER_VERSION) {
    throw fileError(`the version of ${SOURCE}`, `a container version from 1 to ${MODEL_BUFFER_VERSION} (newer buffers need a newer dendrite)`, String(version));
  }
  const count = view.getUint32(12, true);
  if (count < 1 || count > MAX_ENTRIES) throw fileError(`the entry count of ${SOURCE}`, `1 to ${MAX_ENTRIES} entries`, String(count));
  const entries = new Map<string, Uint8Array>();
  let offset = PREAMBLE_BYTES;
  const need = (n: number, what: string, i: number) => {
    if (n > bytes.length - offset) {
      throw fileError(`entry ${i} of ${SOURCE}`, `${what} within the ${bytes.length} bytes`, `${n} bytes at offset ${offset}, past the end (truncated)`);
    }
  };
  for (let i = 0; i < count; i++) {
    need(4, 'a name length', i);
    const nameLength = view.getUint32(offset, true);
    if (nameLength < 1 || nameLength > MAX_NAME_BYTES) throw fileError(`entry ${i} of ${SOURCE}`, `a name length from 1 to ${MAX_NAME_BYTES}`, String(nameLength));
    offset += 4;
    need(nameLength, 'the name', i);
    const name = decodeName(bytes.subarray(offset, offset + nameLength), i);
    if (!NAMES.includes(name)) throw fileError(`entry ${i} of ${SOURCE}`, `one of the files ${NAMES.join(', ')}`, JSON.stringify(name));
    if (entries.has(name)) throw fileError(`entry ${i} of ${SOURCE}`, 'each file once', `a second ${name}`);
    offset += nameLength;
    need(8, 'a data length', i);
    const length = view.getBigUint64(offset, true);
    offset += 8;
    if (length > BigInt(bytes.length - offset)) {
      throw fileError(`${name} in ${SOURCE}`, `a data length of at most ${bytes.length - offset} bytes (the rest of the buffer)`, `${length} (the buffer is truncated or corrupt)`);
    }
    entries.set(name, bytes.subarray(offset, offset + Number(length)));
    offset += Number(length);
  }
  if (offset !== bytes.length) {
    throw fileError(SOURCE, `${offset} bytes (its ${count} entries)`, `${bytes.length} bytes (${bytes.length - offset} after the last entry)`);
  }
  return entries;
}

function decodeName(raw: Uint8Array, i: number): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw fileError(`entry ${i} of ${SOURCE}`, 'a UTF-8 file name', 'bytes that are not UTF-8');
  }
}
