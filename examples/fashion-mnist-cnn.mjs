// Fashion-MNIST to >= 91.5% test accuracy with a small CNN on the native backend.
//
//   sudo apt-get install dataset-fashion-mnist       # Debian/Ubuntu: the IDX files in /usr/share/datasets/fashion-mnist
//   node examples/fashion-mnist-cnn.mjs [dir]        # or a directory holding the four *-ubyte[.gz] files
//
// Two conv blocks (conv2d 3x3 + batch norm + max pooling), a dense layer with dropout,
// Adam with cosine annealing, 10 epochs: a few minutes on 2 cores. The images come from
// dd.data.loadFashionMnist as channels-last [N, 28, 28, 1] (`shape: 'image'`). Exits with
// status 1 below 91.5%.
import * as dd from 'dendrite';

const TARGET = 0.915;
const dir = process.argv[2] ?? dd.data.FASHION_MNIST_DIR;

let data;
try {
  data = await dd.data.loadFashionMnist({ dataDir: dir, shape: 'image' });
} catch (err) {
  console.error(err.message); // says how to install the files when they are missing
  process.exit(1);
}
const { train, test, inputShape } = data; // inputShape [28, 28, 1]
const { x } = dd.data.toTensors(data, 'train'); // [60000, 28, 28, 1]
const { x: testX } = dd.data.toTensors(data, 'test');
console.log(`Fashion-MNIST: ${train.rows} training and ${test.rows} test images [${inputShape.join(', ')}]; backend ${dd.getBackend()}, ${dd.getNumThreads()} threads`);

const model = dd.sequential([
  dd.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: 'heUniform', inputShape }),
  dd.layers.batchNorm(),
  dd.layers.maxPool2d({ poolSize: 2 }),
  dd.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: 'heUniform' }),
  dd.layers.batchNorm(),
  dd.layers.maxPool2d({ poolSize: 2 }),
  dd.layers.flatten(),
  dd.layers.dropout({ rate: 0.25 }),
  dd.layers.dense({ units: 128, activation: 'relu', kernelInitializer: 'heUniform' }),
  dd.layers.dropout({ rate: 0.4 }),
  dd.layers.dense({ units: 10 }),
], { seed: 1 });
const epochs = 10;
const optimizer = new dd.optimizers.Adam({ lr: 2e-3 });
model.compile({ optimizer, loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });
console.log(model.summary());

const started = performance.now();
await model.fit(x, train.y, {
  epochs, batchSize: 128, shuffle: true, seed: 1, validationData: [testX, test.y],
  callbacks: [
    new dd.schedules.CosineAnnealingLR(optimizer, { tMax: epochs, etaMin: 1e-5 }),
    {
      onEpochEnd: (epoch, logs) => console.log(`epoch ${String(epoch + 1).padStart(2)}/${epochs}: loss ${logs.loss.toFixed(4)}, ` +
        `train accuracy ${(logs.accuracy * 100).toFixed(2)}%, test accuracy ${(logs.valAccuracy * 100).toFixed(2)}% (${logs.time.toFixed(1)} s)`),
    },
  ],
});
const seconds = (performance.now() - started) / 1000;

const { loss, accuracy } = model.evaluate(testX, test.y);
console.log(`test loss ${loss.toFixed(4)}, test accuracy ${(accuracy * 100).toFixed(2)}% after ${seconds.toFixed(1)} s of training`);

// per-class accuracy on the test set
const logits = model.predict(testX).data;
const hits = new Array(10).fill(0);
const totals = new Array(10).fill(0);
for (let r = 0; r < test.rows; r++) {
  let best = 0;
  for (let c = 1; c < 10; c++) if (logits[r * 10 + c] > logits[r * 10 + best]) best = c;
  totals[test.y[r]]++;
  if (best === test.y[r]) hits[test.y[r]]++;
}
for (let c = 0; c < 10; c++) console.log(`  ${dd.data.FASHION_MNIST_CLASSES[c].padEnd(12)} ${(100 * hits[c] / Math.max(1, totals[c])).toFixed(1)}%`);
if (accuracy < TARGET) {
  console.error(`Expected a test accuracy of at least ${(TARGET * 100).toFixed(1)}% but received ${(accuracy * 100).toFixed(2)}%`);
  process.exitCode = 1;
}
