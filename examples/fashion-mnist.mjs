// Fashion-MNIST to >= 88% test accuracy with an MLP on the native backend.
//
//   sudo apt-get install dataset-fashion-mnist     # Debian/Ubuntu: the IDX files in /usr/share/datasets/fashion-mnist
//   node examples/fashion-mnist.mjs [dir]          # or a directory holding the four *-ubyte.gz files
//
// About 20-30 s on 2 cores. The IDX reader below is deliberately tiny; `dendrite compare
// --data fashion-mnist` uses dendrite's streaming, validating loader.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as dd from 'dendrite';

const dir = process.argv[2] ?? '/usr/share/datasets/fashion-mnist';
const CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** An IDX file (gzipped): big-endian header, then uint8 values. */
function readIdx(name) {
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

function load(prefix) {
  const images = readIdx(`${prefix}-images-idx3-ubyte`);
  const labels = readIdx(`${prefix}-labels-idx1-ubyte`);
  const [rows, h, w] = images.shape;
  const x = new Float32Array(rows * h * w);
  for (let i = 0; i < x.length; i++) x[i] = images.data[i] / 255;
  return { x: dd.tensor(x, [rows, h * w]), y: Int32Array.from(labels.data), rows };
}

const train = load('train');
const test = load('t10k');
console.log(`Fashion-MNIST: ${train.rows} training and ${test.rows} test images; backend ${dd.getBackend()}, ${dd.getNumThreads()} threads`);

const model = dd.sequential([
  dd.layers.dense({ inputSize: 784, units: 256, activation: 'relu', kernelInitializer: 'heUniform' }),
  dd.layers.dense({ units: 128, activation: 'relu', kernelInitializer: 'heUniform' }),
  dd.layers.dense({ units: 10 }),
], { seed: 1 });
const epochs = 15;
const optimizer = new dd.optimizers.Adam({ lr: 1e-3 });
model.compile({ optimizer, loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });
console.log(model.summary());

const started = performance.now();
await model.fit(train.x, train.y, {
  epochs, batchSize: 128, shuffle: true, seed: 1,
  callbacks: [
    new dd.schedules.CosineAnnealingLR(optimizer, { tMax: epochs, etaMin: 1e-5 }),
    { onEpochEnd: (epoch, logs) => console.log(`epoch ${String(epoch + 1).padStart(2)}/${epochs}: loss ${logs.loss.toFixed(4)}, train accuracy ${(logs.accuracy * 100).toFixed(2)}% (${logs.time.toFixed(1)} s)`) },
  ],
});
const seconds = (performance.now() - started) / 1000;

const { loss, accuracy } = model.evaluate(test.x, test.y);
console.log(`test loss ${loss.toFixed(4)}, test accuracy ${(accuracy * 100).toFixed(2)}% after ${seconds.toFixed(1)} s of training`);

// per-class accuracy on the test set
const logits = model.predict(test.x).data;
const hits = new Array(10).fill(0);
for (let r = 0; r < test.rows; r++) {
  let best = 0;
  for (let c = 1; c < 10; c++) if (logits[r * 10 + c] > logits[r * 10 + best]) best = c;
  if (best === test.y[r]) hits[test.y[r]]++;
}
for (let c = 0; c < 10; c++) console.log(`  ${CLASSES[c].padEnd(12)} ${(hits[c] / 10).toFixed(1)}%`);
if (accuracy < 0.88) {
  console.error('Expected a test accuracy of at least 88%');
  process.exitCode = 1;
}
