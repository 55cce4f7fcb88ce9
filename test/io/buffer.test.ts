// model.toBuffer / dd.modelFromBuffer: the files of model.save in one container. Round trips
// (weights, optimizer state, predictions, continued training, preprocessing), the same bytes
// as a saved directory, and hostile buffers: truncated, wrong magic, lengths past the end.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { MODEL_BUFFER_MAGIC, readEntries } from '../../src/io/buffer.js';
import { rng } from '../helpers.js';

const root = mkdtempSync(path.join(tmpdir(), 'dendrite-buffer-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function data(): { x: dd.Tensor; y: Int32Array } {
  const r = rng(7);
  const x = new Float32Array(32 * 3).map(() => r() * 4 - 2);
  const y = Int32Array.from({ length: 32 }, (_, i) => (x[3 * i] > 0 ? 1 : 0) + (x[3 * i + 1] > 0.5 ? 1 : 0));
  return { x: dd.tensor(x, [32, 3]), y };
}

function mlp(): dd.Sequential {
  return dd.sequential([
    dd.layers.dense({ inputSize: 3, units: 6, activation: 'tanh' }),
    dd.layers.dropout({ rate: 0.2 }),
    dd.layers.dense({ units: 3 }),
  ], { seed: 4 });
}

async function trained(): Promise<dd.Sequential> {
  const { x, y } = data();
  const model = mlp();
  model.compile({ optimizer: new dd.optimizers.Adam({ lr: 0.01, amsgrad: true }), loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });
  await model.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false });
  return model;
}

