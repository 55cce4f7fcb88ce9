// Data-parallel training on MPI: the Fashion-MNIST MLP of fashion-mnist.mjs on every rank of
// the job, each on its own shard of every epoch, gradients averaged every step.
//
//   sudo apt-get install openmpi-bin libopenmpi-dev dataset-fashion-mnist   # then npm install (builds MPI in)
//   mpirun -np 2 node examples/data-parallel.mjs [dir]     # 2 ranks (add --allow-run-as-root in a root container)
//   node examples/data-parallel.mjs [dir]                  # the same as a single process, to compare
//
// 64 rows per rank and step (a global batch of 64 x ranks; the learning rate scales with it).
// Rank 0 prints, writes a checkpoint after every epoch and saves the model; every rank gets the
// same History. About 5 s on 2 cores (89% test accuracy).
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as dd from 'dendrite';

const dist = dd.distributed.init();  // size 1 under plain node
const log = (...args) => dist.isRoot && console.log(...args);
const dir = process.argv[2] ?? dd.data.FASHION_MNIST_DIR;
let data;
try {
  data = await dd.data.loadFashionMnist({ dataDir: dir });  // rows of 784 pixels in [0, 1]
} catch (err) {
  console.error(err.message); // says how to install the files when they are missing
  process.exit(1);
}
const train = { ...dd.data.toTensors(data, 'train'), rows: data.train.rows };
const test = dd.data.toTensors(data, 'test');
log(`${dist.size} rank(s)${dist.mpi ? ` (${dist.library.split(',')[0]})` : ''}, ${dd.getNumThreads()} native thread(s) each`);

const model = dd.sequential([
  dd.layers.dense({ inputSize: 784, units: 256, activation: 'relu', kernelInitializer: 'heUniform' }),
  dd.layers.dense({ units: 128, activation: 'relu', kernelInitializer: 'heUniform' }),
  dd.layers.dense({ units: 10 }),
], { seed: 1 });
const epochs = 8;
const optimizer = new dd.optimizers.Adam({ lr: 1e-3 * Math.sqrt(dist.size) });
model.compile({ optimizer, loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });

const checkpoints = path.join(os.tmpdir(), 'dendrite-data-parallel');
const started = performance.now();
const history = await model.fit(train.x, train.y, {
  epochs, batchSize: 64, seed: 1, distributed: dist,
  callbacks: [
    new dd.schedules.CosineAnnealingLR(optimizer, { tMax: epochs, etaMin: 1e-5 }),
    { onEpochEnd: async (epoch, logs) => {
      log(`epoch ${epoch + 1}/${epochs}: loss ${logs.loss.toFixed(4)}, train accuracy ${(logs.accuracy * 100).toFixed(2)}% (${logs.time.toFixed(1)} s)`);
      if (dist.isRoot) await model.save(path.join(checkpoints, `epoch-${epoch + 1}`));
    } },
  ],
});
const seconds = (performance.now() - started) / 1000;
const samples = history.epoch.length * train.rows;
const { accuracy } = model.evaluate(test.x, test.y);  // identical weights on every rank
log(`test accuracy ${(accuracy * 100).toFixed(2)}%; ${(samples / seconds / 1000).toFixed(1)}k samples/s over all ranks (${seconds.toFixed(1)} s)`);
if (dist.isRoot) rmSync(checkpoints, { recursive: true, force: true });
if (accuracy < 0.85) {
  console.error(`rank ${dist.rank}: expected a test accuracy of at least 85%`);
  process.exitCode = 1;
}
