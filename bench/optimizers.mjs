// Optimizer step throughput: ms per step and effective GB/s of one step of
// every optimizer on 10M parameters spread over 8 tensors of unequal sizes,
// for the native cpu backend at 1 and 2 threads and the pure-JS backend, next
// to, measured in the same run: a native memcpy, a STREAM-like triad and a
// read-modify-write update, a fused one-pass C Adam (bench/roof/adam_roof.c,
// the practical roof), PyTorch's torch.optim (for-loop and foreach, 1 and 2
// threads, through /usr/bin/python3) and tfjs's tf.train optimizers.
// Bytes per element of a step: params read + write (8), grads read (4), each
// state slot read + write (8 per slot). memcpy counts 8 B/element, triad and
// update 12 B/element. The bandwidth bound of a step at a thread count is its
// bytes at the better of the triad and update GB/s at that thread count, from
// the roof runs just before and just after it (bandwidth drifts on shared machines).
// The roof is built twice where the CPU has AVX-512 (-mavx2 -mfma, and -mavx512f ...
// -mprefer-vector-width=512, as dendrite's avx512 variant would be): the faster fused
// Adam of the first run is the roof from then on, named in the output.
// `--quick`: 1M parameters, fewer optimizers on js and tfjs, shorter timing.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import {
  benchDir, buildHelper, ccVersion, cpuFlags, cpuTicks, fmt, openblasLine, otherCores, printTable, rootDir, runPython, timeCall, torchPython, writeResults,
} from './lib.mjs';

const require = createRequire(import.meta.url);
const dd = require(rootDir);
const { nativeAddon } = require(path.join(rootDir, 'dist', 'native.js'));
const native = nativeAddon();

const quick = process.argv.includes('--quick');
const SCALE = quick ? 10 : 1;
// 8 tensors of unequal sizes, 10,000,000 parameters in all (1,000,000 with --quick).
const SIZES = [4_000_000, 2_500_000, 1_500_000, 1_000_000, 600_000, 250_000, 100_000, 50_000].map((n) => n / SCALE);
const N = SIZES.reduce((a, b) => a + b, 0);
const THREADS = [1, 2];
const NATIVE_TIMING = quick ? { batches: 3, batchSeconds: 0.03, maxCallsPerBatch: 50 } : { batches: 5, batchSeconds: 0.1, maxCallsPerBatch: 50 };
// The roof's timing: batches and calls per batch (best batch, like timeCall).
const ROOF_TIMING = quick ? ['3', '20'] : ['5', '5'];
const JS_STEPS = 2; // the js backend and tfjs are slow: best of 2 steps (after warm-up)
const QUICK_JS = ['SGD', 'Adam', 'RMSprop centered+momentum'];
const QUICK_TFJS = ['SGD', 'Adam'];

