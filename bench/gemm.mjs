// GEMM throughput: GFLOP/s of dendrite's native gemm (the active ISA variant) at
// 1 and 2 threads, on square sizes 128..2048 and the shapes of a 784-256-128 MLP
// at batch 128 (both forward products, and the first layer's backward products
// dW = X^T dY and dX = dY W^T), next to, measured in the same run: OpenBLAS's
// sgemm on the same shapes and transposes, and the machine's FMA peak (a
// register-only loop of independent 8-wide FMAs on each thread), both from the
// bench-only C helper bench/gemm/gemm_peer.c, compiled here into bench/gemm/build/
// with `cc ... -lopenblas` (run as its own process, OPENBLAS_NUM_THREADS set to
// the thread count). Each number is the best of several timed batches, and the
// whole measurement runs `ROUNDS` times, keeping the best: the cores may be shared.
// `--quick`: squares up to 1024, shorter batches, one round.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchDir, fmt, printTable, rootDir, timeCall, writeResults } from './lib.mjs';

const require = createRequire(import.meta.url);
const dd = require(rootDir);
const { nativeAddon } = require(path.join(rootDir, 'dist', 'native.js'));
const native = nativeAddon();

const quick = process.argv.includes('--quick');
const THREADS = [1, 2];
const ROUNDS = quick ? 1 : 2;
const TIMING = quick ? { batches: 3, batchSeconds: 0.04 } : { batches: 5, batchSeconds: 0.1 };

// C[m, n] = op(A) op(B), op(A) m x k, op(B) k x n. The MLP's weights are stored
// in x out (W1: 784 x 256), activations batch-major (X: 128 x 784).
const SHAPES = [
  ...[128, 256, 512, 1024, ...(quick ? [] : [2048])]
    .map((s) => ({ name: `square ${s}`, m: s, n: s, k: s, ta: false, tb: false })),
  { name: 'mlp fwd  X W1: 128x784 * 784x256', m: 128, n: 256, k: 784, ta: false, tb: false, mlp: true },
  { name: 'mlp fwd  H W2: 128x256 * 256x128', m: 128, n: 128, k: 256, ta: false, tb: false, mlp: true },
  { name: 'mlp dW1 X^T dY: 784x128 * 128x256', m: 784, n: 256, k: 128, ta: true, tb: false, mlp: true },
  { name: 'mlp dX  dY W1^T: 128x256 * 256x784', m: 128, n: 784, k: 256, ta: false, tb: true, mlp: true },
];
const flops = (s) => 2 * s.m * s.n * s.k;

function randomArray(n, seed) {
  const out = new Float32Array(n);
  let a = seed >>> 0;
  for (let i = 0; i < n; i++) {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    out[i] = (a >>> 8) / 16777216 * 2 - 1;
  }
  return out;
}

/** dendrite's GFLOP/s on one shape at the current thread count. */
function ours(s) {
  const a = randomArray(s.m * s.k, 1);
  const b = randomArray(s.k * s.n, 2);
  const c = new Float32Array(s.m * s.n);
  const lda = s.ta ? s.m : s.k;
  const ldb = s.tb ? s.k : s.n;
  const run = () => native.gemm(s.ta, s.tb, s.m, s.n, s.k, 1, a, lda, b, ldb, 0, c, s.n, null, -1, 0.01, 1, 20, null, 0);
  return flops(s) / timeCall(run, { ...TIMING, maxCallsPerBatch: 1e5 }) / 1e9;
}

function ccVersion(cc) {
  try {
    return execFileSync(cc, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0];
  } catch {
    return null;
  }
}

/** Compiles the C helper: { bin, blas, compiler, flags } or { skipped }. */
function buildPeer() {
  if (!native.isaVariants().includes('avx2')) return { skipped: 'skipped: no AVX2+FMA here (the helper\'s peak loop needs it)' };
  const cc = process.env.CC || 'cc';
  const compiler = ccVersion(cc);
  if (!compiler) return { skipped: `skipped: no C compiler (${cc}), so no OpenBLAS and no peak` };
  const src = path.join(benchDir, 'gemm', 'gemm_peer.c');
  const bin = path.join(benchDir, 'gemm', 'build', 'gemm_peer');
  mkdirSync(path.dirname(bin), { recursive: true });
  const base = ['-std=c11', '-O2', '-mavx2', '-mfma', '-pthread'];
  for (const [flags, libs, blas] of [[base, ['-lopenblas'], true], [[...base, '-DNO_BLAS'], [], false]]) {
    try {
      execFileSync(cc, [...flags, src, '-o', bin, ...libs], { stdio: ['ignore', 'ignore', 'pipe'] });
      return { bin, blas, compiler, flags: [...flags, ...libs].join(' ') };
    } catch { /* next: without OpenBLAS */ }
  }
  return { skipped: `skipped: ${cc} could not compile bench/gemm/gemm_peer.c` };
}

