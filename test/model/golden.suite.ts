// PyTorch goldens for the model: one Dense layer forward/backward (dense.json)
// and end-to-end MLP training traces (mlp_training.json: per-step losses,
// final weights, final loss) on every backend and ISA variant.
// The suite runs on any backend variant: test/*/golden.test.ts (js, cpu ISA variants)
// and test/gpu/suites.ts (cuda, and the CUDA device math on the CPU).
import { expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { expectClose, golden, type Variant } from '../helpers.js';

interface DenseCase { batch: number; inFeatures: number; outFeatures: number; x: number[]; W: number[]; b: number[]; dy: number[]; y: number[]; dx: number[]; dW: number[]; db: number[] }
interface MlpCase {
  name: string; layers: { in: number; out: number; activation: string }[]; loss: string; optimizer: string; hyper: Record<string, unknown>;
  batchSize: number; epochs: number; numSamples: number; X: number[]; targets: number[]; initialWeights: { W: number[]; b: number[] }[];
  initialLoss: number; stepLosses: number[]; finalWeights: { W: number[]; b: number[] }[]; finalLoss: number;
}
const ACT: Record<string, dd.ActivationName> = { relu: 'relu', tanh: 'tanh', silu: 'silu', sigmoid: 'sigmoid', linear: 'linear' };
const LOSS: Record<string, dd.LossName> = { softmax_cross_entropy: 'softmaxCrossEntropy', mse: 'mse' };
const OPT: Record<string, 'SGD' | 'Adam'> = { sgd: 'SGD', adam: 'Adam' };

export function modelGolden(variant: Variant): void {
  it.each(golden<DenseCase>('dense').map((c) => [`dense ${c.batch}x${c.inFeatures}x${c.outFeatures}`, c] as const))('%s', (_, c) => {
    variant.use();
    const layer = dd.layers.dense({ inputSize: c.inFeatures, units: c.outFeatures });
    layer.setWeights({ weight: new Float32Array(c.W), bias: new Float32Array(c.b) });
    const x = dd.tensor(new Float32Array(c.x), [c.batch, c.inFeatures]);
    expectClose(layer.forward(x).data, c.y, 1e-5, 1e-5, 'y');
    const model = dd.sequential([layer]);
    expectClose(model.predict(x).data, c.y, 1e-5, 1e-5, 'predict');
    const { dx, grads } = layer.backward(x, new Float32Array(c.dy));
    expectClose(grads.weight!.data, c.dW, 1e-5, 1e-5, 'dW');
    expectClose(grads.bias!.data, c.db, 1e-5, 1e-5, 'db');
    expectClose(dx!.data, c.dx, 1e-5, 1e-5, 'dx');
  });

  it.each(golden<MlpCase>('mlp_training').map((c) => [c.name, c] as const))('training trace %s', async (_, c) => {
    variant.use();
    const model = dd.sequential(c.layers.map((l, i) => dd.layers.dense({ ...(i === 0 ? { inputSize: l.in } : {}), units: l.out, activation: ACT[l.activation] })));
    model.setWeights(c.initialWeights.flatMap((w) => [new Float32Array(w.W), new Float32Array(w.b)]));
    model.compile({ optimizer: new dd.optimizers[OPT[c.optimizer]]({ ...c.hyper }), loss: LOSS[c.loss] });
    const x = dd.tensor(new Float32Array(c.X), [c.numSamples, c.layers[0].in]);
    const units = c.layers[c.layers.length - 1].out;
    const y = c.loss === 'mse' ? dd.tensor(new Float32Array(c.targets), [c.numSamples, units]) : c.targets;
    expectClose([model.evaluate(x, y).loss], [c.initialLoss], 1e-3, 1e-4, 'initial loss');
    const losses: number[] = [];
    await model.fit(x, y, { epochs: c.epochs, batchSize: c.batchSize, shuffle: false, callbacks: [{ onBatchEnd: (_b, logs) => { losses.push(logs.loss); } }] });
    expectClose(losses, c.stepLosses, 1e-3, 1e-4, 'step losses');
    const weights = model.getWeights();
    c.finalWeights.forEach((w, i) => {
      expectClose(weights[2 * i], w.W, 1e-3, 1e-4, `W${i}`);
      expectClose(weights[2 * i + 1], w.b, 1e-3, 1e-4, `b${i}`);
    });
    expectClose([model.evaluate(x, y).loss], [c.finalLoss], 1e-3, 1e-4, 'final loss');
    expect(model.optimizer!.iterations).toBe(c.stepLosses.length);
  });
}