// name, dendrite class and options, torch.optim class and kwargs, tfjs factory (or null).
// RAdam warms up 6 steps so that the timed steps are rectified ones (as in training).
const OPTIMIZERS = [
  { name: 'SGD', cls: 'SGD', opts: { lr: 1e-3 }, torch: ['SGD', { lr: 1e-3 }], tfjs: (tf) => tf.train.sgd(1e-3) },
  { name: 'SGD momentum', cls: 'SGD', opts: { lr: 1e-3, momentum: 0.9 }, torch: ['SGD', { lr: 1e-3, momentum: 0.9 }], tfjs: (tf) => tf.train.momentum(1e-3, 0.9) },
  {
    name: 'SGD nesterov', cls: 'SGD', opts: { lr: 1e-3, momentum: 0.9, nesterov: true },
    torch: ['SGD', { lr: 1e-3, momentum: 0.9, nesterov: true }], tfjs: (tf) => tf.train.momentum(1e-3, 0.9, true),
  },
  { name: 'Adagrad', cls: 'Adagrad', opts: { lr: 0.01 }, torch: ['Adagrad', { lr: 0.01 }], tfjs: (tf) => tf.train.adagrad(0.01) },
  { name: 'Adadelta', cls: 'Adadelta', opts: { lr: 1 }, torch: ['Adadelta', { lr: 1 }], tfjs: (tf) => tf.train.adadelta(1, 0.9, 1e-6) },
  { name: 'RMSprop', cls: 'RMSprop', opts: { lr: 0.01 }, torch: ['RMSprop', { lr: 0.01 }], tfjs: (tf) => tf.train.rmsprop(0.01, 0.99, 0, 1e-8) },
  {
    name: 'RMSprop centered+momentum', cls: 'RMSprop', opts: { lr: 0.01, centered: true, momentum: 0.9 },
    torch: ['RMSprop', { lr: 0.01, centered: true, momentum: 0.9 }], tfjs: (tf) => tf.train.rmsprop(0.01, 0.99, 0.9, 1e-8, true),
  },
  { name: 'Adam', cls: 'Adam', opts: { lr: 1e-3 }, torch: ['Adam', { lr: 1e-3 }], tfjs: (tf) => tf.train.adam(1e-3, 0.9, 0.999, 1e-8), roof: true },
  { name: 'Adam amsgrad', cls: 'Adam', opts: { lr: 1e-3, amsgrad: true }, torch: ['Adam', { lr: 1e-3, amsgrad: true }], tfjs: null },
  { name: 'AdamW', cls: 'AdamW', opts: { lr: 1e-3 }, torch: ['AdamW', { lr: 1e-3 }], tfjs: null, roof: true },
  { name: 'Adamax', cls: 'Adamax', opts: { lr: 2e-3 }, torch: ['Adamax', { lr: 2e-3 }], tfjs: (tf) => tf.train.adamax(2e-3, 0.9, 0.999, 1e-8) },
  { name: 'NAdam', cls: 'NAdam', opts: { lr: 2e-3 }, torch: ['NAdam', { lr: 2e-3 }], tfjs: null },
  { name: 'RAdam', cls: 'RAdam', opts: { lr: 1e-3 }, torch: ['RAdam', { lr: 1e-3 }], tfjs: null, warmup: 6 },
];

const ms = (seconds) => (seconds === null || seconds === undefined ? null : seconds * 1e3);
const gbps = (bytes, seconds) => (seconds ? bytes / seconds / 1e9 : null);
const ratio = (a, b) => (a && b ? a / b : null);
const pair = (a, b, digits = 2) => `${fmt(a, digits)} / ${fmt(b, digits)}`;
const pct = (v) => (v === null ? 'n/a' : `${fmt(100 * v, 0)}%`);

/** State slots of an optimizer configuration, from a tiny instance's stateDict. */
function slotsOf(o) {
  const opt = new dd.optimizers[o.cls](o.opts);
  opt.step([new Float32Array(4)], [new Float32Array(4)]);
  return Object.keys(opt.stateDict().slots).length;
}

const AVX512_FLAGS = ['-mavx512f', '-mavx512dq', '-mavx512bw', '-mavx512vl', '-mfma', '-mprefer-vector-width=512'];

/**
 * Compile bench/roof/adam_roof.c into bench/roof/build/ (an avx2 build, and an avx512 one
 * where /proc/cpuinfo lists AVX-512), run each once and keep the one with the faster fused
 * Adam (1 + 2 threads): { ...its timings, build, builds, compiler, flags, bin } or { skipped }.
 */
