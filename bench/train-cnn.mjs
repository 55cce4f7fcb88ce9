// End-to-end CNN training: conv2d(32, 3, same, relu) - maxPool2d(2) - conv2d(64, 3, same, relu) -
// maxPool2d(2) - flatten - dense(128, relu) - dropout(0.25) - dense(10) on 28x28x1 images,
// softmax cross-entropy, Adam (lr 1e-3), batches of 128 shuffled rows of synthetic data
// (1024 seeded random images, 10 random classes). For each peer: training samples/s in
// steady state (a warm-up epoch, then whole epochs lasting >= 3 s; slow peers time a few
// batches), and predict samples/s on one batch of 128.
//   dendrite `cpu` at 1 and 2 threads (model.fit on channels-last [N, 28, 28, 1]; model.predict);
//   PyTorch CPU through /usr/bin/python3 (bench/torch_train_cnn.py), the same nn.Sequential in
//     NCHW, at 1 and 2 threads (its convolutions on oneDNN, its linear layers on OpenBLAS at
//     OpenBLAS's own kernel choice: lib.mjs peerEnv), with glibc's default malloc and with freed
//     blocks kept on the heap (HEAP_REUSE: its per-step allocations then fault no pages in);
//   tfjs-backend-wasm (SIMD, single-threaded in Node) and tfjs `cpu`: tf.sequential of the
//     same layers, optimizer.minimize(softmaxCrossEntropy(model.apply(x, { training: true }))).
//     tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter kernel, so it cannot train this
//     model: its predict is measured, its training is reported as missing. tfjs cpu trains
//     at about a sample per second here: one step of a few rows.
// Also where a dendrite step goes: each layer's forward and forward + backward timed alone
// on a batch of 128 through the native layer that layer.forward / layer.backward run
// (native.NativeLayer over the layer's nativeSpec(), built once; the first layer without dx,
// as in fit; it keeps its scratch between calls), softmax CE and Adam, against the step time in
// fit; and the two conv layers' forward + backward GFLOP/s (2 * N*OH*OW * K *
// filters per GEMM-shaped product: 3 products, 2 for the first layer) next to the GFLOP/s
// of the same products as plain GEMMs through the addon (native.gemm, the same M, N, K).
// dendrite 1 and 2 threads alternate for 2 rounds (best kept; `--rounds=N`).
// `--isa=avx512|avx2|scalar`: dendrite on that variant. `--quick`: 0.8 s windows, one round.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import {
  benchDir, bestPeak, coreToCoreNs, cpuTicks, fmaPeak, fmt, openblasLine, otherCores, peakLine, peerEnv, printTable, rootDir, selectIsaFromArgs,
  timeCall, torchPython, writeResults,
  lcg, permutation, syntheticData,
} from './lib.mjs';

const require = createRequire(import.meta.url);
const dd = require(rootDir);
const { nativeAddon } = require(path.join(rootDir, 'dist', 'native.js'));
const native = nativeAddon();
const benchRequire = createRequire(path.join(benchDir, 'package.json'));

const quick = process.argv.includes('--quick');
const ROWS = 1024;
const BATCH = 128;
const [H, W, C] = [28, 28, 1];
const IN = H * W * C;
const OUT = 10;
const THREADS = [1, 2];
const CFG = quick
  ? { trainSeconds: 0.8, rounds: 1, torchRounds: 1, slowSeconds: 0.6, tfjsCpuRows: 4, partBatches: 3, partSeconds: 0.03 }
  : { trainSeconds: 3, rounds: 2, torchRounds: 2, slowSeconds: 2, tfjsCpuRows: 8, partBatches: 5, partSeconds: 0.08 };
const roundsArg = process.argv.find((a) => a.startsWith('--rounds='));
if (roundsArg) CFG.rounds = Math.max(1, Number.parseInt(roundsArg.slice(9), 10) || CFG.rounds);

