/**
 * The short benchmark suite of `dendrite bench` (the long one is bench/ in
 * the repository): activations (GB/s), one optimizer step (ms) and MLP
 * training (samples/s), for the native `cpu` backend next to pure `js`, and
 * tfjs / brain.js when they are installed.
 */
import * as dd from '../../index.js';
import { errorLine, syntheticFloats, timeCall } from './timing.js';
import { loadPeer, type BrainJs, type Tfjs } from './peers.js';

/** One line of the bench table. */
export interface BenchRow {
  group: 'activation' | 'optimizer' | 'training';
  name: string;
  unit: 'GB/s' | 'ms/step' | 'samples/s';
  cpu: number | null;
  js: number | null;
  tfjs: number | null;
  brainjs: number | null;
}

/** Sizes and time windows. */
export interface BenchSettings {
  /** Floats per activation call. */
  activationSize: number;
  /** Parameters of the optimizer step (in 4 tensors). */
  optimizerSize: number;
  /** Rows of the synthetic MLP data. */
  mlpRows: number;
  /** Seconds of each training measurement. */
  window: number;
  /** Try tfjs and brain.js. */
  peers: boolean;
}

export const FULL: BenchSettings = { activationSize: 1 << 20, optimizerSize: 1 << 20, mlpRows: 4096, window: 1, peers: true };
export const QUICK: BenchSettings = { activationSize: 1 << 16, optimizerSize: 1 << 16, mlpRows: 512, window: 0.15, peers: true };

const ACTIVATIONS = ['relu', 'sigmoid', 'tanh', 'gelu', 'swish'] as const;
const MLP = [784, 256, 128, 10];

/**
 * Run every benchmark; `onStep` reports progress. dendrite is measured first,
 * then the peers (a loaded tfjs slows what runs after it in the same process).
 */
export async function runBench(s: BenchSettings, onStep: (what: string) => void = () => undefined): Promise<{ rows: BenchRow[]; notes: string[] }> {
  const notes: string[] = [];
  const rows: BenchRow[] = [];
  const previous = dd.getBackend();
  const x = syntheticFloats(s.mlpRows * MLP[0], 3);
  const y = Int32Array.from(syntheticFloats(s.mlpRows, 4), (v) => Math.floor((v + 1) * 5) % 10);
  try {
    for (const name of ACTIVATIONS) {
      onStep(`activation ${name}`);
      rows.push(...activationRows(name, s.activationSize));
    }
    onStep('optimizer step');
    rows.push(optimizerRow(s.optimizerSize));
    onStep('MLP training');
    rows.push(await trainingRow(s, x, y));
  } finally {
    dd.setBackend(previous);
  }
  if (s.peers) {
    onStep('tfjs and brain.js');
    await peerColumns(rows, s, x, y, notes);
  }
  notes.push(`activations: GB/s moved (forward reads x, writes y; backward reads x, dy, writes dx) on ${s.activationSize} floats`);
  notes.push(`optimizer: one Adam step on ${s.optimizerSize} parameters in 4 tensors`);
  notes.push(`training: MLP ${MLP.join('-')} (relu), softmax cross-entropy, Adam, batches of 128 (synthetic data)`);
  return { rows, notes };
}

/** Fill the tfjs and brain.js columns where those packages are installed. */
async function peerColumns(rows: BenchRow[], s: BenchSettings, x: Float32Array, y: Int32Array, notes: string[]): Promise<void> {
  const tf = await loadTfjs(notes);
  if (tf) {
    for (const name of ['relu', 'sigmoid', 'tanh'] as const) {
      const n = s.activationSize;
      const t = tf.tensor1d(syntheticFloats(n, 1).map((v) => v * 6));
      const row = rows.find((r) => r.name === `${name} forward`)!;
      row.tfjs = (8 * n) / timeCall(() => tf[name](t).dispose(), { batches: 2, batchSeconds: 0.02 }) / 1e9;
      t.dispose();
    }
    rows.find((r) => r.group === 'optimizer')!.tfjs = tfjsAdamStep(tf, s.optimizerSize);
    try {
      rows.find((r) => r.group === 'training')!.tfjs = tfjsTraining(tf, x, y, s.window);
    } catch (err) {
      notes.push(`tfjs training failed: ${errorLine(err)}`);
    }
  }
  const brain = loadPeer<BrainJs>('brain.js');
  if (!brain) notes.push('brain.js: not installed (npm install brain.js to include it)');
  else {
    rows.find((r) => r.group === 'training')!.brainjs = brainTraining(brain.module, x, y, s.window);
    notes.push('brain.js trains one sample per step on MSE (no batches, no softmax loss): not the same model');
  }
}