function runRoof(n) {
  const cc = process.env.CC || 'cc';
  const compiler = ccVersion(cc);
  if (!compiler) return { skipped: `skipped: no C compiler (${cc}), so no fused C Adam roof and no triad` };
  // -mavx2 -mfma like dendrite's avx2 kernels; without them where the compiler or the CPU lacks AVX2.
  // Which builds run is a matter of the CPU (the C code is the roof, not dendrite), so /proc/cpuinfo decides.
  const base = ['-std=c11', '-O3', '-fno-math-errno', '-pthread'];
  const cpu = cpuFlags();
  const candidates = [];
  if (['avx512f', 'avx512dq', 'avx512bw', 'avx512vl', 'fma'].every((f) => cpu.has(f))) candidates.push({ name: 'avx512', flags: [[...base, ...AVX512_FLAGS]] });
  candidates.push({ name: 'avx2', flags: cpu.has('avx2') && cpu.has('fma') ? [[...base, '-mavx2', '-mfma'], base] : [base] });
  const builds = [];
  for (const c of candidates) {
    for (const f of c.flags) {  // the first flag set that compiles
      const b = buildHelper('roof/adam_roof.c', f, ['-lm'], c.name === 'avx2' ? 'adam_roof' : `adam_roof_${c.name}`);
      if (b.skipped) continue;
      builds.push({ name: f === base ? 'generic' : c.name, flags: f.join(' '), bin: b.bin });
      break;
    }
  }
  if (!builds.length) return { skipped: `skipped: ${cc} could not compile bench/roof/adam_roof.c, so no fused C Adam roof and no triad`, compiler };
  const runs = builds.map((b) => ({ ...b, ...JSON.parse(execFileSync(b.bin, [String(n), ...ROOF_TIMING], { encoding: 'utf8' })) }));
  const adamSeconds = (r) => THREADS.reduce((a, th) => a + r.threads[th].adam, 0);
  const best = runs.reduce((a, r) => (adamSeconds(r) < adamSeconds(a) ? r : a));
  return {
    ...best, build: best.name, compiler,
    builds: Object.fromEntries(runs.map((r) => [r.name, { flags: r.flags, adamMs: Object.fromEntries(THREADS.map((th) => [th, ms(r.threads[th].adam)])) }])),
  };
}

/** Run the chosen roof build again: { n, reps, threads } (no compile). */
function rerunRoof(roof) {
  return JSON.parse(execFileSync(roof.bin, [String(roof.n), ...ROOF_TIMING], { encoding: 'utf8' }));
}

/** Per thread count and kernel, the best seconds over several roof runs. */
function bestRoof(runs) {
  const best = {};
  for (const run of runs) {
    for (const [th, kernels] of Object.entries(run.threads)) {
      best[th] ??= {};
      for (const [k, sec] of Object.entries(kernels)) best[th][k] = Math.min(best[th][k] ?? Infinity, sec);
    }
  }
  return best;
}

/** GB/s of the roof's kernels at each thread count, and the bandwidth bound (the better of triad and update). */
function roofRates(threads) {
  return Object.fromEntries(THREADS.map((th) => {
    const r = threads[th];
    const rates = { triad: gbps(12 * N, r.triad), update: gbps(12 * N, r.update), adamRoofMs: ms(r.adam), adamRoofGBps: gbps(28 * N, r.adam) };
    return [th, { ...rates, bound: Math.max(rates.triad, rates.update) }];
  }));
}


async function loadTfjs() {
  try {
    const tf = require(path.join(rootDir, 'bench', 'node_modules', '@tensorflow', 'tfjs'));
    await tf.setBackend('cpu');
    return { tf, note: `tfjs ${tf.version.tfjs} (cpu backend), tf.train optimizers on 8 variables, best of ${JS_STEPS} steps after one warm-up step` };
  } catch (err) {
    return { tf: null, note: `skipped: tfjs not installed (npm --prefix bench install): ${err.message.split('\n')[0]}` };
  }
}

function inputs() {
  const params = SIZES.map((n, t) => Float32Array.from({ length: n }, (_, i) => 0.1 * Math.sin(i * 0.3 + t)));
  const grads = SIZES.map((n, t) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.7 + t)));
  return { params, grads, init: params.map((p) => p.slice()) };
}

