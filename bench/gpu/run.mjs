// dendrite's side of the GPU bench (issue 8, "GPU checks"); torch_gpu.py is PyTorch's side and
// merge.mjs puts both into gpu.json with the issue's ratios. Run from the repo root (needs dist/
// and a CUDA build of the addon; scripts/gpu-check.sh sets DENDRITE_ADDON_PATH):
//   node bench/gpu/run.mjs [--quick]     writes $OUT/gpu-dendrite.json (OUT default .gpu/out)
// Measures:
//   - MLP 784-256-128-10 (relu, relu, linear; softmax cross-entropy; Adam lr 1e-3) training
//     samples/s through model.fit on the cuda backend (the device-resident loop) at batch 128,
//     1024 and 16384, with the default GEMM (cuBLAS when the build has it) and dendrite's own;
//     cpu backend at batch 128 for reference. Synthetic data; the first epoch (upload, warm-up)
//     is not counted: samples/s over the later epochs from history.history.time.
//   - kernels alone over device memory (addon.cuda.bench: CUDA events on the runtime's stream):
//     Adam on 100M parameters (28 B per parameter: param r/w 8, grad 4, m and v r/w 16) against a
//     device-to-device copy of the same bytes; relu/sigmoid/tanh/gelu forward on 256M floats
//     (8 B per element) against a copy of 256M floats; sgemm 4096 (TFLOP/s) for each GEMM path.
// Every part records its error instead of stopping the run; the JSON is rewritten after each part
// (a timeout still leaves what was measured).
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const quick = process.argv.includes('--quick');
// The same file dist loads (require caches it by path): one CUDA runtime, one set of GEMM settings.
const addonPath = path.resolve(process.env.DENDRITE_ADDON_PATH ?? path.join(root, 'build', 'Release', 'dendrite.node'));
const addon = require(addonPath);
const dd = require(root);
const outDir = process.env.OUT ?? path.join(root, '.gpu', 'out');
const outFile = path.join(outDir, 'gpu-dendrite.json');

const info = addon.cudaInfo();
const result = {
  library: 'dendrite',
  version: dd.version,
  date: new Date().toISOString(),
  node: process.version,
  quick,
  gpu: { name: info.deviceName, computeCapability: info.computeCapability, runtimeVersion: info.runtimeVersion,
    driverVersion: info.driverVersion, cublas: info.cublas, archs: info.archs, error: info.error || null },
  mlp: [],
  kernels: {},
  errors: [],
};
const save = () => {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(outFile, JSON.stringify(result, null, 2) + '\n');
};
const message = (e) => (e instanceof Error ? e.message : String(e));
const cudaReady = dd.backends().find((b) => b.name === 'cuda')?.available === true;
if (!cudaReady) result.errors.push(`cuda backend unavailable: ${dd.backends().find((b) => b.name === 'cuda')?.reason}`);

// --- MLP training through fit ----------------------------------------------------------------

const LAYERS = [784, 256, 128, 10];
let seed = 12345;
const rand = () => ((seed = (Math.imul(seed ^ (seed >>> 15), 1 | seed) + 0x6d2b79f5) | 0), ((seed >>> 0) % 1e6) / 1e6);
const dataRows = quick ? 16384 : 65536;  // one data set for every batch size: 512 steps an epoch at 128
const X = new Float32Array(dataRows * LAYERS[0]);
for (let i = 0; i < X.length; i++) X[i] = rand() - 0.5;
const Y = new Int32Array(dataRows);
for (let i = 0; i < dataRows; i++) Y[i] = Math.floor(rand() * LAYERS.at(-1));

async function trainMlp({ backend, batch, rows, epochs, gemm }) {
  const entry = { backend, batch, rows, epochs, gemm: gemm ?? null };
  try {
    dd.setBackend(backend);
    if (backend === 'cuda') addon.cuda.configure('gemm', gemm ?? 'auto');
    const model = dd.sequential(LAYERS.slice(1).map((units, i) => dd.layers.dense({
      units, activation: i < LAYERS.length - 2 ? 'relu' : 'linear', ...(i === 0 ? { inputSize: LAYERS[0] } : {}),
    })));
    model.compile({ optimizer: new dd.optimizers.Adam({ lr: 1e-3 }), loss: 'softmaxCrossEntropy' });
    const x = X.subarray(0, rows * LAYERS[0]), y = Y.subarray(0, rows);
    const history = await model.fit(x, y, { epochs, batchSize: batch, verbose: 0 });
    const times = history.history.time.slice(1);  // epoch 1 holds the upload and the first launches
    const seconds = times.reduce((a, b) => a + b, 0);
    const steps = Math.ceil(rows / batch) * times.length;
    Object.assign(entry, {
      gemmImpl: backend === 'cuda' ? addon.cuda.gemmImpl() : `cpu-${addon.isa()}`,
      epochTimes: history.history.time,
      timedSteps: steps,
      samplesPerSec: (rows * times.length) / seconds,
      stepMs: (seconds / steps) * 1e3,
      loss: history.history.loss.at(-1),
    });
  } catch (e) {
    entry.error = message(e);
  } finally {
    if (backend === 'cuda' && cudaReady) try { addon.cuda.configure('gemm', 'auto'); } catch { /* reported above */ }
  }
  result.mlp.push(entry);
  save();
  return entry;
}