// The conv layers as GEMM-shaped products: P output pixels per batch, K = kh*kw*inChannels, F filters.
const CONVS = [
  { name: 'conv2d 1 (28x28x1 -> 32)', layer: 0, P: BATCH * 28 * 28, K: 3 * 3 * 1, F: 32, dx: false },
  { name: 'conv2d 2 (14x14x32 -> 64)', layer: 2, P: BATCH * 14 * 14, K: 3 * 3 * 32, F: 64, dx: true },
];
const products = (c) => [
  { name: 'fwd', ta: false, tb: false, m: c.P, n: c.F, k: c.K },
  { name: 'dW', ta: true, tb: false, m: c.K, n: c.F, k: c.P },
  ...(c.dx ? [{ name: 'dx', ta: false, tb: true, m: c.P, n: c.K, k: c.F }] : []),
];
const productFlops = (p) => 2 * p.m * p.n * p.k;
const convFlops = (c) => products(c).reduce((s, p) => s + productFlops(p), 0);
// Per sample: conv 1 (fwd, dW), conv 2 (fwd, dW, dx), dense 3136x128 and 128x10 (fwd, dW, dx).
const FLOPS_PER_SAMPLE = CONVS.reduce((s, c) => s + convFlops(c), 0) / BATCH + 3 * 2 * (3136 * 128 + 128 * 10);

// ---------------------------------------------------------------------------
// Data and small helpers




/** Copy rows order[start..start+count) of x into xb and their one-hot classes into oneHot. */
function gather(data, order, start, count, xb, oneHot) {
  oneHot.fill(0);
  for (let r = 0; r < count; r++) {
    const src = order[(start + r) % ROWS];
    xb.set(data.x.subarray(src * IN, (src + 1) * IN), r * IN);
    oneHot[r * OUT + data.y[src]] = 1;
  }
}

function errorLine(err) {
  return String(err?.message ?? err).split('\n')[0];
}

const randomArray = (n, seed, scale = 1) => {
  const next = lcg(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = ((next() >>> 8) / 16777216 * 2 - 1) * scale;
  return out;
};

// ---------------------------------------------------------------------------
// dendrite

function dendriteModel() {
  const model = dd.sequential([
    dd.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [H, W, C] }),
    dd.layers.maxPool2d({ poolSize: 2 }),
    dd.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }),
    dd.layers.maxPool2d({ poolSize: 2 }),
    dd.layers.flatten(),
    dd.layers.dense({ units: 128, activation: 'relu' }),
    dd.layers.dropout({ rate: 0.25 }),
    dd.layers.dense({ units: OUT }),
  ], { seed: 1 });
  model.compile({ optimizer: new dd.optimizers.Adam({ lr: 1e-3 }), loss: 'softmaxCrossEntropy' });
  return model;
}

/** One fit of whole epochs lasting >= seconds (a callback stops it at an epoch end). */
async function fitFor(model, X, y, seconds) {
  const t0 = performance.now();
  const stopper = {
    onEpochEnd: (_epoch, _logs, control) => {
      if (performance.now() - t0 >= seconds * 1e3) control.stopTraining = true;
    },
  };
  const history = await model.fit(X, y, { epochs: 1e6, batchSize: BATCH, shuffle: true, seed: 1, verbose: 0, callbacks: [stopper] });
  const elapsed = (performance.now() - t0) / 1e3;
  const epochs = history.history.loss.length;
  return { samplesPerSec: ROWS * epochs / elapsed, epochs, seconds: elapsed, lastEpochLoss: history.history.loss.at(-1) };
}

/**
 * Each layer of a step timed alone on one batch (the native layer that layer.forward /
 * layer.backward build, here built once; training mode), softmax CE and Adam; and the conv
 * layers' products as plain GEMMs. Times in µs at the current thread count.
 */
