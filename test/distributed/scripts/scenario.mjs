// Data-parallel scenarios, run by test/distributed/*.test.ts as `node scenario.mjs <json>` (one
// rank) or under `mpirun -np 2`. Each rank writes <out>/rank<r>.json: its initial and final
// weights, history and rank info. Scenarios: 'equivalence' (default; plain: true fits without
// the distributed option), 'padded', and ranks that differ: 'mismatch', 'lr', 'bucket', 'uneven'
// (progress and per-batch hooks on rank 0 only), 'nan' (terminateOnNaN on rank 0 only), 'stop'
// (rank 1 stops in onTrainBegin), 'invalid' (a bad option on rank 1), 'abort' (rank 1's signal),
// 'busy' (a collective during fit); faults: 'throw', 'uncaught', 'badlabel' (rank 1's labels out of range mid-fit); 'info', 'api' (the collectives).
// Every scenario ends without process.exit: the process must exit by itself.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import dd from '../../../dist/index.js';

const args = JSON.parse(process.argv[2] ?? '{}');
const { scenario = 'equivalence', out, optimizer = 'sgd', backend = 'cpu', batchSize = 128, steps = 50, plain = false } = args;
if (backend === 'deviceMath') {
  // the device-resident training loop over the CUDA math on the CPU (gradients staged through the host)
  const require = createRequire(import.meta.url);
  const { createNativeBackend } = require('../../../dist/backend/native-ops.js');
  const { useBackendObject } = require('../../../dist/backend/registry.js');
  const { nativeAddon } = require('../../../dist/native.js');
  useBackendObject(createNativeBackend('cuda', nativeAddon().deviceMath));
} else {
  dd.setBackend(backend);
}
// 'bucket': rank 1 uses a different gradient bucket size (a setting every rank must share)
const dist = dd.distributed.init(scenario === 'bucket' && process.env.OMPI_COMM_WORLD_RANK === '1' ? { bucketBytes: 4096 } : {});
const write = (data) => {
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, `rank${dist.rank}.json`), JSON.stringify({ rank: dist.rank, size: dist.size, mpi: dist.mpi, ...data }));
};