// batch -> epochs over dataRows (epoch 1 not timed): >= ~250 timed steps at the small batches,
// 4 steps an epoch at 16384 (GEMM-bound: a few ms each), so more epochs there.
const mlpPlan = quick ? [[128, 2], [1024, 3], [16384, 3]] : [[128, 2], [1024, 5], [16384, 9]];
if (cudaReady) {
  const gemms = info.cublas ? ['auto', 'own'] : ['auto'];  // auto: cuBLAS when loadable, the default of fit
  for (const gemm of gemms) {
    for (const [batch, epochs] of mlpPlan) await trainMlp({ backend: 'cuda', batch, rows: dataRows, epochs, gemm });
  }
}
await trainMlp({ backend: 'cpu', batch: 128, rows: quick ? 4096 : 16384, epochs: 2 });

// --- kernels alone over device memory ----------------------------------------------------------

// Best of `trials` timings of `reps` calls each (the least disturbed), ms per call.
function benchMs(what, n, reps, trials = 3) {
  let best = Infinity;
  for (let t = 0; t < trials; t++) best = Math.min(best, addon.cuda.bench(what, n, reps));
  return best;
}

function kernel(name, fn) {
  try {
    result.kernels[name] = fn();
  } catch (e) {
    result.kernels[name] = { error: message(e) };
  }
  save();
}

const canBench = cudaReady && typeof addon.cuda.bench === 'function';
if (cudaReady && !canBench) result.errors.push('addon.cuda.bench is missing (an addon built before bench.cu)');
if (canBench) {
  const ADAM_PARAMS = quick ? 10_000_000 : 100_000_000, ADAM_BYTES = 28;
  const ACT_FLOATS = quick ? 1 << 24 : 1 << 28;
  const GEMM_N = 4096;
  const gbps = (bytes, ms) => bytes / (ms * 1e-3) / 1e9;
  kernel('adam', () => {
    const ms = benchMs('adam', ADAM_PARAMS, 20);
    return { params: ADAM_PARAMS, bytesPerParam: ADAM_BYTES, ms, gbps: gbps(ADAM_BYTES * ADAM_PARAMS, ms) };
  });
  kernel('adamCopy', () => {  // a copy moving Adam's bytes: read + write 8 B per float
    const floats = Math.round((ADAM_BYTES * ADAM_PARAMS) / 8);
    const ms = benchMs('copy', floats, 20);
    return { floats, ms, gbps: gbps(8 * floats, ms) };
  });
  kernel('actCopy', () => {
    const ms = benchMs('copy', ACT_FLOATS, 20);
    return { floats: ACT_FLOATS, ms, gbps: gbps(8 * ACT_FLOATS, ms) };
  });
  for (const act of ['relu', 'sigmoid', 'tanh', 'gelu']) {
    kernel(act, () => {
      const ms = benchMs(act, ACT_FLOATS, 20);
      return { floats: ACT_FLOATS, ms, gbps: gbps(8 * ACT_FLOATS, ms) };
    });
  }
  const variants = ['own-fp32', 'own-tf32', ...(info.cublas ? ['cublas-fp32', 'cublas-tf32'] : [])];
  for (const v of variants) {
    kernel(`sgemm-${v}`, () => {
      const ms = benchMs(`sgemm-${v}`, GEMM_N, v.endsWith('tf32') ? 20 : 10);
      return { n: GEMM_N, ms, tflops: (2 * GEMM_N ** 3) / (ms * 1e-3) / 1e12 };
    });
  }
}
save();

// --- table -------------------------------------------------------------------------------------

const f = (v, d = 1) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(d) : 'n/a');
console.log(`dendrite ${dd.version} on ${info.deviceName || 'no GPU'} (sm_${info.computeCapability.replace('.', '')}), node ${process.version}`);
console.log('\nMLP 784-256-128-10 train (fit)        samples/s     ms/step   loss');
for (const m of result.mlp) {
  const label = `${m.backend}${m.gemm ? ` gemm=${m.gemm}` : ''} (${m.gemmImpl ?? '?'}) b${m.batch}`;
  console.log(`  ${label.padEnd(36)} ${m.error ? `error: ${m.error}` : `${f(m.samplesPerSec, 0).padStart(10)}  ${f(m.stepMs, 3).padStart(9)}   ${f(m.loss, 4)}`}`);
}
console.log('\nkernels (device memory)               ms          GB/s or TFLOP/s');
for (const [name, k] of Object.entries(result.kernels)) {
  console.log(`  ${name.padEnd(36)} ${k.error ? `error: ${k.error}` : `${f(k.ms, 3).padStart(8)}   ${k.tflops !== undefined ? `${f(k.tflops, 2)} TFLOP/s` : `${f(k.gbps, 0)} GB/s`}`}`);
}
for (const e of result.errors) console.log(`note: ${e}`);
console.log(`\nwrote ${outFile}`);