/** tfjs seconds per step of each named optimizer that has a tfjs peer (a warm-up step, then best of JS_STEPS). */
function timeTfjs(tf, init, grads, names) {
  const vars = init.map((p, t) => tf.variable(tf.tensor1d(p), true, `ddbench_p${t}`));
  const gmap = Object.fromEntries(grads.map((g, t) => [`ddbench_p${t}`, tf.tensor1d(g)]));
  const out = {};
  for (const o of OPTIMIZERS) {
    if (!o.tfjs || !names.includes(o.name)) continue;
    tf.tidy(() => vars.forEach((v, t) => v.assign(tf.tensor1d(init[t]))));
    const opt = o.tfjs(tf);
    opt.applyGradients(gmap);
    let best = Infinity;
    for (let s = 0; s < JS_STEPS; s++) {
      const t0 = performance.now();
      opt.applyGradients(gmap);
      best = Math.min(best, (performance.now() - t0) / 1000);
    }
    opt.dispose();
    out[o.name] = best;
  }
  vars.forEach((v) => v.dispose());
  Object.values(gmap).forEach((g) => g.dispose());
  return out;
}

async function main() {
  if (!native) throw new Error('the native addon is not built: run npm install first');
  const ticksAtStart = cpuTicks();
  const savedThreads = dd.getNumThreads();
  const savedBackend = dd.getBackend();
  const started = performance.now();

  // (1) The fused C roof and streaming kernels (a subprocess), and memcpy. Memory bandwidth drifts
  // on a shared machine: the roof runs again after each optimizer, whose bound is the best of the
  // runs just before and just after it.
  const roof = runRoof(N);
  const roofRuns = roof.threads ? [roof] : [];
  const { params, grads, init } = inputs();
  const copySrc = new Float32Array(N).fill(1);
  const copyDst = new Float32Array(N);
  const memcpy = timeCall(() => native.copyFloat32(copyDst, copySrc), NATIVE_TIMING);

  // (2) dendrite: cpu at 1 and 2 threads, then js (warmed up on cpu: the state lives in JS memory).
  const results = [];
  dd.setBackend('cpu');
  for (const o of OPTIMIZERS) {
    const slots = slotsOf(o);
    const bytes = (12 + 8 * slots) * N;
    const row = { name: o.name, optimizer: o.cls, options: o.opts, slots, bytesPerElement: 12 + 8 * slots, bytesPerStep: bytes, cpu: {} };
    for (const th of THREADS) {
      dd.setNumThreads(th);
      params.forEach((p, t) => p.set(init[t]));
      const opt = new dd.optimizers[o.cls](o.opts);
      for (let s = 0; s < (o.warmup ?? 2); s++) opt.step(params, grads);
      const sec = timeCall(() => opt.step(params, grads), NATIVE_TIMING);
      row.cpu[th] = { ms: ms(sec), gbps: gbps(bytes, sec) };
    }
    if (!quick || QUICK_JS.includes(o.name)) {
      params.forEach((p, t) => p.set(init[t]));
      const opt = new dd.optimizers[o.cls](o.opts);
      for (let s = 0; s < (o.warmup ?? 2); s++) opt.step(params, grads);
      dd.setBackend('js');
      let best = Infinity;
      for (let s = 0; s < JS_STEPS; s++) {
        const t0 = performance.now();
        opt.step(params, grads);
        best = Math.min(best, (performance.now() - t0) / 1000);
      }
      dd.setBackend('cpu');
      row.js = { ms: ms(best), gbps: gbps(bytes, best) };
    } else {
      row.js = null;
    }
    results.push(row);
    if (roof.threads) roofRuns.push(rerunRoof(roof));
  }
  dd.setNumThreads(savedThreads);
  dd.setBackend(savedBackend);

  // The bounds: memcpy (1 thread), and the roof's triad, update and fused Adam next to each optimizer.
  const baseline = { memcpy: { ms: ms(memcpy), gbps: gbps(8 * N, memcpy), threads: 1 } };
  if (roof.threads) Object.assign(baseline, roofRates(bestRoof(roofRuns)));
  results.forEach((row, i) => {
    const o = OPTIMIZERS.find((x) => x.name === row.name);
    const near = roof.threads ? bestRoof(roofRuns.slice(i, i + 2)) : null;
    const rates = near ? roofRates(near) : null;
    for (const th of THREADS) {
      const bound = rates ? rates[th].bound : th === 1 ? baseline.memcpy.gbps : null;
      Object.assign(row.cpu[th], {
        boundGBps: bound, ofBound: ratio(row.cpu[th].gbps, bound),
        roofAdamMs: near ? ms(near[th].adam) : null, vsRoof: o.roof && near ? row.cpu[th].ms / 1e3 / near[th].adam : null,
      });
    }
  });

  // (3) Peers: PyTorch (subprocess) and tfjs.
  const torchPy = torchPython();
  let torch = null;
  if (torchPy) {
    const spec = {
      sizes: SIZES, threads: THREADS, batches: quick ? 3 : 5, batch_seconds: 0.05,
      optimizers: OPTIMIZERS.map((o) => ({ name: o.name, cls: o.torch[0], kwargs: o.torch[1], warmup: o.warmup ?? 2 })),
    };
    torch = runPython(torchPy, 'torch_optimizers.py', [JSON.stringify(spec)]);
  }
  const { tf, note } = await loadTfjs();
  let tfNote = note;
  let tfjs = {};
  try {
    if (tf) tfjs = timeTfjs(tf, init, grads, quick ? QUICK_TFJS : OPTIMIZERS.map((o) => o.name));
  } catch (err) {
    tfNote = `skipped: tfjs failed: ${err.message.split('\n')[0]}`;
  }

  for (const row of results) {
    const t = torch?.results[row.name];
    row.torch = t ? Object.fromEntries(THREADS.map((th) => {
      const { default: loop, foreach } = t[th];
      const best = Math.min(loop, foreach ?? Infinity);
      return [th, { ms: ms(loop), foreachMs: ms(foreach), vsCpu: best / (row.cpu[th].ms / 1e3) }];
    })) : null;
    row.tfjs = tfjs[row.name] ? { ms: ms(tfjs[row.name]), vsCpu: tfjs[row.name] / (row.cpu[1].ms / 1e3) } : null;
    row.jsVsCpu = row.js ? row.js.ms / row.cpu[1].ms : null;
  }

  const busyOthers = otherCores(ticksAtStart, cpuTicks());

  // (4) Report.
  const roofLine = roof.threads
    ? `triad ${pair(baseline[1].triad, baseline[2].triad, 1)} GB/s, update ${pair(baseline[1].update, baseline[2].update, 1)} GB/s, ` +
      `fused C Adam (${roof.build} build) ${pair(baseline[1].adamRoofMs, baseline[2].adamRoofMs)} ms (${pair(baseline[1].adamRoofGBps, baseline[2].adamRoofGBps, 1)} GB/s) at 1 / 2 threads, best of ${roofRuns.length} runs`
    : roof.skipped;
  const isa = dd.backends().find((b) => b.name === 'cpu').isa;
  console.log(`\nOptimizer step on ${N.toLocaleString('en')} parameters in ${SIZES.length} tensors (float32), dendrite ${isa}; ` +
    `memcpy ${fmt(baseline.memcpy.gbps, 1)} GB/s (1 thread); ${roofLine}`);
  if (roof.builds && Object.keys(roof.builds).length > 1) {
    console.log(`roof builds, fused Adam ms at 1 / 2 threads in the first run: ${Object.entries(roof.builds)
      .map(([name, b]) => `${name} ${pair(b.adamMs[1], b.adamMs[2])}`).join(', ')}; the roof is the ${roof.build} build`);
  }
  console.log(openblasLine());
  if (busyOthers > 0.1) {
    console.log(`warning: other processes kept ${fmt(busyOthers, 2)} of the ${os.cpus().length} cores busy on average during this run: timings may be disturbed`);
  }
  printTable(
    ['optimizer', 'B/el', 'cpu 1thr ms', 'cpu 2thr ms', 'GB/s 1/2thr', '% bound 1/2', 'x roof 1/2', 'js ms', 'x js',
      'torch ms 1/2', 'torch foreach 1/2', 'x torch 1/2', 'tfjs ms', 'x tfjs'],
    results.map((r) => [
      r.name, r.bytesPerElement, fmt(r.cpu[1].ms), fmt(r.cpu[2].ms), pair(r.cpu[1].gbps, r.cpu[2].gbps, 1),
      `${pct(r.cpu[1].ofBound)} / ${pct(r.cpu[2].ofBound)}`,
      r.cpu[1].vsRoof ? pair(r.cpu[1].vsRoof, r.cpu[2].vsRoof) : '',
      r.js ? fmt(r.js.ms, 0) : 'n/a', r.jsVsCpu ? `${fmt(r.jsVsCpu, 0)}x` : 'n/a',
      r.torch ? pair(r.torch[1].ms, r.torch[2].ms, 1) : 'n/a',
      r.torch ? pair(r.torch[1].foreachMs, r.torch[2].foreachMs, 1) : 'n/a',
      r.torch ? `${fmt(r.torch[1].vsCpu, 1)}x / ${fmt(r.torch[2].vsCpu, 1)}x` : 'n/a',
      r.tfjs ? fmt(r.tfjs.ms, 0) : 'n/a', r.tfjs ? `${fmt(r.tfjs.vsCpu, 0)}x` : 'n/a',
    ]),
  );
  console.log('% bound: effective GB/s over the better of triad and update GB/s at the same thread count, in the roof runs just before and after; ' +
    'x roof: dendrite Adam time over the fused C Adam time; x js / x tfjs: their time over cpu 1thr; x torch: best of torch for-loop and foreach over cpu at the same thread count');

  // Targets of the optimizer issue: >= 80% of the bandwidth bound, Adam <= 1.1x the roof, >= 20x js.
  const misses = [];
  for (const r of results) {
    for (const th of THREADS) {
      if (r.cpu[th].ofBound !== null && r.cpu[th].ofBound < 0.8) misses.push(`${r.name} ${th}thr at ${pct(r.cpu[th].ofBound)} of the bandwidth bound`);
      if (r.cpu[th].vsRoof !== null && r.cpu[th].vsRoof > 1.1) misses.push(`${r.name} ${th}thr at ${fmt(r.cpu[th].vsRoof)}x the fused C roof`);
    }
    if (r.jsVsCpu !== null && r.jsVsCpu < 20) misses.push(`${r.name} only ${fmt(r.jsVsCpu, 1)}x js`);
  }
  const caveat = quick ? ' (indicative only with --quick: 1M parameters partly stay in cache, and thread wake-ups weigh on short steps)' : '';
  console.log(misses.length ? `targets missed${caveat} (${misses.length}):\n  ${misses.join('\n  ')}` : `targets: all met${caveat}`);

  const peers = {
    torch: torch ? `PyTorch ${torch.torch}, torch.optim for-loop (foreach=None) and foreach=True, ${THREADS.join(' and ')} threads (torch.set_num_threads)`
      : 'skipped: python3-torch is not installed (apt-get install python3-torch)',
    tfjs: tfNote,
    roof: roof.threads ? `bench/roof/adam_roof.c, ${roof.build} build (the faster of ${Object.keys(roof.builds).join(', ')}), ${roof.compiler}, ${roof.flags}` : roof.skipped,
    js: `dendrite js backend, best of ${JS_STEPS} steps${quick ? `, only ${QUICK_JS.join(', ')}` : ''}`,
  };
  console.log(`peers: torch: ${peers.torch}; tfjs: ${peers.tfjs}; roof: ${peers.roof}`);
  const file = writeResults('optimizers', {
    quick, isa, n: N, sizes: SIZES, threads: THREADS, otherProcessesBusyCores: busyOthers, seconds: (performance.now() - started) / 1000,
    bytes: 'per element: params read + write (8), grads read (4), each state slot read + write (8); memcpy 8, triad and update 12',
    baseline, roof: { ...roof, bin: undefined, runs: roofRuns.length, best: roof.threads ? bestRoof(roofRuns) : null }, peers, targets: { met: misses.length === 0, misses }, results,
  });
  console.log(`results: ${file} (${fmt((performance.now() - started) / 1000, 0)} s)`);
}

await main();