function runPeer(peer, threads) {
  if (peer.skipped) return null;
  const args = [String(threads), String(TIMING.batchSeconds), String(TIMING.batches),
    ...SHAPES.map((s) => `${s.m},${s.n},${s.k},${s.ta ? 1 : 0},${s.tb ? 1 : 0}`)];
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads) };
  return JSON.parse(execFileSync(peer.bin, args, { encoding: 'utf8', env, maxBuffer: 1 << 24 }));
}

/** Cores kept busy by other processes over `msWindow` while this one sleeps (Linux /proc/stat), or null. */
async function otherLoad(msWindow = 300) {
  const sample = () => {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return { idle: f[3] + (f[4] || 0), total: f.reduce((x, y) => x + y, 0) };
  };
  try {
    const a = sample();
    await sleep(msWindow);
    const b = sample();
    return b.total > a.total ? os.cpus().length * (1 - (b.idle - a.idle) / (b.total - a.total)) : 0;
  } catch {
    return null;
  }
}

if (!native) {
  console.log('gemm bench: the native addon is not loaded, nothing to measure');
} else {
  const peer = buildPeer();
  const load = await otherLoad();
  const initialThreads = dd.getNumThreads();
  // best[threads][shape] = { ours, blas }; peak[threads]
  const best = Object.fromEntries(THREADS.map((t) => [t, SHAPES.map(() => ({ ours: null, blas: null }))]));
  const peak = Object.fromEntries(THREADS.map((t) => [t, null]));
  let blasCore = null;
  const max = (x, y) => (x === null ? y : y === null ? x : Math.max(x, y));
  for (let round = 0; round < ROUNDS; round++) {
    for (const t of THREADS) {
      dd.setNumThreads(t);
      SHAPES.forEach((s, i) => { best[t][i].ours = max(best[t][i].ours, ours(s)); });
      const p = runPeer(peer, t);
      if (p) {
        peak[t] = max(peak[t], p.peak);
        blasCore = p.blasCore ?? blasCore;
        if (p.blas) SHAPES.forEach((_, i) => { best[t][i].blas = max(best[t][i].blas, p.blas[i]); });
      }
    }
  }
  dd.setNumThreads(initialThreads);

  const rows = [];
  const results = [];
  for (const t of THREADS) {
    SHAPES.forEach((s, i) => {
      const { ours: g, blas } = best[t][i];
      const ratio = blas ? g / blas : null;
      rows.push([s.name, t, fmt(g, 1), fmt(blas, 1), fmt(ratio), peak[t] ? `${fmt(100 * g / peak[t], 0)}%` : 'n/a',
        peak[t] && blas ? `${fmt(100 * blas / peak[t], 0)}%` : 'n/a']);
      results.push({ shape: s.name, m: s.m, n: s.n, k: s.k, transA: s.ta, transB: s.tb, mlp: !!s.mlp, threads: t,
        gflops: g, openblasGflops: blas, ratio, peakGflops: peak[t], fractionOfPeak: peak[t] ? g / peak[t] : null });
    });
  }
  console.log(`\nGEMM (fp32, row-major), dendrite ${native.isa()} vs OpenBLAS ${blasCore ?? '(not available)'}; `
    + `GFLOP/s, best of ${TIMING.batches} batches x ${ROUNDS} round(s)`);
  const peaks = THREADS.map((t) => `${t} thread(s) ${fmt(peak[t], 1)} GFLOP/s`).join(', ');
  console.log(`FMA peak: ${peaks}${peer.skipped ? ` (${peer.skipped})` : ''}`);
  if (load !== null && load > 0.2) {
    console.log(`note: other processes kept ~${fmt(load, 1)} core(s) busy when the bench started; 2-thread numbers suffer`);
  }
  printTable(['shape', 'threads', 'dendrite', 'OpenBLAS', 'ratio', 'dendrite %peak', 'OpenBLAS %peak'], rows);
  const file = writeResults('gemm', {
    quick,
    isa: native.isa(),
    openblasCore: blasCore,
    peer: peer.skipped ? { skipped: peer.skipped } : { compiler: peer.compiler, flags: peer.flags },
    otherLoadAtStart: load,
    peakGflops: peak,
    results,
  });
  console.log(`wrote ${path.relative(rootDir, file)}`);
}
