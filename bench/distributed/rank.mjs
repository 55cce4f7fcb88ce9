// One rank of bench/distributed.mjs (run as `node rank.mjs <json>` or under mpirun): measures
// allreduce latency and bandwidth, or training samples/s, and rank 0 prints one JSON document.
//   { mode: 'allreduce', sizes: [floats...], repeats }   median seconds per allreduce (barrier
//     before each call), through dist.allreduce (the communication thread, as fit uses it);
//   { mode: 'train', layers: [in, h..., out], batch, steps, epochs, bucketBytes }   samples/s of
//     model.fit with Adam over all ranks, from the slowest rank's time of the last epoch.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const dd = require(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..'));
const args = JSON.parse(process.argv[2]);
const dist = dd.distributed.init({ threads: 1, ...(args.bucketBytes ? { bucketBytes: args.bucketBytes } : {}) });

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

async function allreduce() {
  const out = [];
  for (const n of args.sizes) {
    const x = new Float32Array(n).fill(1);
    const repeats = n >= 1 << 22 ? Math.max(5, args.repeats >> 3) : args.repeats;
    const times = [];
    for (let i = 0; i < repeats + 3; i++) {
      await dist.barrier();
      const t0 = process.hrtime.bigint();
      await dist.allreduce(x, 'sum');
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      if (i >= 3) times.push(s);
    }
    const worst = await dist.allreduce(Float64Array.of(median(times)), 'max');
    out.push({ floats: n, bytes: 4 * n, seconds: worst[0] });
  }
  return out;
}

async function train() {
  const { layers, batch, steps, epochs = 2 } = args;
  const rows = batch * dist.size * steps;
  const width = layers[0], classes = layers.at(-1);
  let s = 99;
  const rand = () => ((s = (Math.imul(s ^ (s >>> 15), 1 | s) + 0x6d2b79f5) | 0), ((s >>> 0) % 1e6) / 1e6);
  const x = new Float32Array(rows * width).map(() => rand() - 0.5);
  const y = new Int32Array(rows).map(() => Math.floor(rand() * classes));
  const model = dd.sequential(layers.slice(1).map((units, i) => dd.layers.dense({
    units, activation: i < layers.length - 2 ? 'relu' : 'linear', ...(i === 0 ? { inputSize: width } : {}),
  })));
  model.compile({ optimizer: new dd.optimizers.Adam({ lr: 1e-3 }), loss: 'softmaxCrossEntropy' });
  const history = await model.fit(x, y, { epochs, batchSize: batch, distributed: dist, verbose: 0 });
  // the last (warm) epoch; every rank waits for the slowest one at each step
  const seconds = (await dist.allreduce(Float64Array.of(history.history.time.at(-1)), 'max'))[0];
  return { rows, steps, seconds, samplesPerSecond: (batch * dist.size * steps) / seconds, loss: history.history.loss.at(-1) };
}

const result = args.mode === 'allreduce' ? await allreduce() : await train();
if (dist.rank === 0) process.stdout.write(JSON.stringify({ ranks: dist.size, threads: dd.getNumThreads(), library: dist.library, result }) + '\n');
