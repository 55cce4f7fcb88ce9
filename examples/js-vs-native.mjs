// The same training on dendrite's pure-JS backend and on its native one:
// dd.setBackend('js') vs dd.setBackend('cpu'). Same seed, same batches, same math:
// the losses agree to float32 rounding; only the speed differs.
//
//   node examples/js-vs-native.mjs
import * as dd from 'dendrite';

const ROWS = 4096;
const FEATURES = 64;
const CLASSES = 4;

// A synthetic problem: the class is the quadrant of two random projections of the input.
let seed = 7;
const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
const x = new Float32Array(ROWS * FEATURES).map(rnd);
const w = new Float32Array(2 * FEATURES).map(rnd);
const y = new Int32Array(ROWS);
for (let r = 0; r < ROWS; r++) {
  let a = 0;
  let b = 0;
  for (let f = 0; f < FEATURES; f++) {
    a += x[r * FEATURES + f] * w[f];
    b += x[r * FEATURES + f] * w[FEATURES + f];
  }
  y[r] = (a > 0 ? 1 : 0) + (b > 0 ? 2 : 0);
}
const X = dd.tensor(x, [ROWS, FEATURES]);

async function train(backend, epochs) {
  dd.setBackend(backend);
  const model = dd.sequential([
    dd.layers.dense({ inputSize: FEATURES, units: 128, activation: 'relu' }),
    dd.layers.dense({ units: 64, activation: 'relu' }),
    dd.layers.dense({ units: CLASSES }),
  ], { seed: 1 });
  model.compile({ optimizer: new dd.optimizers.Adam({ lr: 3e-3 }), loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });
  const t0 = performance.now();
  const history = await model.fit(X, y, { epochs, batchSize: 128, seed: 1 });
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, samplesPerSec: (ROWS * epochs) / seconds, loss: history.history.loss.at(-1), accuracy: history.history.accuracy.at(-1) };
}

const cpuInfo = dd.backends().find((b) => b.name === 'cpu');
if (!cpuInfo.available) {
  console.error(`The native backend is unavailable here: ${cpuInfo.reason}`);
  process.exit(1);
}
const epochs = 5;
console.log(`MLP ${FEATURES}-128-64-${CLASSES}, Adam, ${ROWS} rows x ${epochs} epochs, batches of 128`);
const js = await train('js', epochs);
const cpu = await train('cpu', epochs);
for (const [name, r] of [['js (pure TypeScript)', js], [`cpu (native ${cpuInfo.isa}, ${dd.getNumThreads()} threads)`, cpu]]) {
  console.log(`${name.padEnd(32)} ${r.seconds.toFixed(3).padStart(7)} s  ${Math.round(r.samplesPerSec).toLocaleString('en').padStart(9)} samples/s  final loss ${r.loss.toFixed(6)}  accuracy ${(r.accuracy * 100).toFixed(2)}%`);
}
console.log(`native is ${(cpu.samplesPerSec / js.samplesPerSec).toFixed(1)}x faster; |loss difference| ${Math.abs(cpu.loss - js.loss).toExponential(2)}`);
