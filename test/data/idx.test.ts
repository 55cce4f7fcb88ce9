// The IDX reader: generated files (plain and gzipped, valid and malformed) and the real Fashion-MNIST files.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CLI_WORDS, FASHION_MNIST_DIR, findMnistFiles, loadDataset, loadMnistDirectory, readIdx, sampleShape } from '../../src/data/index.js';
import * as dd from '../../src/index.js';

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

  it("gives images as [N, H, W, 1] with shape: 'image' (the same values), and rejects it elsewhere", async () => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'dendrite-mnist-image-'));
    const img = (n: number) => idxBytes(0x08, [n, 3, 2], Uint8Array.from({ length: n * 6 }, (_, i) => (i * 41) % 256));
    const lab = (n: number) => idxBytes(0x08, [n], Uint8Array.from({ length: n }, (_, i) => i % 10));
    writeFileSync(path.join(d, 'train-images-idx3-ubyte'), img(12));
    writeFileSync(path.join(d, 'train-labels-idx1-ubyte'), lab(12));
    writeFileSync(path.join(d, 't10k-images-idx3-ubyte'), img(4));
    writeFileSync(path.join(d, 't10k-labels-idx1-ubyte'), lab(4));
    const flat = await loadDataset('mnist', { dataDir: d });
    expect(flat.inputShape).toBeUndefined();
    expect(sampleShape(flat)).toEqual([6]);
    const image = await loadDataset('mnist', { dataDir: d, shape: 'image', limit: 10 });
    expect(image.inputShape).toEqual([3, 2, 1]);
    expect(sampleShape(image)).toEqual([3, 2, 1]);
    expect([image.features, image.train.rows, image.test.rows]).toEqual([6, 10, 4]);
    expect(Array.from(image.train.x)).toEqual(Array.from(flat.train.x.subarray(0, 60)));
    // pixel (h, w) of image n is x[n * H * W + h * W + w]: NHWC with one channel
    const x = dd.tensor(image.train.x, [image.train.rows, ...image.inputShape!]);
    expect(x.shape).toEqual([10, 3, 2, 1]);
    expect(x.data[1 * 6 + 2 * 2 + 1]).toBeCloseTo(((1 * 6 + 2 * 2 + 1) * 41 % 256) / 255, 6);
    expect((await loadMnistDirectory(d, { shape: 'flat' })).inputShape).toBeUndefined();
    await expect(loadMnistDirectory(d, { shape: 'nchw' as never })).rejects.toThrow(`Expected one of 'flat', 'image' for shape but received "nchw"`);
    await expect(loadDataset('spirals', { shape: 'image' })).rejects.toThrow(`Expected an image data set (fashion-mnist, mnist) for shape 'image' but received "spirals"`);
    writeFileSync(path.join(d, 'train-images-idx3-ubyte'), idxBytes(0x08, [12, 6], new Uint8Array(72)));
    writeFileSync(path.join(d, 't10k-images-idx3-ubyte'), idxBytes(0x08, [4, 6], new Uint8Array(24)));
    await expect(loadMnistDirectory(d, { shape: 'image' })).rejects.toThrow(/Expected 2-dimensional images \(IDX shape \[N, H, W\]\) for shape 'image' for .*train-images-idx3-ubyte but received shape \[12, 6\]/);
  });

  it('says how to get Fashion-MNIST when the files are missing', async () => {
    // The CLI's words (its flags) ...
    await expect(loadDataset('fashion-mnist', { dataDir: dir }, CLI_WORDS)).rejects.toThrow(/Expected a directory with the MNIST-format IDX files train-images-idx3-ubyte\[\.gz\].* for --data fashion-mnist but received .*which lacks them\. Install it with `sudo apt-get install dataset-fashion-mnist`.* and pass --data-dir <dir>$/);
    await expect(loadDataset('mnist', {}, CLI_WORDS)).rejects.toThrow("Expected a directory of MNIST-format IDX files (--data 'mnist' needs one) for --data-dir but received none");
    // ... and the library's (its options)
    await expect(dd.data.loadDataset('fashion-mnist', { dataDir: dir })).rejects.toThrow(/for dataDir of 'fashion-mnist' but received .* and pass their directory as \{ dataDir \}$/);
    await expect(dd.data.loadDataset('mnist')).rejects.toThrow("Expected a directory of MNIST-format IDX files (spec 'mnist' needs one) for dataDir but received none");
    // From the library, in the library's words: the option, not the CLI flag.
    const lib = dd.data.loadFashionMnist({ dataDir: dir });
    await expect(lib).rejects.toThrow(/for dataDir but received .*which lacks them\. Install it with .* and pass their directory as \{ dataDir \}$/);
    await expect(dd.data.loadMnist(dir)).rejects.toThrow(/IDX files .* for dir but received/);
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
    const images = await loadDataset('fashion-mnist', { shape: 'image', limit: 256, testLimit: 128 });
    expect(images.inputShape).toEqual([28, 28, 1]);
    expect(Array.from(images.train.x.subarray(0, 784))).toEqual(Array.from(data.train.x.subarray(0, 784)));
    // the input of a conv layer as it comes
    const conv = dd.layers.conv2d({ filters: 4, kernelSize: 3, inputShape: images.inputShape });
    expect(conv.forward(dd.tensor(images.test.x.subarray(0, 2 * 784), [2, ...images.inputShape!])).shape).toEqual([2, 26, 26, 4]);
  });
});
