// Fashion-MNIST for the examples: a deliberately tiny reader of the gzipped IDX files
// (sudo apt-get install dataset-fashion-mnist puts them in /usr/share/datasets/fashion-mnist).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as dd from 'dendrite';

export const CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** An IDX file (gzipped): big-endian header, then uint8 values. */
function readIdx(dir, name) {
  let bytes;
  try {
    bytes = gunzipSync(readFileSync(path.join(dir, `${name}.gz`)));
  } catch (err) {
    console.error(`Cannot read ${path.join(dir, name)}.gz (${err.code ?? err.message}).\nInstall the data: sudo apt-get install dataset-fashion-mnist, or pass a directory with the Fashion-MNIST files.`);
    process.exit(1);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0) !== 0 || bytes[2] !== 0x08) throw new Error(`${name}: not an IDX file of uint8 values`);
  const shape = Array.from({ length: bytes[3] }, (_, i) => view.getUint32(4 + 4 * i));
  return { shape, data: bytes.subarray(4 + 4 * shape.length) };
}

/** The 'train' or 't10k' images (scaled to [0, 1], [rows, 784]) and labels of `dir`. */
export function loadFashionMnist(dir, prefix) {
  const images = readIdx(dir, `${prefix}-images-idx3-ubyte`);
  const labels = readIdx(dir, `${prefix}-labels-idx1-ubyte`);
  const [rows, h, w] = images.shape;
  const x = new Float32Array(rows * h * w);
  for (let i = 0; i < x.length; i++) x[i] = images.data[i] / 255;
  return { x: dd.tensor(x, [rows, h * w]), y: Int32Array.from(labels.data), rows };
}
