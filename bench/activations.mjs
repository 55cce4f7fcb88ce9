// Activation throughput: GB/s of every activation, forward and backward, on
// 16M floats (memory-bound) and 64K floats (in cache), for the native cpu
// backend (each ISA variant on one thread, and the best one on every core), the pure-JS backend, a native memcpy of the same
// bytes, PyTorch (one thread, through /usr/bin/python3, in lib.mjs's peerEnv) and tfjs when installed.
// Bytes moved: forward reads x and writes y (8 B/element), backward reads x and
// dy and writes dx (12 B/element); memcpy reads and writes (8 B/element).
import { createRequire } from 'node:module';
import path from 'node:path';
import { fmt, openblasLine, printTable, rootDir, runPython, timeCall, torchPython, writeResults } from './lib.mjs';

const require = createRequire(import.meta.url);
const dd = require(rootDir);
const { nativeAddon } = require(path.join(rootDir, 'dist', 'native.js'));

const quick = process.argv.includes('--quick');
const SIZES = quick ? [1 << 16] : [1 << 24, 1 << 16];
const ROW = 1024; // softmax rows of 1024 columns
const OPS = dd.ACTIVATION_NAMES.filter((n) => n !== 'silu'); // silu is an alias of swish
const TFJS_OPS = { sigmoid: 'sigmoid', tanh: 'tanh', relu: 'relu', leakyRelu: 'leakyRelu', elu: 'elu', selu: 'selu', softplus: 'softplus', relu6: 'relu6', softmax: 'softmax', logSoftmax: 'logSoftmax' };

async function loadTfjs() {
  try {
    const tf = require(path.join(rootDir, 'bench', 'node_modules', '@tensorflow', 'tfjs'));
    await tf.setBackend('cpu');
    return { tf, note: `tfjs ${tf.version.tfjs} (cpu backend)` };
  } catch (err) {
    return { tf: null, note: `tfjs not installed (npm --prefix bench install): ${err.message.split('\n')[0]}` };
  }
}

function inputs(n) {
  const x = new Float32Array(n);
  const dy = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = Math.sin(i * 0.7) * 6;
    dy[i] = Math.cos(i * 0.3);
  }
  return { x, dy };
}

async function main() {
  const native = nativeAddon();
  if (!native) throw new Error('the native addon is not built: run npm install first');
  const isas = native.isaVariants();
  const threads = dd.getNumThreads();
  const torchPy = torchPython();
  if (torchPy) console.log(openblasLine());
  const torch = torchPy ? runPython(torchPy, 'torch_activations.py', SIZES.map(String)) : null;
  const { tf, note: tfNote } = await loadTfjs();
  const results = [];

  for (const n of SIZES) {
    const big = n > 1 << 20;
    const opts = big ? { batches: 3, batchSeconds: 0.2 } : { batches: 7, batchSeconds: 0.05 };
    const { x, dy } = inputs(n);
    const out = new Float32Array(n);
    const gbps = (bytes, seconds) => bytes / seconds / 1e9;
    const copyGBps = gbps(8 * n, timeCall(() => native.copyFloat32(out, x), opts));
    const torchSizes = torch?.sizes[String(n)];
    const torchCopy = torchSizes ? gbps(8 * n, torchSizes.copy) : null;
    const xt = dd.tensor(x, [n / ROW, ROW]);
    const dyt = dd.tensor(dy, [n / ROW, ROW]);
    const tfx = tf ? tf.tensor2d(x, [n / ROW, ROW]) : null;

    for (const op of OPS) {
      const act = dd.activation(op);
      for (const dir of ['fwd', 'bwd']) {
        const bytes = (dir === 'fwd' ? 8 : 12) * n;
        const run = dir === 'fwd' ? () => act.forward(xt, { out }) : () => act.backward(xt, dyt, { out });
        const row = { op, dir, n, memcpy: copyGBps, cpu: {} };
        dd.setBackend('cpu');
        dd.setNumThreads(1); // the ISA columns are single-threaded, like the torch peer
        for (const isa of isas) {
          native.selectIsa(isa);
          row.cpu[isa] = gbps(bytes, timeCall(run, opts));
        }
        native.selectIsa('auto');
        dd.setNumThreads(threads);
        row.threaded = gbps(bytes, timeCall(run, opts)); // best variant on every core
        dd.setBackend('js');
        row.js = gbps(bytes, timeCall(run, big ? { batches: 2, batchSeconds: 0 } : opts));
        dd.setBackend('cpu');
        row.torch = torchSizes?.[op]?.[dir] ? gbps(bytes, torchSizes[op][dir]) : null;
        row.tfjs = tf && dir === 'fwd' && TFJS_OPS[op]
          ? gbps(bytes, timeCall(() => tf[TFJS_OPS[op]](tfx).dispose(), big ? { batches: 2, batchSeconds: 0 } : opts))
          : null;
        results.push(row);
      }
    }
    tfx?.dispose();

    console.log(`\nActivations on ${n.toLocaleString('en')} floats (${big ? 'memory-bound' : 'in cache'}), GB/s; memcpy ${fmt(copyGBps)} GB/s` +
      (torchCopy ? `, torch copy ${fmt(torchCopy)} GB/s` : ''));
    const best = isas[0];
    printTable(
      ['op', 'dir', ...isas.map((i) => `cpu/${i}`), `${best} ${threads}thr`, 'js', 'torch 1thr', 'tfjs', `${best} % memcpy`, `${best} / js`, `${best} / torch`],
      results.filter((r) => r.n === n).map((r) => [
        r.op, r.dir, ...isas.map((i) => fmt(r.cpu[i])), fmt(r.threaded), fmt(r.js, 3), fmt(r.torch), fmt(r.tfjs, 3),
        `${fmt((100 * r.cpu[best]) / r.memcpy, 0)}%`, `${fmt(r.cpu[best] / r.js, 1)}x`, r.torch ? `${fmt(r.cpu[best] / r.torch, 1)}x` : 'n/a',
      ]),
    );
  }
  // The AVX-512 issue's target: gelu, softplus and mish forward at >= 70% of memcpy on 16M floats
  // (one thread each: the memcpy is single-threaded).
  const big = results.filter((r) => r.n === 1 << 24 && r.dir === 'fwd' && ['gelu', 'softplus', 'mish'].includes(r.op));
  const targets = big.map((r) => ({ name: `${r.op} forward >= 70% of memcpy, 16M floats, ${isas[0]} 1 thr`, value: r.cpu[isas[0]] / r.memcpy, met: r.cpu[isas[0]] / r.memcpy >= 0.7 }));
  if (targets.length) {
    console.log('\nTargets:');
    printTable(['target', 'measured', 'met'], targets.map((t) => [t.name, `${fmt(100 * t.value, 0)}%`, t.met ? 'yes' : 'NO']));
  }
  const peers = {
    torch: torch ? `PyTorch ${torch.torch}, ${torch.threads} thread` : 'skipped: python3-torch is not installed (apt-get install python3-torch)',
    tfjs: tfNote,
  };
  console.log(`\npeers: torch: ${peers.torch}; tfjs: ${peers.tfjs}`);
  console.log(`results: ${writeResults('activations', { threads: { isaColumns: 1, threaded: threads }, peers, targets, results })}`);
}

await main();
