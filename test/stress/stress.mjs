// npm run test:stress: the long reliability checks, with their figures printed.
// - 1,000,000 small predict calls and 10,000 training steps: RSS growth after warm-up < 1%
// - event-loop delay (perf_hooks.monitorEventLoopDelay) during async fit and predictAsync: < 10 ms
// - under mpirun -np 2 (when available): RSS growth over 10,000 allreduces and 100 distributed
//   fits < 1%, event-loop delay during a distributed fit < 10 ms
// Exits non-zero when a target is missed.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const dd = require(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..'));
const quick = process.argv.includes('--quick');
const failures = [];
const mb = (bytes) => (bytes / 2 ** 20).toFixed(1);

function check(name, value, limit, unit) {
  const ok = value < limit;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}: ${value.toFixed(3)}${unit} (target < ${limit}${unit})`);
  if (!ok) failures.push(name);
}

function rssGrowth(label, warmup, run) {
  warmup();
  global.gc?.();
  const before = process.memoryUsage().rss;
  const started = performance.now();
  run();
  global.gc?.();
  const after = process.memoryUsage().rss;
  console.log(`${label}: ${((performance.now() - started) / 1000).toFixed(1)} s, RSS ${mb(before)} -> ${mb(after)} MiB`);
  return (100 * (after - before)) / before;
}

const data = (rows, width, classes) => {
  const x = new Float32Array(rows * width);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.61);
  return { x: dd.tensor(x, [rows, width]), y: Int32Array.from({ length: rows }, (_, i) => i % classes) };
};

// 1. small predict calls
const small = dd.sequential([dd.layers.dense({ inputSize: 16, units: 32, activation: 'relu' }), dd.layers.dense({ units: 4 })]);
const one = dd.tensor(new Float32Array(16).fill(0.5), [1, 16]);
const predicts = quick ? 100_000 : 1_000_000;
check(`RSS growth over ${predicts.toLocaleString('en')} predict calls`, rssGrowth('predict', () => { for (let i = 0; i < 50_000; i++) small.predict(one); }, () => {
  for (let i = 0; i < predicts; i++) small.predict(one);
}), 1, '%');

// 2. training steps (native loop; each fit call is one epoch of 1000 steps)
const { x, y } = data(8000, 16, 4);
const model = dd.sequential([dd.layers.dense({ inputSize: 16, units: 64, activation: 'relu' }), dd.layers.dense({ units: 4 })]);
model.compile({ optimizer: new dd.optimizers.Adam(), loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });
const steps = quick ? 2_000 : 10_000;
let growth = 0;
{
  await model.fit(x, y, { epochs: steps / 1000, batchSize: 8 }); // warm-up: the same run once
  global.gc?.();
  const before = process.memoryUsage().rss;
  const started = performance.now();
  await model.fit(x, y, { epochs: steps / 1000, batchSize: 8 });
  global.gc?.();
  const after = process.memoryUsage().rss;
  console.log(`train: ${model.optimizer.iterations / 2} steps in ${((performance.now() - started) / 1000).toFixed(1)} s, RSS ${mb(before)} -> ${mb(after)} MiB`);
  growth = (100 * (after - before)) / before;
}
check(`RSS growth over ${steps.toLocaleString('en')} training steps`, growth, 1, '%');

// 3. event-loop delay during async fit and predictAsync
const big = data(4096, 784, 10);
const mlp = dd.sequential([
  dd.layers.dense({ inputSize: 784, units: 256, activation: 'relu' }),
  dd.layers.dense({ units: 128, activation: 'relu' }),
  dd.layers.dense({ units: 10 }),
]);
mlp.compile({ optimizer: new dd.optimizers.Adam(), loss: 'softmaxCrossEntropy' });
const histogram = monitorEventLoopDelay({ resolution: 1 });
histogram.enable();
const started = performance.now();
await mlp.fit(big.x, big.y, { epochs: quick ? 1 : 3, batchSize: 128 });
for (let i = 0; i < (quick ? 5 : 20); i++) await mlp.predictAsync(big.x);
histogram.disable();
console.log(`fit + predictAsync: ${((performance.now() - started) / 1000).toFixed(1)} s; event-loop delay p50 ${(histogram.percentile(50) / 1e6).toFixed(2)} ms, p99 ${(histogram.percentile(99) / 1e6).toFixed(2)} ms, max ${(histogram.max / 1e6).toFixed(2)} ms`);
check('max event-loop delay during fit and predictAsync', histogram.max / 1e6, 10, ' ms');

// 4. data-parallel: two ranks under mpirun (skipped without mpirun or MPI in the build)
let mpirun = true;
try {
  execFileSync('mpirun', ['--version'], { stdio: 'ignore' });
} catch {
  mpirun = false;
}
if (!mpirun || !dd.distributed.compiled) {
  console.log(`skip distributed: ${mpirun ? 'this build has no MPI' : 'mpirun not found'}`);
} else {
  const rank = path.join(path.dirname(fileURLToPath(import.meta.url)), 'distributed-rank.mjs');
  const out = execFileSync('mpirun', ['--oversubscribe', '-np', '2', process.execPath, '--expose-gc', rank, ...(quick ? ['--quick'] : [])], {
    encoding: 'utf8', env: { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1' },
  });
  const r = JSON.parse(out.trim().split('\n').at(-1));
  console.log(`distributed (2 ranks): ${r.calls} allreduces and ${r.fits} fits, RSS ${mb(r.rssBefore)} -> ${mb(r.rssAfter)} MiB; max event-loop delay during a distributed fit ${r.maxDelayMs.toFixed(2)} ms`);
  check('RSS growth over the distributed collectives and fits', (100 * (r.rssAfter - r.rssBefore)) / r.rssBefore, 1, '%');
  check('max event-loop delay during a distributed fit', r.maxDelayMs, 10, ' ms');
}

console.log(failures.length ? `stress: ${failures.length} target(s) missed: ${failures.join('; ')}` : 'stress: all targets met');
process.exit(failures.length ? 1 : 0);
