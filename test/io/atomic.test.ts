// Atomic saves: a failure in the middle of a save (a write that dies half-way,
// as on a full disk) leaves the previous save intact and loadable, and leaves no
// temporary files behind. The failure is injected by wrapping node:fs/promises.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import * as dd from '../../src/index.js';
import { writeFileAtomic } from '../../src/io/atomic.js';

/** Paths matching `failWrite` get half their bytes written, then ENOSPC; `failRename` targets fail to rename. */
const inject = vi.hoisted(() => ({ failWrite: null as RegExp | null, failRename: null as RegExp | null }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  const open = async (...args: Parameters<typeof fs.open>) => {
    const handle = await fs.open(...args);
    if (!inject.failWrite?.test(String(args[0]))) return handle;
    const halfThenFail = async (bytes: Uint8Array) => {
      await handle.write(bytes.subarray(0, bytes.length >> 1));
      throw enospc();
    };
    return {
      writeFile: async (data: Uint8Array | string) => halfThenFail(typeof data === 'string' ? Buffer.from(data) : data),
      write: async (data: Uint8Array, offset = 0, length = data.length - offset) => halfThenFail(data.subarray(offset, offset + length)),
      sync: () => handle.sync(),
      close: () => handle.close(),
    };
  };
  const rename = async (from: string, to: string) => {
    if (inject.failRename?.test(to)) throw Object.assign(new Error(`EIO: i/o error, rename '${from}' -> '${to}'`), { code: 'EIO' });
    return fs.rename(from, to);
  };
  return { ...fs, open, rename, default: { ...fs, open, rename } };
});

const root = mkdtempSync(path.join(tmpdir(), 'dendrite-atomic-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => {
  inject.failWrite = null;
  inject.failRename = null;
});

function trainedModel(seed: number): dd.Sequential {
  const model = dd.sequential([dd.layers.dense({ inputSize: 3, units: 4, activation: 'relu' }), dd.layers.dense({ units: 2 })], { seed });
  model.compile({ optimizer: new dd.optimizers.Adam({ lr: 0.1 }), loss: 'mse' });
  return model;
}

async function fit(model: dd.Sequential): Promise<void> {
  await model.fit(dd.tensor([[1, 2, 3], [-1, 0, 1]]), dd.tensor([[1, 0], [0, 1]]), { epochs: 2 });
}

const snapshot = (dir: string) => Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(path.join(dir, f))]));

describe('atomic saves', () => {
  it.each([
    ['weights.safetensors', /weights\.safetensors/],
    ['optimizer.safetensors (the second file)', /optimizer\.safetensors/],
    ['model.json (the last file)', /model\.json/],
  ])('a write failing half-way through %s leaves the old save intact', async (_name, pattern) => {
    const dir = path.join(root, `fail-${readdirSync(root).length}`);
    const old = trainedModel(1);
    await fit(old);
    await old.save(dir);
    const before = snapshot(dir);

    const next = trainedModel(2);
    await fit(next);
    inject.failWrite = new RegExp(`\\.dendrite-[0-9a-f-]+\\.${pattern.source}\\.tmp$`);
    await expect(next.save(dir)).rejects.toThrow(/ENOSPC/);

    expect(snapshot(dir)).toEqual(before); // same files, same bytes, no temporary files left
    const loaded = await dd.loadModel(dir);
    expect(loaded.getWeights()).toEqual(old.getWeights());
    expect(loaded.optimizer!.stateDict()).toEqual(old.optimizer!.stateDict());
  });

  it('a save that fails after its commit record is loaded as the new save; the next save finishes it', async () => {
    const dir = path.join(root, 'interrupted-commit');
    const old = trainedModel(1);
    await fit(old);
    await old.save(dir);
    const next = trainedModel(2);
    await fit(next);
    inject.failRename = /model\.json$/;
    await expect(next.save(dir)).rejects.toThrow(/EIO/);
    expect(readdirSync(dir).filter((f) => f.startsWith('.dendrite-') && f.endsWith('.model.json.tmp'))).toHaveLength(1);
    expect(readdirSync(dir)).toContain('.dendrite-save.json'); // the commit record: the new save is the current one
    expect((await dd.loadModel(dir)).getWeights()).toEqual(next.getWeights());
    inject.failRename = null;
    const third = trainedModel(3);
    await fit(third);
    await third.save(dir);
    expect(readdirSync(dir).sort()).toEqual(['model.json', 'optimizer.safetensors', 'weights.safetensors']);
    expect((await dd.loadModel(dir)).getWeights()).toEqual(third.getWeights());
  });

  it('saveWeights replaces a file atomically too', async () => {
    const file = path.join(root, 'weights-only.safetensors');
    const old = trainedModel(1);
    await old.saveWeights(file);
    const before = readFileSync(file);
    inject.failWrite = /weights-only\.safetensors\.\d+\.[0-9a-f]+\.tmp$/;
    await expect(trainedModel(2).saveWeights(file)).rejects.toThrow(/ENOSPC/);
    expect(readFileSync(file)).toEqual(before);
    expect(readdirSync(root).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('writeFileAtomic creates and replaces files; a missing directory is an error, not a partial file', async () => {
    const file = path.join(root, 'plain.txt');
    await writeFileAtomic(file, 'one');
    await writeFileAtomic(file, 'two');
    expect(readFileSync(file, 'utf8')).toBe('two');
    await expect(writeFileAtomic(path.join(root, 'missing', 'x.txt'), 'x')).rejects.toThrow(/ENOENT/);
  });
});