function stepParts(data) {
  const t = { batches: CFG.partBatches, batchSeconds: CFG.partSeconds, maxCallsPerBatch: 1e4 };
  const model = dendriteModel();
  const layers = model.layers;
  let x = data.x.slice(0, BATCH * IN);
  const rows = [];
  layers.forEach((layer, i) => {
    const y = new Float32Array(BATCH * layer.outputSize);
    const nl = new native.NativeLayer(layer.nativeSpec(), 'cpu');
    nl.forward(x, BATCH, true, y);
    const row = { name: `${i} ${layer.toString()}`, fwdUs: null, fwdBwdUs: null };
    if (!layer.passesThrough) {
      const dy = randomArray(BATCH * layer.outputSize, 100 + i, 0.01);
      const dx = i === 0 ? null : new Float32Array(BATCH * layer.inputSize);
      const grads = layer.specs().map((s) => (s.trainable ? new Float32Array(s.shape.reduce((a, b) => a * b, 1)) : null));
      const xi = x;
      row.fwdUs = timeCall(() => nl.forward(xi, BATCH, true, y), t) * 1e6;
      row.fwdBwdUs = timeCall(() => nl.backward(xi, BATCH, true, y, dy, dx, grads), t) * 1e6;
    }
    rows.push(row);
    x = y;
  });
  const logits = randomArray(BATCH * OUT, 7);
  const classes = Int32Array.from({ length: BATCH }, (_, i) => i % OUT);
  const dlogits = new Float32Array(BATCH * OUT);
  const softmaxUs = timeCall(() => native.softmaxCrossEntropy(logits, classes, BATCH, OUT, 0, dlogits), t) * 1e6;
  const params = layers.flatMap((l) => l.parameters()).map((p) => p.data.slice());
  const grads = params.map((p) => new Float32Array(p.length).fill(1e-3));
  const adam = new dd.optimizers.Adam({ lr: 1e-3 });
  adam.step(params, grads);
  const adamUs = timeCall(() => adam.step(params, grads), t) * 1e6;
  const paramCount = params.reduce((s, p) => s + p.length, 0);

  const gemms = CONVS.map((c) => {
    const list = products(c).map((p) => {
      const a = randomArray(p.m * p.k, 1);
      const b = randomArray(p.k * p.n, 2);
      const out = new Float32Array(p.m * p.n);
      const lda = p.ta ? p.m : p.k;
      const ldb = p.tb ? p.k : p.n;
      const us = timeCall(() => native.gemm(p.ta, p.tb, p.m, p.n, p.k, 1, a, lda, b, ldb, 0, out, p.n, null, -1, 0.01, 1, 20, null, 0), t) * 1e6;
      return { ...p, us, gflops: productFlops(p) / us / 1e3 };
    });
    const us = list.reduce((s, p) => s + p.us, 0);
    const layerUs = rows[c.layer].fwdBwdUs;
    return {
      name: c.name, flops: convFlops(c), products: list, gemmUs: us, gemmGflops: convFlops(c) / us / 1e3,
      convUs: layerUs, convGflops: convFlops(c) / layerUs / 1e3, shareOfGemm: us / layerUs,
    };
  });
  const layersUs = rows.reduce((s, r) => s + (r.fwdBwdUs ?? 0), 0);
  return { layers: rows, softmaxUs, adamUs, paramCount, sumUs: layersUs + softmaxUs + adamUs, convs: gemms };
}

// ---------------------------------------------------------------------------
// tfjs (wasm and cpu backends)

function tfjsModel(tf) {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [H, W, C], filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 128, activation: 'relu' }),
      tf.layers.dropout({ rate: 0.25 }),
      tf.layers.dense({ units: OUT }),
    ],
  });
}

/**
 * tfjs training on `backend`: a warm-up step, then steps for about CFG.slowSeconds; with
 * `rows` < BATCH and `warmup` false (the cpu backend: about a second per sample), one step
 * of that many rows. Returns { samplesPerSec, steps, rows, seconds, loss }.
 */