const SPLIT = (n: number) => [n / 2, n / 4, n / 8, n / 8].map(Math.floor);

async function loadTfjs(notes: string[]): Promise<Tfjs | null> {
  const peer = loadPeer<Tfjs>('@tensorflow/tfjs');
  if (!peer) {
    notes.push('tfjs: not installed (npm install @tensorflow/tfjs to include it)');
    return null;
  }
  try {
    peer.module.enableProdMode(); // also silences its console banner
    await peer.module.setBackend('cpu');
    await peer.module.ready();
    notes.push(`tfjs ${peer.module.version.tfjs} (its pure-JS cpu backend), from ${peer.from}`);
    return peer.module;
  } catch (err) {
    notes.push(`tfjs: failed to start (${errorLine(err)})`);
    return null;
  }
}

function backends(): ('cpu' | 'js')[] {
  return dd.backends().find((b) => b.name === 'cpu')?.available ? ['cpu', 'js'] : ['js'];
}

function activationRows(name: (typeof ACTIVATIONS)[number], n: number): BenchRow[] {
  const x = dd.tensor(syntheticFloats(n, 1).map((v) => v * 6), [n]);
  const dy = dd.tensor(syntheticFloats(n, 2), [n]);
  const out = new Float32Array(n);
  const act = dd.activation(name);
  const fwd: BenchRow = { group: 'activation', name: `${name} forward`, unit: 'GB/s', cpu: null, js: null, tfjs: null, brainjs: null };
  const bwd: BenchRow = { ...fwd, name: `${name} backward` };
  for (const b of backends()) {
    dd.setBackend(b);
    const opts = b === 'js' ? { batches: 2, batchSeconds: 0.02 } : { batches: 5, batchSeconds: 0.03 };
    fwd[b] = (8 * n) / timeCall(() => act.forward(x, { out }), opts) / 1e9;
    bwd[b] = (12 * n) / timeCall(() => act.backward(x, dy, { out }), opts) / 1e9;
  }
  return [fwd, bwd];
}

function optimizerRow(n: number): BenchRow {
  const row: BenchRow = { group: 'optimizer', name: 'Adam step', unit: 'ms/step', cpu: null, js: null, tfjs: null, brainjs: null };
  for (const b of backends()) {
    dd.setBackend(b);
    const params = SPLIT(n).map((m, i) => syntheticFloats(m, 10 + i));
    const grads = SPLIT(n).map((m, i) => syntheticFloats(m, 20 + i).map((v) => v * 1e-3));
    const opt = new dd.optimizers.Adam({ lr: 1e-3 });
    row[b] = 1000 * timeCall(() => opt.step(params, grads), b === 'js' ? { batches: 2, batchSeconds: 0.02 } : { batches: 5, batchSeconds: 0.03 });
  }
  return row;
}

function tfjsAdamStep(tf: Tfjs, n: number): number {
  const vars = SPLIT(n).map((m, i) => tf.variable(tf.tensor1d(syntheticFloats(m, 10 + i))));
  const grads = SPLIT(n).map((m, i) => tf.tensor1d(syntheticFloats(m, 20 + i)));
  const opt = tf.train.adam(1e-3);
  const pairs = grads.map((tensor, i) => ({ name: (vars[i] as unknown as { name: string }).name, tensor }));
  const ms = 1000 * timeCall(() => opt.applyGradients(pairs), { batches: 2, batchSeconds: 0.02 });
  opt.dispose();
  for (const t of [...vars, ...grads]) t.dispose();
  return ms;
}

