// One rank of the distributed part of npm run test:stress (run under mpirun -np 2 by stress.mjs):
// RSS growth over 10,000 allreduces and 100 distributed fits after a warm-up, and the event-loop
// delay during a distributed fit of the MLP. Rank 0 prints one JSON line.
import { createRequire } from 'node:module';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const dd = require(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..'));
const quick = process.argv.includes('--quick');
const dist = dd.distributed.init();

const small = dd.sequential([dd.layers.dense({ units: 16, activation: 'relu', inputSize: 8 }), dd.layers.dense({ units: 2 })]);
small.compile({ optimizer: new dd.optimizers.Adam(), loss: 'softmaxCrossEntropy' });
const x = new Float32Array(256 * 8).map((_, i) => Math.sin(i));
const y = new Int32Array(256).map((_, i) => i % 2);
const buffer = new Float32Array(1000);
async function round() {
  for (let i = 0; i < 1000; i++) await dist.allreduce(buffer, 'avg');
  for (let i = 0; i < 10; i++) await small.fit(x, y, { epochs: 1, batchSize: 32, distributed: dist });
  // Collected after every round: RSS then follows what is retained (a leak), not where V8
  // happened to collect (the heap's high-water mark between collections).
  global.gc?.();
}
// Warm-up until the heaps have grown to their working size (RSS then plateaus: measured over 400
// more fits); growth after it is what a leak would show.
for (let i = 0; i < (quick ? 3 : 10); i++) await round();
global.gc?.();
const before = process.memoryUsage().rss;
const rounds = quick ? 3 : 10;
for (let i = 0; i < rounds; i++) await round();
global.gc?.();
const after = process.memoryUsage().rss;

const rows = 4096, width = 784;
const big = new Float32Array(rows * width).map((_, i) => Math.sin(i * 0.61));
const labels = Int32Array.from({ length: rows }, (_, i) => i % 10);
const mlp = dd.sequential([
  dd.layers.dense({ inputSize: width, units: 256, activation: 'relu' }),
  dd.layers.dense({ units: 128, activation: 'relu' }),
  dd.layers.dense({ units: 10 }),
]);
mlp.compile({ optimizer: new dd.optimizers.Adam(), loss: 'softmaxCrossEntropy' });
const histogram = monitorEventLoopDelay({ resolution: 1 });
histogram.enable();
await mlp.fit(big, labels, { epochs: quick ? 1 : 3, batchSize: 64, distributed: dist });
histogram.disable();
const delay = (await dist.allreduce(Float64Array.of(histogram.max / 1e6), 'max'))[0];
if (dist.rank === 0) {
  console.log(JSON.stringify({ calls: rounds * 1000, fits: rounds * 10, rssBefore: before, rssAfter: after, maxDelayMs: delay }));
}