async function tfjsTrain(tf, backend, data, order, { rows = BATCH, warmup = true } = {}) {
  if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
  await tf.ready();
  const model = tfjsModel(tf);
  const opt = tf.train.adam(1e-3);
  const xb = new Float32Array(rows * IN);
  const yb = new Float32Array(rows * OUT);
  let loss = null;
  const step = (b) => {
    gather(data, order, b * rows, rows, xb, yb);
    tf.tidy(() => {
      const xt = tf.tensor4d(xb, [rows, H, W, C]);
      const yt = tf.tensor2d(yb, [rows, OUT]);
      const cost = opt.minimize(() => tf.losses.softmaxCrossEntropy(yt, model.apply(xt, { training: true })), true);
      loss = cost.dataSync()[0];
    });
  };
  try {
    let steps = 1;
    if (warmup) {
      const t0 = performance.now();
      step(0);
      steps = Math.max(2, Math.min(ROWS / rows, Math.round(CFG.slowSeconds / ((performance.now() - t0) / 1e3))));
    }
    const t0 = performance.now();
    for (let b = 0; b < steps; b++) step(b + 1);
    const seconds = (performance.now() - t0) / 1e3;
    return { samplesPerSec: steps * rows / seconds, steps, rows, seconds, loss };
  } finally {
    model.dispose();
    opt.dispose();
  }
}

/** tfjs inference (model.predict of a batch of 128, a few calls after a warm-up one): { samplesPerSec, calls }. */
async function tfjsPredict(tf, backend, data) {
  if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
  await tf.ready();
  const model = tfjsModel(tf);
  const x = data.x.slice(0, BATCH * IN);
  const call = () => tf.tidy(() => model.predict(tf.tensor4d(x, [BATCH, H, W, C])).dataSync());
  try {
    let t0 = performance.now();
    call();
    const calls = Math.max(2, Math.round(CFG.slowSeconds / 2 / ((performance.now() - t0) / 1e3)));
    t0 = performance.now();
    for (let i = 0; i < calls; i++) call();
    return { samplesPerSec: calls * BATCH / ((performance.now() - t0) / 1e3), calls };
  } finally {
    model.dispose();
  }
}

// ---------------------------------------------------------------------------

/** Prediction throughput of model.predict on a batch of 128 (samples/s). */
function dendritePredict(model, data) {
  const x = dd.tensor(data.x.slice(0, BATCH * IN), [BATCH, H, W, C]);
  return { samplesPerSec: BATCH / timeCall(() => model.predict(x), { batches: CFG.partBatches, batchSeconds: CFG.partSeconds * 2 }) };
}

/**
 * glibc malloc settings that keep big blocks on the heap (reused) instead of mapping fresh
 * pages for each: above its dynamic mmap ceiling (32 MiB) glibc maps every block anew and the
 * kernel faults it in one 4 KiB page at a time, which on this VM costs more than the
 * arithmetic. PyTorch allocates every activation and gradient per step (12.8 MB for this
 * model's first conv output); dendrite's fit keeps its buffers and gains nothing from it.
 */
const HEAP_REUSE = 'glibc.malloc.mmap_threshold=1073741824:glibc.malloc.trim_threshold=2147483648';
const withHeapReuse = (env) => ({ ...env, GLIBC_TUNABLES: [env.GLIBC_TUNABLES, HEAP_REUSE].filter(Boolean).join(':') });