/** A container with the given entries (and, to corrupt it, another magic, version or count). */
function pack(entries: [string, Uint8Array][], header: { magic?: string; version?: number; count?: number } = {}): Buffer {
  const parts: Buffer[] = [];
  const preamble = Buffer.alloc(16);
  preamble.write(header.magic ?? MODEL_BUFFER_MAGIC, 0, 'latin1');
  preamble.writeUInt32LE(header.version ?? 1, 8);
  preamble.writeUInt32LE(header.count ?? entries.length, 12);
  parts.push(preamble);
  for (const [name, bytes] of entries) {
    const n = Buffer.from(name, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32LE(n.length);
    const size = Buffer.alloc(8);
    size.writeBigUInt64LE(BigInt(bytes.length));
    parts.push(len, n, size, Buffer.from(bytes));
  }
  return Buffer.concat(parts);
}

async function rejectsWith(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  const err = await promise.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(dd.DendriteError);
  expect((err as Error).message).toMatch(/^Expected .* for .* but received /);
  expect((err as Error).message).toMatch(pattern);
}

describe('model.toBuffer / dd.modelFromBuffer', () => {
  it('round-trips the architecture, weights, compile options and optimizer state; predictions are identical', async () => {
    const { x, y } = data();
    const model = await trained();
    const buf = await model.toBuffer();
    expect(Buffer.isBuffer(buf)).toBe(true);
    expect(buf.subarray(0, 8).toString('latin1')).toBe('DDMODEL\0');
    expect([...readEntries(buf).keys()]).toEqual(['weights.safetensors', 'optimizer.safetensors', 'model.json']);

    const loaded = await dd.modelFromBuffer(buf);
    expect(loaded.getConfig()).toEqual(model.getConfig());
    expect(loaded.getWeights()).toEqual(model.getWeights());
    expect(loaded.getCompileConfig()).toEqual(model.getCompileConfig());
    expect(loaded.optimizer!.stateDict()).toEqual(model.optimizer!.stateDict());
    expect(loaded.predict(x).data).toEqual(model.predict(x).data);
    expect(loaded.evaluate(x, y)).toEqual(model.evaluate(x, y));
  });

  it('training continues identically (optimizer state and dropout counters included)', async () => {
    const { x, y } = data();
    const model = await trained();
    const copy = await dd.modelFromBuffer(await model.toBuffer());
    await model.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false });
    await copy.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false });
    expect(copy.getWeights()).toEqual(model.getWeights());
    expect(copy.optimizer!.stateDict()).toEqual(model.optimizer!.stateDict());
  });

  it('holds exactly the files of model.save(dir): a container of a saved directory loads', async () => {
    const model = await trained();
    const dir = path.join(root, 'saved');
    await model.save(dir);
    const fromFiles = pack(['weights.safetensors', 'optimizer.safetensors', 'model.json'].map((n) => [n, readFileSync(path.join(dir, n))]));
    const loaded = await dd.modelFromBuffer(fromFiles);
    expect(loaded.getWeights()).toEqual(model.getWeights());
    expect(loaded.optimizer!.stateDict()).toEqual(model.optimizer!.stateDict());

    const entries = readEntries(await model.toBuffer());
    const json = (bytes: Uint8Array) => ({ ...JSON.parse(Buffer.from(bytes).toString('utf8')), saveId: 'x' });
    expect(json(entries.get('model.json')!)).toEqual(json(readFileSync(path.join(dir, 'model.json'))));
    // A buffer written back as files loads with dd.loadModel.
    const back = path.join(root, 'from-buffer');
    mkdirSync(back);
    for (const [name, bytes] of entries) writeFileSync(path.join(back, name), bytes);
    expect((await dd.loadModel(back)).getWeights()).toEqual(model.getWeights());
  });

  it('includeOptimizer: false and uncompiled models', async () => {
    const model = await trained();
    const lean = await model.toBuffer({ includeOptimizer: false });
    expect([...readEntries(lean).keys()]).toEqual(['weights.safetensors', 'model.json']);
    const loaded = await dd.modelFromBuffer(lean);
    expect(loaded.optimizer!.iterations).toBe(0);
    expect(loaded.getWeights()).toEqual(model.getWeights());

    const plain = mlp();
    const again = await dd.modelFromBuffer(await plain.toBuffer());
    expect(again.optimizer).toBeNull();
    expect(again.getWeights()).toEqual(plain.getWeights());
    await rejectsWith(plain.toBuffer({ includeOptimizer: true }), /a compiled model for includeOptimizer: true/);
    await rejectsWith(plain.toBuffer({ layout: 'torch' } as never), /layout/);
  });

  it('reads an ArrayBuffer (transferred to a worker), a Uint8Array view at an offset, and keeps preprocessing', async () => {
    const model = await trained();
    dd.data.setPreprocessing(model, { scaler: new dd.data.StandardScaler({ mean: [1, 2, 3], std: [1, 2, 4] }), labels: new dd.data.LabelEncoder(['a', 'b', 'c']) });
    const buf = await model.toBuffer();
    expect(buf.byteOffset).toBe(0);
    expect(buf.buffer.byteLength).toBe(buf.length);
    const moved = structuredClone(buf.buffer, { transfer: [buf.buffer] });
    expect(buf.length).toBe(0); // detached: the bytes moved
    const loaded = await dd.modelFromBuffer(moved);
    expect(loaded.getWeights()).toEqual(model.getWeights());
    expect(dd.data.preprocessingOf(loaded)!.toJSON()).toEqual(dd.data.preprocessingOf(model)!.toJSON());
    expect(dd.data.predictLabels(loaded, [[1, 2, 3]])).toEqual(dd.data.predictLabels(model, [[1, 2, 3]]));

    const bytes = new Uint8Array(moved);
    const embedded = new Uint8Array(bytes.length + 13);
    embedded.set(bytes, 5);
    expect((await dd.modelFromBuffer(embedded.subarray(5, 5 + bytes.length))).getWeights()).toEqual(model.getWeights());
  });

  it('rejects every truncation of a valid buffer', async () => {
    const buf = await mlp().toBuffer();
    for (let n = 0; n < buf.length; n += n < 64 ? 1 : 37) {
      await rejectsWith(dd.modelFromBuffer(buf.subarray(0, n)), /the model buffer|model\.json|weights\.safetensors/);
    }
    await rejectsWith(dd.modelFromBuffer(buf.subarray(0, 10)), /at least 16 bytes .* for the model buffer but received 10 bytes \(truncated\)/);
  });

  it('rejects a wrong magic or version, bad counts, names and lengths, trailing bytes', async () => {
    const good = readEntries(await mlp().toBuffer());
    const files = [...good] as [string, Uint8Array][];
    await rejectsWith(dd.modelFromBuffer(pack(files, { magic: 'PK\u0003\u0004xxxx' })), /magic "DDMODEL\\u0000"\) for the model buffer but received one starting "PK/);
    await rejectsWith(dd.modelFromBuffer(pack(files, { version: 2 })), /a container version from 1 to 1 .* for the version of the model buffer but received 2/);
    await rejectsWith(dd.modelFromBuffer(pack(files, { version: 0 })), /container version/);
    await rejectsWith(dd.modelFromBuffer(pack([], { count: 0 })), /1 to 8 entries for the entry count of the model buffer but received 0/);
    await rejectsWith(dd.modelFromBuffer(pack(files, { count: 0xffffffff })), /entry count/);
    await rejectsWith(dd.modelFromBuffer(pack(files, { count: 3 })), /entry 2 of the model buffer but received 4 bytes at offset \d+, past the end/);
    await rejectsWith(dd.modelFromBuffer(pack([['notes.txt', Uint8Array.of(1)], ...files])), /one of the files model\.json, weights\.safetensors, optimizer\.safetensors for entry 0 .* "notes.txt"/);
    await rejectsWith(dd.modelFromBuffer(pack([...files, files[0]])), /each file once for entry 2 of the model buffer but received a second weights\.safetensors/);
    await rejectsWith(dd.modelFromBuffer(pack([['', Uint8Array.of()]])), /a name length from 1 to 255 for entry 0 .* received 0/);
    await rejectsWith(dd.modelFromBuffer(pack(files.slice(0, 1))), /a model\.json entry for the model buffer but received entries weights\.safetensors/);
    await rejectsWith(dd.modelFromBuffer(pack(files.slice(1))), /the weights\.safetensors of the save .* for weights\.safetensors in the model buffer but received no such file/);
    await rejectsWith(dd.modelFromBuffer(Buffer.concat([pack(files), Buffer.of(0)])), /bytes \(its 2 entries\) for the model buffer but received \d+ bytes \(1 after the last entry\)/);

    const huge = pack(files);
    const nameLength = huge.readUInt32LE(16);
    huge.writeBigUInt64LE(2n ** 63n, 20 + nameLength);  // the first entry's data length
    await rejectsWith(dd.modelFromBuffer(huge), /a data length of at most \d+ bytes .* for weights\.safetensors in the model buffer but received 9223372036854775808/);
    const longName = pack(files);
    longName.writeUInt32LE(0x7fffffff, 16);
    await rejectsWith(dd.modelFromBuffer(longName), /name length from 1 to 255 .* received 2147483647/);
    const badUtf8 = pack([['model.json', Uint8Array.of(1)]]);
    badUtf8[20] = 0xff;
    await rejectsWith(dd.modelFromBuffer(badUtf8), /a UTF-8 file name for entry 0/);
  });

  it('names the entry for a corrupt file inside the container', async () => {
    const files = [...readEntries(await (await trained()).toBuffer())] as [string, Uint8Array][];
    const edit = (name: string, bytes: Uint8Array) => pack(files.map(([n, b]) => [n, n === name ? bytes : b]));
    await rejectsWith(dd.modelFromBuffer(edit('weights.safetensors', files[0][1].subarray(0, 20))), /weights\.safetensors in the model buffer/);
    await rejectsWith(dd.modelFromBuffer(edit('optimizer.safetensors', Uint8Array.of(1, 2))), /optimizer\.safetensors in the model buffer but received a file of 2 bytes/);
    await rejectsWith(dd.modelFromBuffer(edit('model.json', Buffer.from('{'))), /a JSON model description for model\.json in the model buffer/);
    await rejectsWith(dd.modelFromBuffer(edit('model.json', Uint8Array.of(0xc3, 0x28))), /UTF-8 JSON model description for model\.json in the model buffer/);
    const json = JSON.parse(Buffer.from(files[2][1]).toString('utf8'));
    const withPre = (preprocessing: unknown) => edit('model.json', Buffer.from(JSON.stringify({ ...json, preprocessing })));
    await rejectsWith(dd.modelFromBuffer(withPre([1])), /an object \{ scaling\?, classNames\? \} \(or no field\) for preprocessing in model\.json in the model buffer/);
    await rejectsWith(dd.modelFromBuffer(withPre({ classNames: ['a', 'b'] })), /for preprocessing in model\.json in the model buffer but received one that fails with: Expected 3 classes/);
    await rejectsWith(dd.modelFromBuffer(withPre({ scaling: { mean: [0, 0, 0], std: [1, -1, 1] } })), /fails with: Expected a finite number > 0 for json\.std\[1\]/);
  });

  it('rejects what is not a buffer, and a bad backend before reading', async () => {
    await rejectsWith(dd.modelFromBuffer('model' as never), /a Buffer, Uint8Array or ArrayBuffer from model\.toBuffer\(\) for buffer but received "model"/);
    await rejectsWith(dd.modelFromBuffer(Buffer.alloc(3), { backend: 'tpu' as never }), /backend/);
    await rejectsWith(dd.modelFromBuffer(Buffer.alloc(3), { device: 'x' } as never), /device/);
  });
});
