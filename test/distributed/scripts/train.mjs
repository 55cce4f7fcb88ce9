// Data-parallel scenarios, run by test/distributed/*.test.ts as `node train.mjs <json>` (one rank)
// or under `mpirun -np 2`. Each rank writes <out>/rank<r>.json: its initial and final weights,
// history and rank info. Scenarios: 'equivalence' (default), 'mismatch', 'throw', 'info';
// plain: true fits without the distributed option.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import dd from '../../../dist/index.js';

const args = JSON.parse(process.argv[2] ?? '{}');
const { scenario = 'equivalence', out, optimizer = 'sgd', backend = 'cpu', batchSize = 128, steps = 50, plain = false } = args;
dd.setBackend(backend);
const dist = dd.distributed.init();
const write = (data) => {
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, `rank${dist.rank}.json`), JSON.stringify({ rank: dist.rank, size: dist.size, mpi: dist.mpi, ...data }));
};

if (scenario === 'info') {
  write({ localRank: dist.localRank, localSize: dist.localSize, threadLevel: dist.threadLevel, threads: dd.getNumThreads(), compiled: dd.distributed.compiled });
} else {
  // A seeded 3-class problem; every rank holds the same rows (as with a DistributedSampler).
  const rows = 3200, width = 10, classes = 3;
  let s = 12345;
  const rand = () => ((s = (Math.imul(s ^ (s >>> 15), 1 | s) + 0x6d2b79f5) | 0), ((s >>> 0) % 1e6) / 1e6);
  const x = new Float32Array(rows * width).map(() => rand() * 2 - 1);
  const y = new Int32Array(rows).map((_, r) => (x[r * width] + x[r * width + 1] > 0.3 ? 2 : x[r * width + 2] > 0 ? 1 : 0));
  // Rank-dependent initial weights: only the start-of-fit broadcast makes the ranks agree.
  const hidden = scenario === 'mismatch' && dist.rank === 1 ? 33 : 32;
  const model = dd.sequential([dd.layers.dense({ units: hidden, activation: 'tanh', inputSize: width }), dd.layers.dense({ units: classes })], { seed: dist.rank });
  const opt = optimizer === 'adam' ? new dd.optimizers.Adam({ lr: 0.01 }) : new dd.optimizers.SGD({ lr: 0.1, momentum: 0.9 });
  model.compile({ optimizer: opt, loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });
  const initial = model.getWeights().map((w) => Array.from(w));
  const callbacks = scenario === 'throw'
    ? [{ onEpochEnd: (epoch) => { if (dist.rank === 1 && epoch === 0) throw new Error('callback failed on purpose'); } }]
    : [];
  const globalBatch = batchSize * dist.size;
  const epochs = Math.ceil((steps * globalBatch) / rows);
  try {
    const history = await model.fit(x, y, { epochs, batchSize, seed: 7, callbacks, ...(plain ? {} : { distributed: dist }) });
    write({ initial, final: model.getWeights().map((w) => Array.from(w)), history: history.history, iterations: opt.iterations });
  } catch (err) {
    write({ error: err.message, code: err.code });
  }
}
