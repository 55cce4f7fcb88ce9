// The IDX reader: generated files (plain and gzipped, valid and malformed) and the real Fashion-MNIST files.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FASHION_MNIST_DIR, findMnistFiles, loadDataset, loadMnistDirectory, readIdx } from '../../src/data/index.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'dendrite-idx-'));

/** An IDX file: magic (0, 0, type, dims), big-endian sizes, then the payload. */
export function idxBytes(type: number, shape: number[], payload: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header[2] = type;
  header[3] = shape.length;
  shape.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, payload]);
}

function file(name: string, bytes: Buffer): string {
  const f = path.join(dir, name);
  writeFileSync(f, bytes);
  return f;
}

const pixels = Uint8Array.from({ length: 3 * 2 * 2 }, (_, i) => i * 20);

describe('readIdx', () => {
  it('reads uint8 images, plain and gzipped, and honours limit', async () => {
    const bytes = idxBytes(0x08, [3, 2, 2], pixels);
    for (const f of [file('ok.idx', bytes), file('ok.idx.gz', gzipSync(bytes))]) {
      const a = await readIdx(f);
      expect(a.type).toBe('uint8');
      expect(a.shape).toEqual([3, 2, 2]);
      expect(Array.from(a.data)).toEqual(Array.from(pixels));
      const head = await readIdx(f, { limit: 2 });
      expect(head.shape).toEqual([2, 2, 2]);
      expect(Array.from(head.data)).toEqual(Array.from(pixels.subarray(0, 8)));
    }
  });

  it('decodes big-endian int32 and float32', async () => {
    const ints = Buffer.alloc(8);
    ints.writeInt32BE(-5, 0);
    ints.writeInt32BE(70000, 4);
    expect(Array.from((await readIdx(file('i32.idx', idxBytes(0x0c, [2], ints)))).data)).toEqual([-5, 70000]);
    const floats = Buffer.alloc(8);
    floats.writeFloatBE(1.5, 0);
    floats.writeFloatBE(-0.25, 4);
    expect(Array.from((await readIdx(file('f32.idx', idxBytes(0x0d, [2], floats)))).data)).toEqual([1.5, -0.25]);
  });

  it('rejects a bad magic number with the house error', async () => {
    const bad = idxBytes(0x08, [3, 2, 2], pixels);
    bad[0] = 0x50;
    const f = file('bad-magic.idx', bad);
    await expect(readIdx(f)).rejects.toThrow(`Expected an IDX file (magic number 0x0000TTDD: two zero bytes, a type byte TT of 08, 09, 0b, 0c, 0d or 0e, then the number of dimensions DD >= 1) for ${f} but received magic number 0x50000803`);
    const badType = idxBytes(0x07, [1], Uint8Array.of(1));
    await expect(readIdx(file('bad-type.idx', badType))).rejects.toThrow(/received magic number 0x00000701/);
  });

  it('rejects truncated files: plain, gzipped, and a cut gzip stream', async () => {
    const bytes = idxBytes(0x08, [3, 2, 2], pixels);
    const cut = bytes.subarray(0, bytes.length - 5);
    const plain = file('short.idx', cut);
    await expect(readIdx(plain)).rejects.toThrow(`Expected 12 bytes of uint8 data for shape [3, 2, 2] for ${plain} but received 7 bytes (the file is truncated)`);
    await expect(readIdx(file('short.idx.gz', gzipSync(cut)))).rejects.toThrow(/received 7 bytes \(the file is truncated\)/);
    const gz = gzipSync(bytes);
    await expect(readIdx(file('cut.idx.gz', gz.subarray(0, gz.length - 6)))).rejects.toThrow(/Expected a complete gzip stream for .*cut\.idx\.gz but received a corrupt or truncated one/);
    await expect(readIdx(file('header-only.idx', bytes.subarray(0, 6)))).rejects.toThrow(/received a file of 6 bytes \(truncated\)/);
  });

  it('rejects trailing bytes and missing files', async () => {
    const long = Buffer.concat([idxBytes(0x08, [3, 2, 2], pixels), Buffer.from([1, 2])]);
    await expect(readIdx(file('long.idx', long))).rejects.toThrow(/received 2 more bytes \(trailing data\)/);
    await expect(readIdx(path.join(dir, 'nope.idx'))).rejects.toThrow(/Expected a readable IDX file for .*nope\.idx but received a path that does not exist/);
  });
});

describe('MNIST-format directories', () => {
  it('loads a generated directory and checks labels against images', async () => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'dendrite-mnist-'));
    const img = (n: number) => idxBytes(0x08, [n, 2, 2], Uint8Array.from({ length: n * 4 }, (_, i) => (i * 37) % 256));
    const lab = (n: number) => idxBytes(0x08, [n], Uint8Array.from({ length: n }, (_, i) => i % 10));
    writeFileSync(path.join(d, 'train-images-idx3-ubyte.gz'), gzipSync(img(20)));
    writeFileSync(path.join(d, 'train-labels-idx1-ubyte'), lab(20));
    writeFileSync(path.join(d, 't10k-images-idx3-ubyte'), img(5));
    writeFileSync(path.join(d, 't10k-labels-idx1-ubyte.gz'), gzipSync(lab(5)));
    const data = await loadDataset('mnist', { dataDir: d });
    expect([data.features, data.classes, data.train.rows, data.test.rows]).toEqual([4, 10, 20, 5]);
    expect(data.train.x[1]).toBeCloseTo(37 / 255, 6);
    writeFileSync(path.join(d, 't10k-labels-idx1-ubyte.gz'), gzipSync(lab(4)));
    await expect(loadMnistDirectory(d)).rejects.toThrow(/Expected 5 labels \(one per image in t10k-images-idx3-ubyte\) for .*t10k-labels-idx1-ubyte\.gz but received 4/);
  });

  it('says how to get Fashion-MNIST when the files are missing', async () => {
    await expect(loadDataset('fashion-mnist', { dataDir: dir })).rejects.toThrow(/Expected a directory with the MNIST-format IDX files train-images-idx3-ubyte\[\.gz\].* for --data fashion-mnist but received .*which lacks them\. Install it with `sudo apt-get install dataset-fashion-mnist`/);
    await expect(loadDataset('mnist')).rejects.toThrow('Expected a directory of MNIST-format IDX files with --data mnist for --data-dir but received none');
  });

  const installed = findMnistFiles(FASHION_MNIST_DIR).files !== null;
  if (!installed) {
    // Visible in the test output: the real-data check needs Debian's package.
    console.warn(`NOTE: skipping the real Fashion-MNIST test: ${FASHION_MNIST_DIR} is missing (apt-get install dataset-fashion-mnist)`);
  }
  it.skipIf(!installed)('reads the real Fashion-MNIST files of dataset-fashion-mnist', async () => {
    const data = await loadDataset('fashion-mnist');
    expect([data.features, data.classes, data.train.rows, data.test.rows]).toEqual([784, 10, 60000, 10000]);
    expect(Array.from(data.train.y.subarray(0, 10))).toEqual([9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
    const counts = new Array(10).fill(0);
    for (const c of data.test.y) counts[c]++;
    expect(counts).toEqual(new Array(10).fill(1000));
    let max = 0;
    for (const v of data.train.x) max = Math.max(max, v);
    expect(max).toBe(1);
  });
});
