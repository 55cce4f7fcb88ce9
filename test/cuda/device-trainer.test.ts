/**
 * The device-resident training loop (native/model/device_trainer.cc) on the host device:
 * the CUDA device math run on the CPU over "device" memory, so the loop itself (data upload,
 * gather by the epoch order, fused forward, loss and accuracy slots, backward with bias
 * column sums, the fused optimizer step, weights and state back to the host after each
 * span) is checked without a GPU, against the CPU trainer. test/gpu runs the same on a GPU.
 */
import { describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { createNativeBackend } from '../../src/backend/native-ops.js';
import { useBackendObject } from '../../src/backend/registry.js';
import { nativeAddon } from '../../src/native.js';
import { nativeLayers } from '../../src/model/runners.js';
import { firstMismatch, restoreDefaults } from '../helpers.js';

const native = nativeAddon()!;
const deviceMath = createNativeBackend('cuda', native.deviceMath);

function data(rows: number, width: number, classes: number, seed: number) {
  let s = seed;
  const rand = () => ((s = (Math.imul(s ^ (s >>> 15), 1 | s) + 0x6d2b79f5) | 0), ((s >>> 0) % 1e6) / 1e6);
  const x = new Float32Array(rows * width).map(() => rand() * 2 - 1);
  const y = new Int32Array(rows).map((_, r) => (x[r * width] + x[r * width + 1] > 0 ? 1 : 0) + (classes > 2 && x[r * width + 2] > 0.3 ? 1 : 0));
  return { x: dd.tensor(x, [rows, width]), y };
}

type Setup = {
  name: string; loss: 'softmaxCrossEntropy' | 'mse' | 'binaryCrossEntropyWithLogits'; act: string; optimizer: () => dd.Optimizer; useBias?: boolean;
};
const SETUPS: Setup[] = [
  { name: 'softmax CE, tanh, Adam', loss: 'softmaxCrossEntropy', act: 'tanh', optimizer: () => new dd.optimizers.Adam({ lr: 0.01 }) },
  { name: 'MSE, relu, SGD + Nesterov', loss: 'mse', act: 'relu', optimizer: () => new dd.optimizers.SGD({ lr: 0.05, momentum: 0.9, nesterov: true }) },
  { name: 'BCE with logits, gelu, RMSprop', loss: 'binaryCrossEntropyWithLogits', act: 'gelu', optimizer: () => new dd.optimizers.RMSprop({ lr: 0.005 }) },
  { name: 'softmax CE with label smoothing, swish, AdamW', loss: 'softmaxCrossEntropy', act: 'swish', optimizer: () => new dd.optimizers.AdamW({ lr: 0.01 }) },
  { name: 'no biases, row-wise logSoftmax hidden layers, Adagrad', loss: 'softmaxCrossEntropy', act: 'logSoftmax', optimizer: () => new dd.optimizers.Adagrad({ lr: 0.05 }), useBias: false },
];

/** Trains one model on `where` ('cpu' backend or the host device); returns history and weights. */
async function train(where: 'cpu' | 'device', s: Setup, epochs: number, batchSize: number, verbose: 0 | 1 = 0) {
  if (where === 'device') useBackendObject(deviceMath);
  else dd.setBackend('cpu');
  try {
    const { x, y } = data(333, 6, 3, 11);
    const units = s.loss === 'softmaxCrossEntropy' ? 3 : 2;
    const targets = s.loss === 'softmaxCrossEntropy' ? y
      : dd.tensor(Float32Array.from({ length: 333 * units }, (_, i) => (s.loss === 'mse' ? y[Math.floor(i / units)] * 0.5 + (i % units) : (y[Math.floor(i / units)] + i) % 2)), [333, units]);
    const model = dd.sequential([
      dd.layers.dense({ inputSize: 6, units: 16, activation: s.act as never, useBias: s.useBias ?? true }),
      dd.layers.dense({ units: 8, activation: s.act as never, useBias: s.useBias ?? true }),
      dd.layers.dense({ units, useBias: s.useBias ?? true }),
    ], { seed: 5 });
    const loss = s.name.includes('label smoothing') ? dd.loss('softmaxCrossEntropy', { labelSmoothing: 0.1 }) : s.loss;
    model.compile({ optimizer: s.optimizer(), loss, metrics: s.loss === 'mse' ? [] : ['accuracy'] });
    const history = await model.fit(x, targets, { epochs, batchSize, seed: 3, validationSplit: 0.1, verbose });
    return { history: history.history, weights: model.getWeights(), iterations: model.optimizer!.iterations, model };
  } finally {
    restoreDefaults();
  }
}

describe('device-resident training loop on the host device', () => {
  it.each(SETUPS.map((s) => [s.name, s] as const))('%s: same trajectory as the CPU trainer (partial batches, several epochs)', async (_name, s) => {
    const cpu = await train('cpu', s, 4, 32);
    const dev = await train('device', s, 4, 32);
    expect(dev.iterations).toBe(cpu.iterations);
    expect(firstMismatch(dev.history.loss, cpu.history.loss, 1e-4, 1e-5)).toBe(-1);
    if (cpu.history.accuracy) expect(dev.history.accuracy).toEqual(cpu.history.accuracy);
    expect(firstMismatch(dev.history.valLoss, cpu.history.valLoss, 1e-4, 1e-5)).toBe(-1);
    dev.weights.forEach((w, i) => expect(firstMismatch(w, cpu.weights[i], 1e-3, 1e-5), `weights[${i}]`).toBe(-1));
  });

  it('spans of a few batches (a progress bar) give the same result as whole epochs', async () => {
    const whole = await train('device', SETUPS[0], 3, 16);
    const spans = await train('device', SETUPS[0], 3, 16, 1);
    expect(spans.history.loss).toEqual(whole.history.loss);
    spans.weights.forEach((w, i) => expect(Array.from(w)).toEqual(Array.from(whole.weights[i])));
  });

  it('a second fit continues from the weights and optimizer state on the host, with new data', async () => {
    useBackendObject(deviceMath);
    try {
      const a = data(200, 6, 3, 21);
      const b = data(200, 6, 3, 22);
      const build = () => {
        const m = dd.sequential([dd.layers.dense({ inputSize: 6, units: 12, activation: 'tanh' }), dd.layers.dense({ units: 3 })], { seed: 1 });
        m.compile({ optimizer: new dd.optimizers.Adam({ lr: 0.01 }), loss: 'softmaxCrossEntropy' });
        return m;
      };
      const twice = build();
      await twice.fit(a.x, a.y, { epochs: 2, batchSize: 50, shuffle: false });
      await twice.fit(b.x, b.y, { epochs: 2, batchSize: 50, shuffle: false });
      // the same x array with new values in place is picked up too
      (a.x.data as Float32Array).set(b.x.data as Float32Array);
      const inPlace = build();
      const a2 = data(200, 6, 3, 21);
      await inPlace.fit(a2.x, a2.y, { epochs: 2, batchSize: 50, shuffle: false });
      (a2.x.data as Float32Array).set(b.x.data as Float32Array);
      await inPlace.fit(a2.x, b.y, { epochs: 2, batchSize: 50, shuffle: false });
      expect(inPlace.getWeights()).toEqual(twice.getWeights());
      expect(inPlace.optimizer!.iterations).toBe(16);
      // setWeights between fits is seen by the next one
      const reset = build();
      reset.setWeights(twice.getWeights());
      const sameStart = build();
      sameStart.setWeights(twice.getWeights());
      await reset.fit(b.x, b.y, { epochs: 1, batchSize: 50, shuffle: false });
      await sameStart.fit(b.x, b.y, { epochs: 1, batchSize: 50, shuffle: false });
      expect(reset.getWeights()).toEqual(sameStart.getWeights());
    } finally {
      restoreDefaults();
    }
  });

  it('predict, predictAsync and evaluate on the device match the CPU backend', async () => {
    const trained = await train('device', SETUPS[0], 2, 32);
    const { x } = data(333, 6, 3, 11);
    const cpuOut = trained.model.predict(x).data;  // restoreDefaults: the cpu backend
    const cpuEval = trained.model.evaluate(x, data(333, 6, 3, 11).y);
    useBackendObject(deviceMath);
    try {
      const devEval = trained.model.evaluate(x, data(333, 6, 3, 11).y, { batchSize: 100 });
      expect(devEval.loss).toBeCloseTo(cpuEval.loss, 5);
      expect(devEval.accuracy).toBe(cpuEval.accuracy);
      dd.debug.resetNativeCalls();
      const out = trained.model.predict(x, { batchSize: 50 }).data;
      const asyncOut = (await trained.model.predictAsync(x, { batchSize: 64 })).data;
      expect(dd.debug.nativeCalls).toBe(0);  // the device's forward pass, not op by op
      expect(firstMismatch(out, cpuOut, 1e-5, 1e-6)).toBe(-1);
      expect(Array.from(asyncOut)).toEqual(Array.from(out));
    } finally {
      restoreDefaults();
    }
  });

  it('NativeTrainer: predict on the device matches the CPU forward pass; bad device names are refused', async () => {
    const { x } = data(70, 6, 3, 31);
    const model = dd.sequential([dd.layers.dense({ inputSize: 6, units: 9, activation: 'elu' }), dd.layers.dense({ units: 4, activation: 'softmax' })], { seed: 2 });
    const layers = nativeLayers(model);
    const spec = { layers, loss: 'mse' as const, labelSmoothing: 0, accuracy: false, optimizer: 'sgd', slots: 0, state: new Float32Array(0), coeffCount: 0 };
    const onDevice = new native.NativeTrainer({ ...spec, device: 'deviceMath' });
    const out = new Float32Array(70 * 4);
    await onDevice.predict(x.data as Float32Array, 70, 32, out);
    const ref = model.predict(x).data;
    expect(firstMismatch(out, ref, 1e-5, 1e-6)).toBe(-1);
    expect(() => new native.NativeTrainer({ ...spec, device: 'tpu' as never })).toThrow("Expected 'cpu', 'cuda' or 'deviceMath' for device");
    const cuda = dd.backends().find((b) => b.name === 'cuda')!;
    if (!cuda.available) expect(() => new native.NativeTrainer({ ...spec, device: 'cuda' })).toThrow(/^Expected a usable CUDA device for device but received none/);
  });
});
