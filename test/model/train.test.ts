// A model learns: XOR, the two spirals (>= 95% while a linear model stays
// below 75%), gradients check against finite differences through 3 layers,
// and fit's options, callbacks and errors behave as documented.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { activeBackend } from '../../src/backend/registry.js';
import { modelGradients, modelNetwork } from '../../src/model/sequential.js';
import { expectClose, restoreDefaults, variants } from '../helpers.js';

afterAll(restoreDefaults);

/** The spirals: 600 points, class i mod 2. */
function spirals(): { x: dd.Tensor; y: Int32Array } {
  const n = 600;
  const x = new Float32Array(n * 2);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    const t = (Math.floor(i / 2) / 300) * 3 * Math.PI + 0.3;
    const r = (3 * t) / (3 * Math.PI);
    x[2 * i] = r * Math.cos(t + c * Math.PI);
    x[2 * i + 1] = r * Math.sin(t + c * Math.PI);
    y[i] = c;
  }
  return { x: dd.tensor(x, [n, 2]), y };
}

const XOR_X = dd.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
const XOR_Y = [0, 1, 1, 0];
const cpuVariants = variants().filter((v) => v.label.startsWith('cpu'));

describe.each(variants())('learning on $label', (variant) => {
  it('learns XOR', async () => {
    variant.use();
    const model = dd.sequential([dd.layers.dense({ inputSize: 2, units: 8, activation: 'tanh' }), dd.layers.dense({ units: 2 })], { seed: 3 });
    model.compile({ optimizer: new dd.optimizers.Adam({ lr: 0.05 }), loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });
    await model.fit(XOR_X, XOR_Y, { epochs: 300, batchSize: 4 });
    expect(model.evaluate(XOR_X, XOR_Y).accuracy).toBe(1);
  });

  it('backward matches finite differences through a 3-layer model', () => {
    variant.use();
    const model = dd.sequential([
      dd.layers.dense({ inputSize: 3, units: 5, activation: 'tanh' }),
      dd.layers.dense({ units: 4, activation: 'gelu' }),
      dd.layers.dense({ units: 3 }),
    ], { seed: 7 });
    const x = dd.tensor([[0.5, -1, 2], [1.5, 0.3, -0.7]]);
    const targets = Int32Array.of(2, 0);
    const ce = dd.loss('softmaxCrossEntropy');
    const lossAt = () => ce.forward(model.predict(x), targets);
    const net = modelNetwork(model, 2);
    net.input.set(x.data);
    net.forward(true);
    activeBackend().softmaxCrossEntropy(net.output, targets, 2, 3, 0, net.outputGrad);
    net.backward();
    const analytic = modelGradients(model).map((g) => g.slice());
    const h = 1e-2;
    model.parameters().forEach((p, k) => {
      const numeric = Array.from(p.data, (_, i) => {
        const v = p.data[i];
        p.data[i] = v + h;
        const up = lossAt();
        p.data[i] = v - h;
        const down = lossAt();
        p.data[i] = v;
        return (up - down) / (2 * h);
      });
      expectClose(analytic[k], numeric, 2e-2, 2e-3, `parameter ${k}`);
    });
  });
});

describe.each(cpuVariants)('two spirals on $label', (variant) => {
  it('an MLP reaches >= 95% and a linear model stays below 75%', async () => {
    variant.use();
    const { x, y } = spirals();
    const mlp = dd.sequential([
      dd.layers.dense({ inputSize: 2, units: 64, activation: 'tanh' }),
      dd.layers.dense({ units: 64, activation: 'tanh' }),
      dd.layers.dense({ units: 2 }),
    ], { seed: 1 });
    mlp.compile({ optimizer: new dd.optimizers.Adam({ lr: 0.01 }), loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });
    await mlp.fit(x, y, { epochs: 300, batchSize: 64, shuffle: true, seed: 1 });
    expect(mlp.evaluate(x, y).accuracy).toBeGreaterThanOrEqual(0.95);

    const linear = dd.sequential([dd.layers.dense({ inputSize: 2, units: 2 })], { seed: 1 });
    linear.compile({ optimizer: new dd.optimizers.Adam({ lr: 0.01 }), loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });
    await linear.fit(x, y, { epochs: 100, batchSize: 64, seed: 1 });
    expect(linear.evaluate(x, y).accuracy).toBeLessThan(0.75);
  }, 60_000);
});

