// PyTorch goldens of the layers (layers.json: one layer forward and backward) and of small
// networks trained a few steps (cnn_training.json), through the public layer and model API,
// on any backend variant: test/layer/golden.test.ts (js, cpu ISA variants),
// test/gpu/suites.ts (cuda, and the CUDA device math on the CPU).
import { expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { expectClose, golden, type Variant } from '../helpers.js';

type Num = number[];
interface LayerCase { name: string; [key: string]: unknown }
interface CnnCase {
  name: string; inputShape: number[]; inputKind: 'float' | 'ids'; layers: ({ type: string } & Record<string, unknown>)[];
  optimizer: string; hyper: Record<string, unknown>; batchSize: number; epochs: number; numSamples: number; X: Num; targets: Num;
  initialWeights: Record<string, Num>[]; stepLosses: Num; finalWeights: Record<string, Num>[]; evalLogits: Num;
}

const TOL = { rtol: 1e-5, atol: 1e-5 };
const close = (got: ArrayLike<number>, exp: unknown, label: string, tol = TOL) => expectClose(got, exp as Num, tol.rtol, tol.atol, label);
const f32 = (v: unknown) => new Float32Array(v as Num);

/** The layer a layers.json case describes, with its weights set. */
function caseLayer(c: LayerCase): { layer: dd.Layer; x: dd.Tensor | Int32Array; training: boolean } {
  const n = c as Record<string, any>;
  switch (c.name) {
    case 'conv2d': {
      const layer = dd.layers.conv2d({ filters: n.filters, kernelSize: n.kernelSize, strides: n.strides, padding: n.padding, useBias: n.useBias, inputShape: [n.height, n.width, n.inChannels] });
      layer.setWeights(n.useBias ? { weight: f32(n.W), bias: f32(n.b) } : { weight: f32(n.W) });
      expect(layer.pads).toEqual(n.pads);
      return { layer, x: dd.tensor(f32(n.x), [n.batch, n.height, n.width, n.inChannels]), training: false };
    }
    case 'maxPool2d':
    case 'avgPool2d': {
      const layer = dd.layers[c.name]({ poolSize: n.poolSize, strides: n.strides, padding: n.padding, inputShape: [n.height, n.width, n.channels] });
      return { layer, x: dd.tensor(f32(n.x), [n.batch, n.height, n.width, n.channels]), training: false };
    }
    case 'globalAvgPool2d':
      return { layer: dd.layers.globalAvgPool2d({ inputShape: [n.height, n.width, n.channels] }), x: dd.tensor(f32(n.x), [n.batch, n.height, n.width, n.channels]), training: false };
    case 'batchNorm': {
      const layer = dd.layers.batchNorm({ momentum: n.momentum, eps: n.eps, inputShape: n.shape.slice(1) });
      layer.setWeights({ gamma: f32(n.gamma), beta: f32(n.beta), movingMean: f32(n.runningMean), movingVariance: f32(n.runningVar) });
      return { layer, x: dd.tensor(f32(n.x), n.shape), training: n.training };
    }
    case 'layerNorm': {
      const layer = dd.layers.layerNorm({ eps: n.eps, inputShape: n.shape.slice(1) });
      layer.setWeights({ gamma: f32(n.gamma), beta: f32(n.beta) });
      return { layer, x: dd.tensor(f32(n.x), n.shape), training: false };
    }
    case 'embedding': {
      const layer = dd.layers.embedding({ inputDim: n.inputDim, outputDim: n.outputDim, inputShape: [n.length] });
      layer.setWeights({ weight: f32(n.table) });
      return { layer, x: Int32Array.from(n.ids), training: false };
    }
    default:
      throw new Error(`unknown case ${c.name}`);
  }
}

const GRAD_FIELDS: Record<string, [string, dd.WeightName][]> = {
  conv2d: [['dW', 'weight'], ['db', 'bias']],
  batchNorm: [['dGamma', 'gamma'], ['dBeta', 'beta']],
  layerNorm: [['dGamma', 'gamma'], ['dBeta', 'beta']],
  embedding: [['dTable', 'weight']],
};

/** A layer spec of cnn_training.json as a dd layer. */
function specLayer(spec: CnnCase['layers'][number], inputShape: number[] | undefined): dd.Layer {
  const { type, ...o } = spec;
  const first = inputShape ? { inputShape } : {};
  switch (type) {
    case 'conv2d': return dd.layers.conv2d({ ...(o as object), ...first } as never);
    case 'maxPool2d': return dd.layers.maxPool2d({ ...(o as object), ...first } as never);
    case 'avgPool2d': return dd.layers.avgPool2d({ ...(o as object), ...first } as never);
    case 'batchNorm': return dd.layers.batchNorm({ ...(o as object), ...first } as never);
    case 'layerNorm': return dd.layers.layerNorm({ ...(o as object), ...first } as never);
    case 'flatten': return dd.layers.flatten(first);
    case 'dense': return dd.layers.dense({ ...(o as object), ...first } as never);
    case 'embedding': return dd.layers.embedding({ ...(o as object), ...first } as never);
    default: throw new Error(`unknown layer ${type}`);
  }
}

/** cnn_training.json's names (Keras's) -> dendrite's. */
const WEIGHT: Record<string, dd.WeightName> = { kernel: 'weight', embeddings: 'weight', bias: 'bias', gamma: 'gamma', beta: 'beta', movingMean: 'movingMean', movingVariance: 'movingVariance' };

export function layerGolden(variant: Variant): void {
  it.each(golden<LayerCase>('layers').map((c, i) => [`${c.name} #${i}`, c] as const))('layer %s', (_, c) => {
    variant.use();
    const n = c as Record<string, any>;
    const { layer, x, training } = caseLayer(c);
    close(layer.forward(x, { training }).data, n.y, 'y');
    if (c.name === 'batchNorm') {
      const w = layer.getWeights();
      close(w.movingMean!.data, n.newRunningMean, 'newRunningMean');
      close(w.movingVariance!.data, n.newRunningVar, 'newRunningVar');
    }
    const { dx, grads } = layer.backward(x, f32(n.dy), { training });
    if (c.name === 'embedding') expect(dx).toBeNull();
    else close(dx!.data, n.dx, 'dx');
    for (const [field, name] of GRAD_FIELDS[c.name] ?? []) if (n[field] !== undefined) close(grads[name]!.data, n[field], field);
    if (c.name === 'batchNorm') close(layer.getWeights().movingMean!.data, n.newRunningMean, 'running mean after backward (unchanged by it)');
  });

  it.each(golden<CnnCase>('cnn_training').map((c) => [c.name, c] as const))('training trace %s', async (_, c) => {
    variant.use();
    const model = dd.sequential(c.layers.map((spec, i) => specLayer(spec, i === 0 ? c.inputShape : undefined)));
    model.layers.forEach((layer, i) => {
      const named = Object.fromEntries(Object.entries(c.initialWeights[i]).map(([k, v]) => [WEIGHT[k], f32(v)]));
      if (Object.keys(named).length) layer.setWeights(named);
    });
    const OPT: Record<string, 'SGD' | 'Adam'> = { sgd: 'SGD', adam: 'Adam' };
    model.compile({ optimizer: new dd.optimizers[OPT[c.optimizer]]({ ...c.hyper }), loss: 'softmaxCrossEntropy' });
    const x = dd.tensor(f32(c.X), [c.numSamples, ...c.inputShape]);
    const losses: number[] = [];
    await model.fit(x, c.targets, { epochs: c.epochs, batchSize: c.batchSize, shuffle: false, callbacks: [{ onBatchEnd: (_b, logs) => { losses.push(logs.loss); } }] });
    const tol = { rtol: 1e-3, atol: 1e-4 };
    close(losses, c.stepLosses, 'step losses', tol);
    model.layers.forEach((layer, i) => {
      const w = layer.getWeights();
      for (const [k, v] of Object.entries(c.finalWeights[i])) close(w[WEIGHT[k]]!.data, v, `layer ${i} ${k}`, tol);
    });
    close(model.predict(x).data, c.evalLogits, 'eval logits', tol);
  });
}