async function main() {
  if (!native) throw new Error('the native addon is not built: run npm install first');
  const started = performance.now();
  const ticksAtStart = cpuTicks();
  const savedThreads = dd.getNumThreads();
  const savedBackend = dd.getBackend();
  const data = syntheticData(ROWS, IN, OUT);
  const X = dd.tensor(data.x, [ROWS, H, W, C]);
  const order = permutation(ROWS, 7);
  const notes = {};
  const isa = selectIsaFromArgs(dd, native);
  const blasSetup = openblasLine();
  let peak = fmaPeak(THREADS);
  const coreNs = [coreToCoreNs()];

  // (1) dendrite cpu, 1 and 2 threads alternating; best of CFG.rounds rounds each; then predict.
  dd.setBackend('cpu');
  const models = {};
  for (const th of THREADS) {
    dd.setNumThreads(th);
    models[th] = dendriteModel();
    await models[th].fit(X, data.y, { epochs: 1, batchSize: BATCH, shuffle: true, seed: 1, verbose: 0 }); // warm-up epoch
  }
  const runs = { 1: [], 2: [] };
  for (let round = 0; round < CFG.rounds; round++) {
    for (const th of THREADS) {
      dd.setNumThreads(th);
      const before = cpuTicks();
      const r = await fitFor(models[th], X, data.y, CFG.trainSeconds);
      runs[th].push({ ...r, otherCores: otherCores(before, cpuTicks()) });
    }
  }
  const best = (list) => list.reduce((a, r) => (r.samplesPerSec > a.samplesPerSec ? r : a));
  const dendrite = {};
  for (const th of THREADS) {
    dd.setNumThreads(th);
    dendrite[th] = { ...best(runs[th]), predict: dendritePredict(models[th], data) };
  }
  dd.setNumThreads(savedThreads);
  dd.setBackend(savedBackend);

  // (2) where a dendrite step goes, and the conv layers against plain GEMMs.
  const parts = {};
  dd.setBackend('cpu');
  for (const th of THREADS) {
    dd.setNumThreads(th);
    parts[th] = stepParts(data);
  }
  dd.setNumThreads(savedThreads);
  dd.setBackend(savedBackend);

  // (3) PyTorch, with glibc's default malloc and with HEAP_REUSE (its full strength here: the
  // equivalent of the jemalloc / tcmalloc PyTorch's CPU tuning guides recommend); the targets
  // use the faster.
  const torchPy = torchPython();
  const torch = {};
  const torchDefault = {};
  if (torchPy) {
    const runTorch = (th, heap) => {
      const spec = { threads: th, rows: ROWS, batch: BATCH, min_seconds: CFG.trainSeconds, rounds: CFG.torchRounds, warmup_batches: ROWS / BATCH, predict_seconds: CFG.slowSeconds / 2 };
      // Debian's torch runs its linear layers on the system OpenBLAS, whose own thread count torch.set_num_threads does not set.
      const env = peerEnv({ OPENBLAS_NUM_THREADS: String(th), OMP_NUM_THREADS: String(th), ...(th > 1 ? { OMP_WAIT_POLICY: 'PASSIVE' } : {}) });
      try {
        return JSON.parse(execFileSync(torchPy, [path.join(benchDir, 'torch_train_cnn.py'), JSON.stringify(spec)], { encoding: 'utf8', env: heap ? withHeapReuse(env) : env }));
      } catch (err) {
        return { skipped: `skipped: torch_train_cnn.py failed: ${errorLine(err)}` };
      }
    };
    for (const th of THREADS) {
      torchDefault[th] = runTorch(th, false);
      torch[th] = runTorch(th, true);
    }
    const t = Object.values(torch).find((r) => r.torch);
    notes.torch = `PyTorch ${t?.torch ?? '?'} (${torchPy}): nn.Sequential of Conv2d/ReLU/MaxPool2d/Flatten/Linear/Dropout in NCHW, ` +
      `convolutions on ${t?.mkldnn ? 'oneDNN (mkldnn)' : 'its own kernels (no mkldnn)'}, nn.CrossEntropyLoss, torch.optim.Adam, ` +
      'torch.set_num_threads(1 | 2) with OPENBLAS_NUM_THREADS and OMP_NUM_THREADS set to match (OMP_WAIT_POLICY=PASSIVE for 2); predict: model(x) under torch.no_grad(); ' +
      `"PyTorch" runs with GLIBC_TUNABLES=${HEAP_REUSE} (freed blocks stay on the heap: no page faults on its per-step allocations), "default malloc" without`;
  } else {
    notes.torch = 'skipped: python3 with torch not found (apt-get install python3-torch)';
  }

  // (4) tfjs wasm and cpu.
  const tfjs = { wasm: {}, cpu: {} };
  let tf = null;
  try {
    tf = benchRequire('@tensorflow/tfjs');
  } catch (err) {
    tfjs.wasm.skipped = tfjs.cpu.skipped = `skipped: @tensorflow/tfjs not installed (npm --prefix bench install): ${errorLine(err)}`;
  }
  if (tf) {
    notes.tfjs = `tfjs ${tf.version.tfjs}: tf.sequential of the same layers (channels-last), optimizer.minimize(tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }))) ` +
      'with tf.train.adam(1e-3); predict: model.predict of 128 images';
    const attempt = async (what, fn) => {
      try {
        return await fn();
      } catch (err) {
        return { skipped: `skipped: ${what} failed: ${errorLine(err)}` };
      }
    };
    let wasm = null;
    try {
      wasm = benchRequire('@tensorflow/tfjs-backend-wasm');
    } catch (err) {
      tfjs.wasm.skipped = `skipped: @tensorflow/tfjs-backend-wasm not installed: ${errorLine(err)}`;
    }
    if (wasm) {
      await tf.setBackend('wasm');
      await tf.ready();
      // tfjs-backend-wasm 4.22 registers no Conv2DBackpropFilter kernel: it cannot train a conv layer
      const missing = ['Conv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPool', 'MaxPoolGrad']
        .filter((k) => !tf.getKernelsForBackend('wasm').some((r) => r.kernelName === k));
      tfjs.wasm = {
        threads: wasm.getThreadsCount?.() ?? 1,
        train: missing.length
          ? { skipped: `cannot train: tfjs-backend-wasm ${wasm.version_wasm ?? ''} has no ${missing.join(', ')} kernel (the filter gradient of a conv layer)` }
          : await attempt('tfjs wasm training', () => tfjsTrain(tf, 'wasm', data, order)),
        predict: await attempt('tfjs wasm predict', () => tfjsPredict(tf, 'wasm', data)),
      };
      notes.tfjsWasm = `tfjs-backend-wasm ${wasm.version_wasm ?? ''} (SIMD), ${tfjs.wasm.threads} thread(s): Node loads the single-threaded binary`;
    }
    // tfjs cpu trains at about a sample per second here: one step of a few rows, no warm-up
    tfjs.cpu = {
      threads: 1,
      train: await attempt('tfjs cpu training', () => tfjsTrain(tf, 'cpu', data, order, { rows: CFG.tfjsCpuRows, warmup: false })),
      predict: await attempt('tfjs cpu predict', () => tfjsPredict(tf, 'cpu', data)),
    };
    await tf.setBackend('cpu');
  }

  const busyOthers = otherCores(ticksAtStart, cpuTicks());
  peak = bestPeak(peak, fmaPeak(THREADS));
  coreNs.push(coreToCoreNs());

  // (5) The table.
  const rows = [];
  const add = (peer, threads, train, predict, note) => {
    const ref = dendrite[threads] ?? dendrite[1];
    rows.push({
      peer, threads, samplesPerSec: train?.samplesPerSec ?? null, dendriteX: train?.samplesPerSec ? ref.samplesPerSec / train.samplesPerSec : null,
      predictSamplesPerSec: predict?.samplesPerSec ?? null, predictX: predict?.samplesPerSec ? ref.predict.samplesPerSec / predict.samplesPerSec : null, note: note ?? null,
    });
  };
  for (const th of THREADS) add(`dendrite cpu (${isa})`, th, dendrite[th], dendrite[th].predict);
  for (const th of THREADS) add('PyTorch', th, torch[th]?.samplesPerSec ? torch[th] : null, torch[th]?.predict, torch[th]?.skipped ?? (torchPy ? 'heap reuse (GLIBC_TUNABLES)' : notes.torch));
  for (const th of THREADS) {
    add('PyTorch, default malloc', th, torchDefault[th]?.samplesPerSec ? torchDefault[th] : null, torchDefault[th]?.predict, torchDefault[th]?.skipped ?? (torchPy ? null : notes.torch));
  }
  const tfRow = (name, r) => add(name, r.threads ?? 1, r.train?.samplesPerSec ? r.train : null, r.predict?.samplesPerSec ? r.predict : null,
    r.skipped ?? [r.train?.skipped ?? (r.train ? `${r.train.steps} step(s) of ${r.train.rows} rows` : null), r.predict?.skipped].filter(Boolean).join('; '));
  tfRow('tfjs-wasm', tfjs.wasm);
  tfRow('tfjs cpu', tfjs.cpu);

  console.log(`\nCNN training, 28x28x1 -> conv 32 -> pool -> conv 64 -> pool -> dense 128 -> dropout -> 10 (softmax CE, Adam, batch ${BATCH}, ` +
    `${ROWS} synthetic images; ${fmt(FLOPS_PER_SAMPLE / 1e6, 2)} MFLOP per training sample in its GEMM-shaped products); dendrite ${isa} ` +
    `(of ${native.isaVariants().join(', ')}), best of ${CFG.rounds} round(s) of >= ${CFG.trainSeconds} s`);
  console.log(blasSetup);
  console.log(peakLine(peak));
  if (coreNs[0] !== null) {
    console.log(`cache-line round trip CPU 0 <-> 1: ${coreNs.map((v) => (v === null ? 'n/a' : `${fmt(v, 0)} ns`)).join(' at the start, ')} at the end ` +
      '(~50-80 ns: one CCD; 150+: the host placed the two vCPUs far apart)');
  }
  if (busyOthers !== null && busyOthers > 0.1) {
    console.log(`warning: other processes kept ${fmt(busyOthers, 2)} of the ${os.cpus().length} cores busy on average during this run: timings may be disturbed`);
  }
  const gflops = (r) => (r.samplesPerSec ? r.samplesPerSec * FLOPS_PER_SAMPLE / 1e9 : null);
  const peakAt = (th) => peak.peak?.[th] ?? null;
  const rate = (v) => (v ? fmt(v, v >= 100 ? 0 : v >= 10 ? 1 : 2) : 'n/a');
  const times = (v) => (v ? `${fmt(v, v >= 10 ? 0 : 2)}x` : 'n/a');
  printTable(['peer', 'threads', 'train samples/s', 'x vs dendrite', 'GFLOP/s', '% peak', 'predict samples/s (b128)', 'x vs dendrite', 'note'],
    rows.map((r) => [r.peer, r.threads, rate(r.samplesPerSec), times(r.dendriteX), fmt(gflops(r), 1),
      gflops(r) && peakAt(r.threads) ? `${fmt(100 * gflops(r) / peakAt(r.threads), 0)}%` : 'n/a', rate(r.predictSamplesPerSec), times(r.predictX), r.note ?? '']));
  console.log('x vs dendrite: dendrite cpu at the same thread count over the peer (the 1-thread tfjs rows: dendrite at 1 thread); ' +
    `GFLOP/s: training samples/s x ${fmt(FLOPS_PER_SAMPLE / 1e6, 2)} MFLOP; % peak: of the ${peak.widest ?? 'n/a'} FMA peak at the same thread count`);
  console.log('rounds, samples/s: ' + THREADS.map((th) => `dendrite ${th} thr ${runs[th].map((r) => `${fmt(r.samplesPerSec, 0)}${r.otherCores > 0.1 ? ` (others ${fmt(r.otherCores, 1)} cores)` : ''}`).join(', ')}`).join('; '));

  const us = (v) => (v === null || v === undefined ? '-' : fmt(v, v >= 100 ? 0 : 1));
  console.log(`\nWhere a dendrite training step goes (µs per batch of ${BATCH}; each layer timed alone on its native layer, training mode; fwd+bwd includes the forward):`);
  const stepUs = Object.fromEntries(THREADS.map((th) => [th, 1e6 * BATCH / dendrite[th].samplesPerSec]));
  const bRows = parts[1].layers.map((l, i) => [l.name, ...THREADS.flatMap((th) => [us(parts[th].layers[i].fwdUs), us(parts[th].layers[i].fwdBwdUs)])]);
  bRows.push(['softmax CE + grad', ...THREADS.flatMap((th) => ['', us(parts[th].softmaxUs)])]);
  bRows.push([`Adam (${parts[1].paramCount.toLocaleString('en-US')} params)`, ...THREADS.flatMap((th) => ['', us(parts[th].adamUs)])]);
  bRows.push(['sum of parts', ...THREADS.flatMap((th) => ['', us(parts[th].sumUs)])]);
  bRows.push([`step in fit (${BATCH} rows / samples/s)`, ...THREADS.flatMap((th) => ['', us(stepUs[th])])]);
  bRows.push(['  unaccounted (batch gather, loop, hand-offs)', ...THREADS.flatMap((th) => ['', us(stepUs[th] - parts[th].sumUs)])]);
  printTable(['part', ...THREADS.flatMap((th) => [`${th} thr fwd`, `${th} thr fwd+bwd`])], bRows);

  console.log('\nconv2d forward + backward (the layer, as above) against the same products as plain GEMMs (native.gemm, same M x N x K, no epilogue):');
  const cRows = [];
  for (let i = 0; i < CONVS.length; i++) {
    for (const th of THREADS) {
      const c = parts[th].convs[i];
      cRows.push([c.name, th, fmt(c.flops / 1e6, 1), us(c.convUs), fmt(c.convGflops, 1), us(c.gemmUs), fmt(c.gemmGflops, 1), `${fmt(100 * c.shareOfGemm, 0)}%`,
        c.products.map((p) => `${p.name} ${p.m}x${p.n}x${p.k} ${fmt(p.gflops, 0)}`).join(', ')]);
    }
  }
  printTable(['layer', 'threads', 'MFLOP', 'conv µs', 'conv GFLOP/s', 'GEMMs µs', 'GEMM GFLOP/s', 'conv / GEMM', 'products: MxNxK GFLOP/s'], cRows);

  // (6) The issue's targets.
  const targets = [];
  const target = (name, value, ok, detail) => targets.push({ name, value, met: value === null || value === undefined ? null : ok(value), detail });
  const torchBest = (th) => Math.max(torch[th]?.samplesPerSec ?? 0, torchDefault[th]?.samplesPerSec ?? 0) || null;
  for (const th of THREADS) {
    target(`dendrite >= 2x PyTorch (the faster malloc), ${th} thr`, torchBest(th) ? dendrite[th].samplesPerSec / torchBest(th) : null, (v) => v >= 2, 'x');
  }
  const wasmTrain = tfjs.wasm.train?.samplesPerSec;
  for (const th of THREADS) {
    target(`dendrite ${th} thr >= 50x tfjs-wasm (1 thr)`, wasmTrain ? dendrite[th].samplesPerSec / wasmTrain : null, (v) => v >= 50, 'x');
  }
  for (let i = 0; i < CONVS.length; i++) {
    for (const th of THREADS) {
      target(`${CONVS[i].name} fwd+bwd >= 70% of the GEMMs' GFLOP/s, ${th} thr`, 100 * parts[th].convs[i].shareOfGemm, (v) => v >= 70, '%');
    }
  }
  console.log(`\nTargets${quick ? ' (indicative only with --quick: short windows, one round)' : ''}:`);
  printTable(['target', 'measured', 'met'], targets.map((t) => [t.name, t.value === null ? 'n/a' : `${fmt(t.value, t.detail === '%' ? 0 : 2)} ${t.detail}`, t.met === null ? 'n/a' : t.met ? 'yes' : 'NO']));
  if (!wasmTrain) console.log(`(tfjs-wasm training: ${tfjs.wasm.train?.skipped ?? tfjs.wasm.skipped ?? 'n/a'}; its predict row above is the nearest comparison)`);
  console.log(`peers: ${Object.entries(notes).map(([k, v]) => `${k}: ${v}`).join('; ')}`);

  const file = writeResults('train-cnn', {
    quick, config: { rows: ROWS, batch: BATCH, inputShape: [H, W, C], flopsPerSample: FLOPS_PER_SAMPLE, ...CFG },
    isa, isaVariants: native.isaVariants(), otherProcessesBusyCores: busyOthers,
    peakGflops: peak.gflops ?? null, peakWidth: peak.widest ?? null, ...(peak.skipped ? { peakSkipped: peak.skipped } : {}),
    seconds: (performance.now() - started) / 1000, notes, table: rows, dendrite, dendriteRounds: runs, torch, torchDefaultMalloc: torchDefault, tfjs,
    stepParts: parts, stepUs, coreToCoreNs: coreNs, targets,
  });
  console.log(`results: ${path.relative(rootDir, file)} (${fmt((performance.now() - started) / 1000, 0)} s)`);
}

await main();