describe('fit options and callbacks', () => {
  beforeEach(restoreDefaults);
  const data = () => {
    const { x, y } = spirals();
    return { x, y };
  };
  const model = (seed = 0) => {
    const m = dd.sequential([dd.layers.dense({ inputSize: 2, units: 16, activation: 'relu' }), dd.layers.dense({ units: 2 })], { seed });
    m.compile({ optimizer: new dd.optimizers.Adam({ lr: 0.01 }), loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });
    return m;
  };

  it('History has per-epoch loss, accuracy, validation metrics and time', async () => {
    const { x, y } = data();
    const h = await model().fit(x, y, { epochs: 3, batchSize: 32, validationSplit: 0.2 });
    expect(h.epoch).toEqual([0, 1, 2]);
    for (const key of ['loss', 'accuracy', 'valLoss', 'valAccuracy', 'time']) expect(h.history[key], key).toHaveLength(3);
  });

  it('is reproducible from a seed, and the batch size selects the GD flavour', async () => {
    const { x, y } = data();
    const a = model(5);
    const b = model(5);
    await a.fit(x, y, { epochs: 2, batchSize: 16, seed: 9 });
    await b.fit(x, y, { epochs: 2, batchSize: 16, seed: 9 });
    expect(b.getWeights()).toEqual(a.getWeights());
    for (const [batchSize, steps] of [[1, 600], ['full', 1], [256, 3]] as const) {
      const m = model();
      await m.fit(x, y, { epochs: 1, batchSize });
      expect(m.optimizer!.iterations, `batchSize ${batchSize}`).toBe(steps);
    }
  });

  it('earlyStopping stops, schedules step once per epoch, callbacks see every epoch and batch', async () => {
    const { x, y } = data();
    const m = model();
    const seen: string[] = [];
    const sched = new dd.schedules.StepLR(m.optimizer!, { stepSize: 1, gamma: 0.5 });
    const h = await m.fit(x, y, {
      epochs: 50, batchSize: 300,
      callbacks: [
        dd.callbacks.earlyStopping({ monitor: 'loss', patience: 0, minDelta: 10 }),
        sched,
        { onEpochBegin: (e) => { seen.push(`e${e}`); }, onBatchEnd: (b) => { seen.push(`b${b}`); } },
      ],
    });
    expect(h.epoch).toEqual([0, 1]); // epoch 1 does not improve by minDelta: stop
    expect(seen).toEqual(['e0', 'b0', 'b1', 'e1', 'b0', 'b1']);
    expect(m.optimizer!.lr).toBeCloseTo(0.01 / 4, 12);
  });

  it('terminateOnNaN names the epoch and batch; an AbortSignal stops between batches', async () => {
    const { x, y } = data();
    const m = model();
    m.setWeights(m.getWeights().map((w) => w.fill(NaN)));
    await expect(m.fit(x, y, { epochs: 2, batchSize: 100, callbacks: [dd.callbacks.terminateOnNaN()] }))
      .rejects.toThrow('Expected a finite loss for epoch 0 batch 0 but received NaN (terminateOnNaN)');
    const controller = new AbortController();
    const m2 = model();
    const run = m2.fit(x, y, { epochs: 1000, batchSize: 8, signal: controller.signal, callbacks: [{ onEpochEnd: () => controller.abort() }] });
    await expect(run).rejects.toThrow(/aborted/);
    expect(m2.optimizer!.iterations).toBe(75);
  });

  it('verbose: 1 prints one plain line per epoch on stderr when it is not a TTY', async () => {
    const { x, y } = data();
    const lines: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => { lines.push(String(chunk)); return true; }) as typeof process.stderr.write;
    try {
      await model().fit(x, y, { epochs: 2, batchSize: 100, verbose: 1, validationSplit: 0.5 });
    } finally {
      process.stderr.write = write;
    }
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^Epoch 1\/2 - loss: \d\.\d{4} - accuracy: \d\.\d{4} - valLoss: \d\.\d{4} - valAccuracy: \d\.\d{4} - \d+\.\d\ds\n$/);
    expect(lines[1]).toMatch(/^Epoch 2\/2 /);
  });

  it('predict works without compile; summary lists the layers', () => {
    const m = dd.sequential([dd.layers.dense({ inputSize: 784, units: 256, activation: 'relu' }), dd.layers.dense({ units: 10 })]);
    expect(m.predict(new Float32Array(784 * 3)).shape).toEqual([3, 10]);
    expect(m.summary()).toContain('Total params: 203530');
  });

  it('bad input gets the house message', async () => {
    const { x, y } = data();
    const m = model();
    const uncompiled = dd.sequential([dd.layers.dense({ inputSize: 2, units: 2 })]);
    await expect(uncompiled.fit(x, y)).rejects.toThrow('Expected a compiled model (call model.compile first) for fit but received an uncompiled model');
    await expect(m.fit(x, y.subarray(1))).rejects.toThrow('Expected class indices [600] or one-hot [600, 2] (1200 values) for y but received Int32Array(599)');
    await expect(m.fit(dd.tensor(new Float32Array(1800), [600, 3]), y)).rejects.toThrow("Expected rows of 2 values (the model's input [N, 2]) for x but received shape [600, 3]");
    await expect(m.fit(x, Int32Array.from(y, (v) => v + 1))).rejects.toThrow('Expected an integer class index in [0, 1] for y[1] but received 2');
    await expect(m.fit(x, y, { batchSize: 0 })).rejects.toThrow('Expected an integer >= 1 for batchSize but received 0');
    await expect(m.fit(x, y, { batchSize: 2.5 })).rejects.toThrow('Expected an integer >= 1 for batchSize but received 2.5');
    await expect(m.fit(x, y, { validationSplit: 1 })).rejects.toThrow('Expected a finite number >= 0 and < 1 for validationSplit but received 1');
    await expect(m.fit(x, y, { epochs: -1 })).rejects.toThrow('Expected an integer >= 1 for epochs but received -1');
    expect(() => dd.layers.dense({ units: 0 })).toThrow('Expected an integer >= 1 for units but received 0');
    expect(() => dd.sequential([dd.layers.dense({ units: 3 })])).toThrow('Expected the input shape on the first layer (inputShape, or inputSize for dense) for layers[0].inputShape but received undefined');
    expect(() => dd.layers.dense({ units: 3, activation: 'relu7' as never })).toThrow('for name but received "relu7"');
    expect(() => m.compile({ optimizer: 'adam' as never, loss: 'mse' })).toThrow('Expected a dd.optimizers instance or its getConfig() for optimizer but received "adam"');
  });
});
