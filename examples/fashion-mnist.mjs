// Fashion-MNIST to >= 88% test accuracy with an MLP on the native backend.
//
//   sudo apt-get install dataset-fashion-mnist     # Debian/Ubuntu: the IDX files in /usr/share/datasets/fashion-mnist
//   node examples/fashion-mnist.mjs [dir]          # or a directory holding the four *-ubyte[.gz] files
//
// About 5-30 s on 2 cores, loading included. The images come from dd.data.loadFashionMnist as rows of
// 784 pixels in [0, 1] (the loader `dendrite compare --data fashion-mnist` uses).
import * as dd from 'dendrite';

const dir = process.argv[2] ?? dd.data.FASHION_MNIST_DIR;

let data;
try {
  data = await dd.data.loadFashionMnist({ dataDir: dir });
} catch (err) {
  console.error(err.message); // says how to install the files when they are missing
  process.exit(1);
}
const train = { ...dd.data.toTensors(data, 'train'), rows: data.train.rows };
const test = { ...dd.data.toTensors(data, 'test'), rows: data.test.rows };
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
for (let c = 0; c < 10; c++) console.log(`  ${dd.data.FASHION_MNIST_CLASSES[c].padEnd(12)} ${(hits[c] / 10).toFixed(1)}%`);
if (accuracy < 0.88) {
  console.error('Expected a test accuracy of at least 88%');
  process.exitCode = 1;
}