async function trainingRow(s: BenchSettings, x: Float32Array, y: Int32Array): Promise<BenchRow> {
  const row: BenchRow = { group: 'training', name: `MLP ${MLP.join('-')}`, unit: 'samples/s', cpu: null, js: null, tfjs: null, brainjs: null };
  for (const b of backends()) {
    dd.setBackend(b);
    const rows = b === 'js' ? Math.min(s.mlpRows, 256) : s.mlpRows;
    const model = dd.sequential([
      dd.layers.dense({ inputSize: MLP[0], units: MLP[1], activation: 'relu' }),
      dd.layers.dense({ units: MLP[2], activation: 'relu' }),
      dd.layers.dense({ units: MLP[3] }),
    ], { seed: 1 });
    model.compile({ optimizer: new dd.optimizers.Adam({ lr: 1e-3 }), loss: 'softmaxCrossEntropy' });
    const xt = dd.tensor(x.subarray(0, rows * MLP[0]), [rows, MLP[0]]);
    const yt = y.subarray(0, rows);
    await model.fit(xt, yt, { epochs: 1, batchSize: 128, seed: 1, verbose: 0 });
    const t0 = performance.now();
    const stop: dd.Callback = { onEpochEnd: (_e, _l, control) => { if (performance.now() - t0 >= s.window * 1000) control.stopTraining = true; } };
    const h = await model.fit(xt, yt, { epochs: 1e6, batchSize: 128, seed: 2, callbacks: [stop], verbose: 0 });
    row[b] = (rows * h.history.loss.length) / ((performance.now() - t0) / 1000);
  }
  return row;
}

function tfjsTraining(tf: Tfjs, x: Float32Array, y: Int32Array, window: number): number {
  const batch = 128;
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [MLP[0]], units: MLP[1], activation: 'relu' }),
      tf.layers.dense({ units: MLP[2], activation: 'relu' }),
      tf.layers.dense({ units: MLP[3] }),
    ],
  });
  const opt = tf.train.adam(1e-3);
  const xb = x.subarray(0, batch * MLP[0]);
  const yb = new Float32Array(batch * MLP[3]);
  for (let r = 0; r < batch; r++) yb[r * MLP[3] + y[r]] = 1;
  const step = () => tf.tidy(() => {
    const xt = tf.tensor2d(xb, [batch, MLP[0]]);
    const yt = tf.tensor2d(yb, [batch, MLP[3]]);
    opt.minimize(() => tf.losses.softmaxCrossEntropy(yt, model.apply(xt)), false);
  });
  step();
  let steps = 0;
  const t0 = performance.now();
  while (steps < 2 || performance.now() - t0 < window * 1000) {
    step();
    steps++;
  }
  const rate = (steps * batch) / ((performance.now() - t0) / 1000);
  model.dispose();
  opt.dispose();
  return rate;
}

function brainTraining(brain: BrainJs, x: Float32Array, y: Int32Array, window: number): number {
  const sample = (i: number) => {
    const output = new Array(MLP[3]).fill(0);
    output[y[i]] = 1;
    return { input: Array.from(x.subarray(i * MLP[0], (i + 1) * MLP[0])), output };
  };
  const opts = { iterations: 1, errorThresh: 1e-9, learningRate: 1e-3 };
  const net = new brain.NeuralNetwork({ hiddenLayers: [MLP[1], MLP[2]], activation: 'relu' });
  const warm = [0, 1, 2, 3].map(sample);
  let t0 = performance.now();
  net.train(warm, opts);
  const perSample = (performance.now() - t0) / 1000 / warm.length;
  const n = Math.max(8, Math.min(y.length, Math.round(window / perSample)));
  const data = Array.from({ length: n }, (_, i) => sample(i));
  t0 = performance.now();
  net.train(data, opts);
  return n / ((performance.now() - t0) / 1000);
}
