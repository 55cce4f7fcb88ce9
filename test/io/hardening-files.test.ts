// Hostile files (issue 16): names that would write onto Object.prototype, a tiny model.json
// asking for a huge model, special files (a symlink to /dev/zero, a FIFO, a directory, a
// symlink loop) as weights, deeply nested JSON, and file system errors: every one is a
// DendriteError naming the file, before anything big is allocated or read.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { parseSafetensors, serializeSafetensors } from '../../src/io/safetensors.js';

const root = mkdtempSync(path.join(tmpdir(), 'dendrite-hostile-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let cases = 0;
const tempDir = () => path.join(root, `case-${cases++}`);

async function rejection(promise: Promise<unknown>): Promise<dd.DendriteError> {
  const err = await promise.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(dd.DendriteError);
  expect((err as Error).message).toMatch(/^Expected .* for .* but received /);
  return err as dd.DendriteError;
}

function mlp(): dd.Sequential {
  return dd.sequential([dd.layers.dense({ inputSize: 4, units: 8, activation: 'relu' }), dd.layers.dense({ units: 3 })], { seed: 2 });
}

async function trainedSave(): Promise<string> {
  const model = mlp();
  model.compile({ optimizer: new dd.optimizers.Adam({ lr: 0.01 }), loss: 'mse' });
  await model.fit(dd.tensor(new Float32Array(24).map((_, i) => i / 24), [6, 4]), dd.tensor(new Float32Array(18), [6, 3]), { epochs: 1 });
  const dir = tempDir();
  await model.save(dir);
  return dir;
}

/** Rewrite a safetensors file of the save, renaming its tensors and metadata keys. */
function rewrite(file: string, rename: (name: string) => string, metadata: (m: Record<string, string>) => Record<string, string> = (m) => m): void {
  const parsed = parseSafetensors(readFileSync(file), file);
  const header: Record<string, unknown> = {};
  let offset = 0;
  const parts: Uint8Array[] = [];
  for (const [name, t] of parsed.tensors) {
    const bytes = new Uint8Array(t.data.buffer.slice(0));
    header[rename(name)] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    parts.push(bytes);
    offset += bytes.length;
  }
  // built as text: a plain object literal cannot hold an own __proto__ key
  const json = `{${[`"__metadata__":${JSON.stringify(metadata({ ...parsed.metadata }))}`, ...Object.entries(header).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`)].join(',')}}`;
  writeWithHeader(file, json, parts);
}

function writeWithHeader(file: string, json: string, parts: Uint8Array[] = []): void {
  const head = Buffer.from(json);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(head.length));
  writeFileSync(file, Buffer.concat([length, head, ...parts]));
}

function prototypeIsClean(): void {
  expect(({} as Record<number, unknown>)[0]).toBeUndefined();
  expect(Object.getOwnPropertyNames(Object.prototype).filter((n) => /^\d+$|^expAvg/.test(n))).toEqual([]);
  expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
}

describe('names that would reach Object.prototype', () => {
  it("a tensor '__proto__.0' in optimizer.safetensors is rejected and Object.prototype stays untouched", async () => {
    const dir = await trainedSave();
    const file = path.join(dir, 'optimizer.safetensors');
    rewrite(file, (name) => name.replace(/^expAvg\./, '__proto__.'));
    const err = await rejection(dd.loadModel(dir));
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/without the segments __proto__, constructor or prototype/);
    prototypeIsClean();
  });

  it.each(['constructor', 'prototype', 'layers.0.__proto__', '__proto__'])('a tensor named %j in the weights file is rejected', async (name) => {
    const dir = await trainedSave();
    const file = path.join(dir, 'weights.safetensors');
    rewrite(file, (n) => (n === 'layers.0.bias' ? name : n));
    expect((await rejection(dd.loadModel(dir))).message).toContain(file);
    prototypeIsClean();
  });

  it('metadata keys and model.json keys named __proto__ are rejected', async () => {
    const dir = await trainedSave();
    const weights = path.join(dir, 'weights.safetensors');
    const good = readFileSync(weights);
    rewrite(weights, (n) => n, (m) => Object.assign(m, { 'scalar.constructor': '1' }));
    expect((await rejection(dd.loadModel(dir))).message).toMatch(/without the segments __proto__, constructor or prototype for .*weights\.safetensors but received "scalar\.constructor"/);
    writeFileSync(weights, good);
    const json = path.join(dir, 'model.json');
    const text = readFileSync(json, 'utf8');
    writeFileSync(json, text.replace('"compile": {', '"compile": { "__proto__": { "polluted": 1 },'));
    expect((await rejection(dd.loadModel(dir))).message).toContain(json);
    prototypeIsClean();
  });

  it('modelFromBuffer applies the same checks', async () => {
    const dir = await trainedSave();
    rewrite(path.join(dir, 'optimizer.safetensors'), (name) => name.replace(/^expAvg\./, '__proto__.'));
    const names = ['weights.safetensors', 'optimizer.safetensors', 'model.json'];
    const head = Buffer.alloc(16);
    head.write('DDMODEL\0', 0, 'latin1');
    head.writeUInt32LE(1, 8);
    head.writeUInt32LE(names.length, 12);
    const entries = names.map((name) => {
      const data = readFileSync(path.join(dir, name));
      const meta = Buffer.alloc(4 + name.length + 8);
      meta.writeUInt32LE(name.length, 0);
      meta.write(name, 4, 'latin1');
      meta.writeBigUInt64LE(BigInt(data.length), 4 + name.length);
      return Buffer.concat([meta, data]);
    });
    const err = await rejection(dd.modelFromBuffer(Buffer.concat([head, ...entries])));
    expect(err.message).toMatch(/without the segments __proto__, constructor or prototype for optimizer\.safetensors in the model buffer but received "__proto__\.0"/);
    prototypeIsClean();
  });

});

describe('a model.json asking for more than its files hold', () => {
  it('units: 1e9 is rejected from the weights header, naming model.json, before anything is allocated', async () => {
    const dir = await trainedSave();
    const json = path.join(dir, 'model.json');
    const description = JSON.parse(readFileSync(json, 'utf8'));
    description.model.layers[1].units = 1e9;
    writeFileSync(json, JSON.stringify(description));
    const rss = process.memoryUsage().rss;
    const start = performance.now();
    const err = await rejection(dd.loadModel(dir));
    expect(performance.now() - start).toBeLessThan(1000);
    expect(process.memoryUsage().rss - rss).toBeLessThan(200 * 2 ** 20);
    expect(err.message).toMatch(/^Expected layer configs whose tensors fit .*weights\.safetensors \(\d+ values\) for model\.layers in .*model\.json but received configs whose tensors have 9000000040 values/);
  });

  it('sizes past what a typed array can hold are the same error (no RangeError)', async () => {
    const dir = await trainedSave();
    const json = path.join(dir, 'model.json');
    const description = JSON.parse(readFileSync(json, 'utf8'));
    description.model.layers[1].units = 2 ** 40;
    writeFileSync(json, JSON.stringify(description));
    expect((await rejection(dd.loadModel(dir))).message).toMatch(/for model\.layers in .*model\.json/);
  });

  it('a model.json nested thousands of levels deep is rejected before parsing', async () => {
    const dir = await trainedSave();
    const json = path.join(dir, 'model.json');
    writeFileSync(json, `${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`);
    const start = performance.now();
    expect((await rejection(dd.loadModel(dir))).message).toMatch(/JSON nested at most 16 levels deep for .*model\.json/);
    expect(performance.now() - start).toBeLessThan(1000);
  });
});

describe('safetensors headers', () => {
  it('a deeply nested header is rejected before JSON.parse, quickly', async () => {
    const file = path.join(root, 'deep.safetensors');
    writeWithHeader(file, `{"a":${'['.repeat(5_000_000)}${']'.repeat(5_000_000)}}`);
    const start = performance.now();
    const err = await rejection(dd.loadWeights(mlp(), file));
    expect(err.message).toMatch(/JSON nested at most 3 levels deep for .*deep\.safetensors/);
    expect(performance.now() - start).toBeLessThan(2000);
  });
});

describe('special files and file system errors', () => {
  it('a symlink to /dev/zero is rejected without reading it', async () => {
    const dir = await trainedSave();
    const weights = path.join(dir, 'weights.safetensors');
    rmSync(weights);
    symlinkSync('/dev/zero', weights);
    const err = await rejection(dd.loadModel(dir));
    expect(err.message).toBe(`Expected a regular file for ${weights} but received a device`);
    await rejection(dd.loadWeights(mlp(), weights));
  });

  it('a FIFO is rejected without blocking (the process can still exit)', () => {
    const fifo = path.join(root, 'weights.fifo');
    execFileSync('mkfifo', [fifo]);
    // in a child: a blocked open would keep it alive (the old reader hung even process.exit())
    const script = `
      const dd = require(${JSON.stringify(path.join(__dirname, '..', '..', 'dist', 'index.js'))});
      const model = dd.sequential([dd.layers.dense({ inputSize: 4, units: 3 })]);
      dd.loadWeights(model, ${JSON.stringify(fifo)}).then(() => process.exit(2), (e) => { console.log(e.name + ': ' + e.message); process.exit(0); });`;
    const out = execFileSync(process.execPath, ['-e', script], { timeout: 20_000, encoding: 'utf8' });
    expect(out.trim()).toBe(`DendriteError: Expected a regular file for ${fifo} but received a FIFO (named pipe)`);
  });

  it('missing files, directories and symlink loops are DendriteErrors naming the path', async () => {
    const model = mlp();
    const missing = path.join(root, 'missing.safetensors');
    const e1 = await rejection(dd.loadWeights(model, missing));
    expect(e1.message).toBe(`Expected a readable regular file for ${missing} but received no such file or directory (ENOENT)`);
    const dir = tempDir();
    mkdirSync(dir);
    expect((await rejection(dd.loadWeights(model, dir))).message).toBe(`Expected a regular file for ${dir} but received a directory`);
    const loop = path.join(root, 'loop.safetensors');
    symlinkSync(loop, loop);
    expect((await rejection(dd.loadWeights(model, loop))).message).toMatch(/loop\.safetensors but received a loop of symbolic links \(ELOOP\)/);
    const saveInto = path.join(root, 'a-file');
    writeFileSync(saveInto, 'x');
    await rejection(model.save(path.join(saveInto, 'sub')));
    await rejection(model.saveWeights(path.join(root, 'no-such-dir', 'w.safetensors')));
    const json = path.join(tempDir());
    mkdirSync(path.join(json, 'model.json'), { recursive: true });
    expect((await rejection(dd.loadModel(json))).message).toMatch(/regular file for .*model\.json but received a directory/);
  });

  it('a file truncated after its header was read is an error, not a short read', async () => {
    const file = path.join(root, 'short.safetensors');
    writeFileSync(file, serializeSafetensors(new Map([['layers.0.weight', { data: new Float32Array(12), shape: [4, 3] }]])).subarray(0, 60));
    await rejection(dd.loadWeights(dd.sequential([dd.layers.dense({ inputSize: 4, units: 3, useBias: false })]), file));
  });
});