if (scenario === 'uncaught') {
  // rank 1 dies outside fit while rank 0 waits in a collective: the exit must end the job
  if (dist.rank === 1) throw new Error('uncaught on purpose');
  await dist.barrier();
  write({ passedBarrier: true });
} else if (scenario === 'api') {
  const r = dist.rank;
  const checks = {};
  const f32 = Float32Array.from([r + 1, -r, 10 * r]);
  await dist.allreduce(f32);  // sum
  checks.sum = Array.from(f32);
  checks.avg = Array.from(await dist.allreduce(Float64Array.of(r, 2 * r + 1), 'avg'));
  checks.min = Array.from(await dist.allreduce(Float64Array.of(r, -r), 'min'));
  checks.max = Array.from(await dist.allreduce(Float32Array.of(r, -r), 'max'));
  checks.broadcast = Array.from(await dist.broadcast(Float64Array.of(r, r * r + 0.5), 1));
  await dist.barrier();
  // 64 collectives in flight at once: one FIFO thread keeps them in the same order on every rank
  const many = Array.from({ length: 64 }, (_, i) => Float32Array.from({ length: 1000 + i * 977 }, () => i + r));
  await Promise.all(many.map((a) => dist.allreduce(a)));
  checks.concurrentWrong = many.filter((a, i) => a.some((v) => v !== 2 * i + 1)).length;
  // a large buffer (several 1 MiB pieces, not a multiple of the piece)
  const big = new Float32Array(3_000_001).map((_, i) => (i % 7) + r);
  await dist.allreduce(big, 'avg');
  checks.bigWrong = big.filter((v, i) => v !== (i % 7) + 0.5).length;
  // the event loop keeps running while a collective waits for a late rank
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  if (r === 1) await new Promise((resolve) => setTimeout(resolve, 300));
  await dist.allreduce(Float32Array.of(1));
  clearInterval(timer);
  checks.ticksWhileWaiting = ticks;
  dd.distributed.finalize();
  dd.distributed.finalize();  // idempotent
  try {
    await dist.allreduce(Float32Array.of(1));
    checks.afterFinalize = 'no error';
  } catch (err) {
    checks.afterFinalize = err.message;
  }
  write({ checks });
} else if (scenario === 'info') {
  write({ localRank: dist.localRank, localSize: dist.localSize, threadLevel: dist.threadLevel, threads: dd.getNumThreads(), compiled: dd.distributed.compiled, launched: dd.distributed.launched });
} else {
  // A seeded 3-class problem; every rank holds the same rows (as with a DistributedSampler).
  // 'padded': 3203 rows (the shards are padded), a partial last batch and a validation split.
  // 'cnn' / 'cnnbn': 4x4x1 images through conv2d and pooling (and batch norm + dropout).
  const image = scenario === 'cnn' || scenario === 'cnnbn';
  const rows = scenario === 'padded' ? 3203 : 3200, width = image ? 16 : 10, classes = 3;
  let s = 12345;
  const rand = () => ((s = (Math.imul(s ^ (s >>> 15), 1 | s) + 0x6d2b79f5) | 0), ((s >>> 0) % 1e6) / 1e6);
  const x = new Float32Array(rows * width).map(() => rand() * 2 - 1);
  const y = new Int32Array(rows).map((_, r) => (x[r * width] + x[r * width + 1] > 0.3 ? 2 : x[r * width + 2] > 0 ? 1 : 0));
  // Rank-dependent initial weights: only the start-of-fit broadcast makes the ranks agree.
  const hidden = scenario === 'mismatch' && dist.rank === 1 ? 33 : 32;
  const model = image
    ? dd.sequential([
      dd.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [4, 4, 1] }),
      ...(scenario === 'cnnbn' ? [dd.layers.batchNorm(), dd.layers.dropout({ rate: 0.2 })] : []),
      dd.layers.maxPool2d({ poolSize: 2 }), dd.layers.flatten(), dd.layers.dense({ units: classes }),
    ], { seed: dist.rank })
    : dd.sequential([dd.layers.dense({ units: hidden, activation: 'tanh', inputSize: width }), dd.layers.dense({ units: classes })], { seed: dist.rank });
  const lr = scenario === 'lr' && dist.rank === 1 ? 0.2 : undefined;
  if (scenario === 'nan') x[1234 * width] = NaN;  // one bad row, in one rank's shard
  const opt = optimizer === 'adam' ? new dd.optimizers.Adam({ lr: lr ?? 0.01 }) : new dd.optimizers.SGD({ lr: lr ?? 0.1, momentum: 0.9 });
  model.compile({ optimizer: opt, loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });
  const initial = model.getWeights().map((w) => Array.from(w));
  const root = dist.rank === 0;
  const options = {};
  const callbacks = [];
  const notes = {};
  // 'badlabel': rank 1's labels go out of range after epoch 0 (in place, as a native span reads
  // them): its next span rejects in the native loop while rank 0 trains on
  // (args.badRank picks the rank, args.timer sets them from a timer in the middle of a span instead)
  if (scenario === 'badlabel') {
    const bad = dist.rank === (args.badRank ?? 1);
    if (args.timer) callbacks.push({ onEpochBegin: (epoch) => { if (bad && epoch === 1) setTimeout(() => y.fill(99), 2); } });
    else callbacks.push({ onEpochEnd: (epoch) => { if (bad && epoch === 0) y.fill(99); } });
    options.epochs = args.timer ? 400 : 4;
  }
  if (scenario === 'throw') callbacks.push({ onEpochEnd: (epoch) => { if (dist.rank === 1 && epoch === 0) throw new Error('callback failed on purpose'); } });
  // settings that may differ per rank: the span of batches, progress, per-batch hooks, the NaN guard
  if (scenario === 'uneven') {
    options.verbose = root ? 1 : 0;
    if (root) callbacks.push({ onBatchEnd: () => {} });
  }
  if (scenario === 'nan') options.checkFinite = false;  // the NaN must reach training (fit refuses it up front otherwise)
  if (scenario === 'nan' && root) callbacks.push(dd.callbacks.terminateOnNaN());
  if (scenario === 'stop' && dist.rank === 1) callbacks.push({ onTrainBegin: (control) => { control.stopTraining = true; } });
  if (scenario === 'invalid' && dist.rank === 1) options.epochs = 0;
  if (scenario === 'padded') Object.assign(options, { validationSplit: 0.1, batchSize: 100 });
  if (scenario === 'abort') {
    // only rank 1's signal fires, in the middle of an epoch
    const controller = new AbortController();
    options.signal = controller.signal;
    callbacks.push({ onEpochBegin: (epoch) => { if (dist.rank === 1 && epoch === 1) setTimeout(() => controller.abort(), 5); } });
  }
  if (scenario === 'busy') {
    // the application's own collective while fit owns the communicator
    callbacks.push({ onEpochEnd: async () => {
      try {
        await dist.allreduce(Float32Array.of(1));
        notes.busy = 'no error';
      } catch (err) {
        notes.busy = err.message;
      }
      try {
        const other = dd.sequential([dd.layers.dense({ units: classes, inputSize: width })]);
        other.compile({ optimizer: new dd.optimizers.SGD(), loss: 'softmaxCrossEntropy' });
        await other.fit(x, y, { epochs: 1, distributed: dist });
        notes.secondFit = 'no error';
      } catch (err) {
        notes.secondFit = err.message;
      }
    } });
  }
  const globalBatch = batchSize * dist.size;
  const epochs = options.epochs ?? Math.ceil((steps * globalBatch) / rows) * (scenario === 'abort' ? 20 : 1);
  try {
    const history = await model.fit(x, y, { epochs, batchSize, seed: 7, callbacks, ...options, ...(plain ? {} : { distributed: dist }) });
    if (scenario === 'padded') {  // the held-out rows, evaluated here in full: the sharded validation must agree
      const held = Math.floor(rows * 0.1);
      notes.evaluate = model.evaluate(x.subarray((rows - held) * width), y.subarray(rows - held));
    }
    write({ initial, final: model.getWeights().map((w) => Array.from(w)), history: history.history, iterations: opt.iterations, notes });
  } catch (err) {
    write({ error: err.message, code: err.code, name: err.name, notes });
  }
}
