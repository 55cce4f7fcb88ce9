// Saving and loading models of every layer type: model.save / dd.loadModel round trips
// (predictions, batch norm's running statistics, dropout's step counter and the optimizer
// state restored, a resumed fit identical to an uninterrupted one), the torch layout's
// names, shapes and orders (conv weights, the flatten of an image, num_batches_tracked)
// and the house errors for files that do not fit these layers.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { LAYER_CLASS_NAMES } from '../../src/layer/index.js';
import { parseSafetensors, serializeSafetensors, type SafetensorsWritable } from '../../src/io/safetensors.js';
import { TORCH_LAYER_CLASS_NAMES } from '../../src/io/torch-modules.js';
import { restoreDefaults, rng, variants } from '../helpers.js';

const root = mkdtempSync(path.join(tmpdir(), 'dendrite-layers-io-'));
let files = 0;
const tempPath = (name = 'case') => path.join(root, `${name}-${files++}`);
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  restoreDefaults();
});

/** Between them, every layer type (each model with dropout and batch norm). */
const MODELS: Record<string, () => dd.Sequential> = {
  // [8, 8, 2] -> conv same [8, 8, 4] -> pool [4, 4, 4] -> conv same [4, 4, 6] -> avg pool [2, 2, 6] -> flatten [24]
  cnn: () => dd.sequential([
    dd.layers.conv2d({ inputShape: [8, 8, 2], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
    dd.layers.batchNorm(),
    dd.layers.maxPool2d({ poolSize: 2 }),
    dd.layers.dropout({ rate: 0.25 }),
    dd.layers.conv2d({ filters: 6, kernelSize: [3, 2], padding: 'same', activation: 'tanh' }),
    dd.layers.avgPool2d({ poolSize: 2 }),
    dd.layers.flatten(),
    dd.layers.batchNorm({ momentum: 0.2 }),
    dd.layers.dense({ units: 5, activation: 'relu' }),
    dd.layers.layerNorm(),
    dd.layers.dense({ units: 3 }),
  ], { seed: 3 }),
  global: () => dd.sequential([
    dd.layers.conv2d({ inputShape: [8, 8, 2], filters: 5, kernelSize: 3, strides: 2, useBias: false }),
    dd.layers.globalAvgPool2d(),
    dd.layers.batchNorm(),
    dd.layers.dropout({ rate: 0.1 }),
    dd.layers.dense({ units: 3 }),
  ], { seed: 4 }),
  embedding: () => dd.sequential([
    dd.layers.embedding({ inputDim: 12, outputDim: 4, inputShape: [5] }),
    dd.layers.layerNorm(),
    dd.layers.dropout({ rate: 0.3 }),
    dd.layers.flatten(),
    dd.layers.batchNorm(),
    dd.layers.dense({ units: 3 }),
  ], { seed: 5 }),
};

/** Inputs (images [N, 8, 8, 2], or ids [N, 5] as an integer-valued tensor) and labels of 3 classes. */
function data(name: string, rows = 24): { x: dd.Tensor; y: Int32Array } {
  const r = rng(name.length);
  const x = name === 'embedding'
    ? dd.tensor(Float32Array.from({ length: rows * 5 }, () => Math.floor(r() * 12)), [rows, 5])
    : dd.tensor(Float32Array.from({ length: rows * 8 * 8 * 2 }, () => r() * 2 - 1), [rows, 8, 8, 2]);
  return { x, y: Int32Array.from({ length: rows }, () => Math.floor(r() * 3)) };
}

const compiled = (name: string): dd.Sequential => {
  const model = MODELS[name]();
  model.compile({ optimizer: new dd.optimizers.Adam({ lr: 0.01 }), loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });
  return model;
};

const counters = (model: dd.Sequential) => model.layers.filter((l) => l instanceof dd.Dropout).map((l) => (l as dd.Dropout).counter[0]);

async function rejectsWith(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  const err = await promise.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(dd.DendriteError);
  expect((err as dd.DendriteError).code).toBe('ERR_DENDRITE_INVALID_FILE');
  expect((err as Error).message).toMatch(/^Expected .* for .* but received /);
  expect((err as Error).message).toMatch(pattern);
}

it('every layer type has a torch mapping', () => {
  expect([...TORCH_LAYER_CLASS_NAMES].sort()).toEqual([...LAYER_CLASS_NAMES].sort());
  const used = new Set(Object.values(MODELS).flatMap((make) => make().layers.map((l) => l.className)));
  expect([...used].sort()).toEqual([...LAYER_CLASS_NAMES].sort());
});

describe.each(variants())('every layer type saves and loads on $label', (variant) => {
  it.each(Object.keys(MODELS))('%s: model.save + dd.loadModel restores everything, and a resumed fit continues the same trajectory', async (name) => {
    variant.use();
    const { x, y } = data(name);
    const fit = { epochs: 2, batchSize: 8, shuffle: false };
    const straight = compiled(name);
    await straight.fit(x, y, { ...fit, epochs: 4 });

    const first = compiled(name);
    await first.fit(x, y, fit);
    expect(counters(first).every((c) => c === 6)).toBe(true); // 6 training steps so far
    const dir = tempPath(name);
    await first.save(dir);
    const loaded = await dd.loadModel(dir);
    expect(loaded.getConfig()).toEqual(first.getConfig());
    expect(loaded.getWeights()).toEqual(first.getWeights()); // batch norm's running statistics included
    const bn = loaded.layers.find((l) => l instanceof dd.BatchNorm)!;
    expect(Array.from(bn.tensor('movingVariance')!.data).some((v) => v !== 1)).toBe(true);
    expect(counters(loaded)).toEqual(counters(first));
    expect(loaded.optimizer!.stateDict()).toEqual(first.optimizer!.stateDict());
    expect(loaded.predict(x).data).toEqual(first.predict(x).data);
    expect(loaded.evaluate(x, y)).toEqual(first.evaluate(x, y));

    await loaded.fit(x, y, fit);
    expect(loaded.getWeights()).toEqual(straight.getWeights());
    expect(loaded.optimizer!.stateDict()).toEqual(straight.optimizer!.stateDict());
    expect(counters(loaded)).toEqual(counters(straight));
  });

  it.each(Object.keys(MODELS))("%s: saveWeights + loadWeights round-trip in both layouts (running statistics included)", async (name) => {
    variant.use();
    const { x, y } = data(name);
    const source = compiled(name);
    await source.fit(x, y, { epochs: 1, batchSize: 8 });
    for (const layout of ['dendrite', 'torch'] as const) {
      const file = `${tempPath(name)}.safetensors`;
      await source.saveWeights(file, { layout });
      const target = MODELS[name]();
      expect(target.getWeights()).not.toEqual(source.getWeights());
      await dd.loadWeights(target, file, { layout });
      expect(target.getWeights()).toEqual(source.getWeights());
      expect(target.predict(x).data).toEqual(source.predict(x).data);
    }
  });
});

describe('the torch layout: names, shapes and orders', () => {
  async function torchFile(model: dd.Sequential): Promise<ReturnType<typeof parseSafetensors>> {
    const file = `${tempPath()}.safetensors`;
    await model.saveWeights(file, { layout: 'torch' });
    return parseSafetensors(readFileSync(file), file);
  }

  it('names layers.<i>.<torchName> with i the dendrite layer index; num_batches_tracked is the I64 step count', async () => {
    const model = compiled('cnn');
    const { x, y } = data('cnn');
    await model.fit(x, y, { epochs: 1, batchSize: 8 });
    const file = await torchFile(model);
    expect(file.metadata).toEqual({ format: 'pt', layout: 'torch' });
    const shapes = Object.fromEntries([...file.tensors].map(([k, t]) => [k, `${t.dtype} [${t.shape.join(', ')}]`]));
    expect(shapes).toEqual({
      'layers.0.weight': 'F32 [4, 2, 3, 3]', 'layers.0.bias': 'F32 [4]',
      'layers.1.weight': 'F32 [4]', 'layers.1.bias': 'F32 [4]', 'layers.1.running_mean': 'F32 [4]', 'layers.1.running_var': 'F32 [4]', 'layers.1.num_batches_tracked': 'I64 []',
      'layers.4.weight': 'F32 [6, 4, 3, 2]', 'layers.4.bias': 'F32 [6]',
      'layers.7.weight': 'F32 [24]', 'layers.7.bias': 'F32 [24]', 'layers.7.running_mean': 'F32 [24]', 'layers.7.running_var': 'F32 [24]', 'layers.7.num_batches_tracked': 'I64 []',
      'layers.8.weight': 'F32 [5, 24]', 'layers.8.bias': 'F32 [5]',
      'layers.9.weight': 'F32 [5]', 'layers.9.bias': 'F32 [5]',
      'layers.10.weight': 'F32 [3, 5]', 'layers.10.bias': 'F32 [3]',
    });
    expect(Array.from(file.tensors.get('layers.1.num_batches_tracked')!.data)).toEqual([3]);
    expect(model.optimizer!.iterations).toBe(3);
    // an uncompiled model has taken no steps
    expect(Array.from((await torchFile(MODELS.cnn())).tensors.get('layers.7.num_batches_tracked')!.data)).toEqual([0]);

    // conv: torch [out, in, kh, kw] from dendrite [kh, kw, in, out]
    const conv = model.layers[4].tensor('weight')!.data; // [3, 2, 4, 6]
    const torchConv = file.tensors.get('layers.4.weight')!.data; // [6, 4, 3, 2]
    const [o, c, ky, kx] = [5, 2, 1, 1];
    expect(torchConv[((o * 4 + c) * 3 + ky) * 2 + kx]).toBe(conv[((ky * 2 + kx) * 4 + c) * 6 + o]);
    expect(torchConv.slice().sort()).toEqual(conv.slice().sort());
    // after flatten of [H, W, C] = [2, 2, 6]: torch's feature (c, h, w) is dendrite's (h, w, c),
    // for the batch norm's per-feature tensors and the dense weight's input axis
    const [h, w, ch] = [1, 0, 4];
    const t = (ch * 2 + h) * 2 + w;
    const d = (h * 2 + w) * 6 + ch;
    expect(t).not.toBe(d);
    for (const [name, torchName] of [['gamma', 'weight'], ['beta', 'bias'], ['movingMean', 'running_mean'], ['movingVariance', 'running_var']] as const) {
      expect(file.tensors.get(`layers.7.${torchName}`)!.data[t]).toBe(model.layers[7].tensor(name)!.data[d]);
    }
    const dense = (model.layers[8] as dd.Dense).weight.data; // [24, 5]
    expect(file.tensors.get('layers.8.weight')!.data[3 * 24 + t]).toBe(dense[d * 5 + 3]);
    // after the dense, features are in the same order again
    expect(file.tensors.get('layers.9.weight')!.data).toEqual(model.layers[9].tensor('gamma')!.data);
  });

  it('the embedding table is as is; an embedding output [L, D] flattens in the same order as torch', async () => {
    const model = MODELS.embedding();
    const file = await torchFile(model);
    expect([...file.tensors.keys()]).toEqual(['layers.0.weight', 'layers.1.weight', 'layers.1.bias', 'layers.4.weight', 'layers.4.bias', 'layers.4.running_mean', 'layers.4.running_var', 'layers.4.num_batches_tracked', 'layers.5.weight', 'layers.5.bias']);
    expect(file.tensors.get('layers.0.weight')).toMatchObject({ shape: [12, 4], data: model.layers[0].tensor('weight')!.data });
    expect(file.tensors.get('layers.4.weight')!.data).toEqual(model.layers[4].tensor('gamma')!.data);
    const dense = (model.layers[5] as dd.Dense).weight.data; // [20, 3]
    expect(file.tensors.get('layers.5.weight')!.data[2 * 20 + 13]).toBe(dense[13 * 3 + 2]);
  });

  it('reads torch state-dict names with modules without tensors and any common prefix; num_batches_tracked is optional and any integer dtype', async () => {
    const source = compiled('global');
    const { x, y } = data('global');
    await source.fit(x, y, { epochs: 1, batchSize: 8 });
    const saved = await torchFile(source);
    // torch: Conv2d (no bias) 0, AdaptiveAvgPool2d 1, Flatten 2, BatchNorm1d 3, Dropout 4, Linear 5
    for (const [prefix, modules, count] of [['', ['0', '3', '5'], 'I64'], ['features.', ['0', '3', '12'], 'I32'], ['m', ['1', '2', '3'], null]] as const) {
      const tensors = new Map<string, SafetensorsWritable>();
      for (const [name, t] of saved.tensors) {
        const [, i, kind] = name.split('.');
        const n = modules[['0', '2', '4'].indexOf(i)];
        if (kind !== 'num_batches_tracked') tensors.set(`${prefix}${n}.${kind}`, { data: t.data, shape: t.shape });
        else if (count === 'I64') tensors.set(`${prefix}${n}.${kind}`, { dtype: 'I64', data: BigInt64Array.of(7n), shape: [] });
      }
      let bytes = serializeSafetensors(tensors);
      if (count === 'I32') {
        // an I32 count: the writer writes F32 and I64, so write it as F32 and patch the header's dtype
        bytes = Buffer.from(serializeSafetensors(new Map(tensors).set('features.3.num_batches_tracked', { data: Float32Array.of(0), shape: [] })));
        const entry = '"features.3.num_batches_tracked":{"dtype":"';
        const at = Buffer.from(bytes).indexOf(`${entry}F32"`);
        expect(at).toBeGreaterThan(8);
        bytes.set(Buffer.from('I32'), at + entry.length);
      }
      const file = `${tempPath()}.safetensors`;
      writeFileSync(file, bytes);
      const target = MODELS.global();
      await dd.loadWeights(target, file, { layout: 'torch' });
      expect(target.getWeights()).toEqual(source.getWeights());
    }
  });
});

describe('files that do not fit the layers are rejected with a DendriteError naming the file, the layer and its type', () => {
  /** The cnn's torch-layout tensors under torch's nn.Sequential names, changed by `change`, written to a file. */
  async function torchVariant(change: (t: Map<string, SafetensorsWritable>) => void): Promise<string> {
    const model = MODELS.cnn();
    const file = `${tempPath()}.safetensors`;
    await model.saveWeights(file, { layout: 'torch' });
    // torch: Conv2d 0, ReLU -, BatchNorm2d 1, MaxPool2d 2, Dropout 3, Conv2d 4, AvgPool2d 5, Flatten 6, BatchNorm1d 7, Linear 8, ReLU 9, LayerNorm 10, Linear 11
    const index: Record<string, string> = { 0: '0', 1: '1', 4: '4', 7: '7', 8: '8', 9: '10', 10: '11' };
    const tensors = new Map<string, SafetensorsWritable>();
    for (const [name, t] of parseSafetensors(readFileSync(file), file).tensors) {
      const [, i, kind] = name.split('.');
      tensors.set(`${index[i]}.${kind}`, kind === 'num_batches_tracked' ? { dtype: 'I64', data: BigInt64Array.of(0n), shape: [] } : { data: t.data, shape: t.shape });
    }
    change(tensors);
    writeFileSync(file, serializeSafetensors(tensors));
    return file;
  }
  const zeros = (...shape: number[]) => ({ data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape });
  const load = (file: string) => dd.loadWeights(MODELS.cnn(), file, { layout: 'torch' });

  it('the unchanged variant loads', async () => {
    await load(await torchVariant(() => undefined));
  });

  it('torch layout: wrong shapes (e.g. a conv weight left channels-last)', async () => {
    await rejectsWith(load(await torchVariant((t) => t.set('0.weight', zeros(3, 3, 2, 4)))),
      /^Expected nn\.Conv2d's shape \[4, 2, 3, 3\] \(layer 0\) for tensor '0\.weight' in .*\.safetensors but received \[3, 3, 2, 4\]$/);
    await rejectsWith(load(await torchVariant((t) => t.set('7.running_var', zeros(6)))), /nn\.BatchNorm1d's shape \[24\] \(layer 7\) for tensor '7\.running_var'.* but received \[6\]/);
    await rejectsWith(load(await torchVariant((t) => t.set('8.weight', zeros(24, 5)))), /nn\.Linear's shape \[5, 24\] \(layer 8\) for tensor '8\.weight'.* but received \[24, 5\]/);
    await rejectsWith(load(await torchVariant((t) => t.set('10.bias', zeros(1, 5)))), /nn\.LayerNorm's shape \[5\] \(layer 9\) for tensor '10\.bias'/);
  });

  it('torch layout: missing and unexpected tensors of a module', async () => {
    await rejectsWith(load(await torchVariant((t) => t.delete('1.running_var'))),
      /^Expected the nn\.BatchNorm2d tensors weight, bias, running_mean, running_var \(and optionally num_batches_tracked\) \(layer 1: BatchNorm\(4\)\) for module '1' in .*\.safetensors but received weight, bias, running_mean, num_batches_tracked$/);
    await rejectsWith(load(await torchVariant((t) => t.set('10.running_mean', zeros(5)))),
      /the nn\.LayerNorm tensors weight, bias \(layer 9: LayerNorm\(5\)\) for module '10' in .* but received weight, bias, running_mean$/);
    await rejectsWith(load(await torchVariant((t) => t.delete('4.bias'))), /the nn\.Conv2d tensors weight, bias \(layer 4: Conv2D\(6, 3x2, same, tanh\)\) for module '4'.* but received weight$/);
  });

  it('torch layout: names no module has, missing or extra modules, a mixed prefix', async () => {
    await rejectsWith(load(await torchVariant((t) => t.set('3.scale', zeros(4)))),
      /^Expected torch Conv2d\/BatchNorm2d\/BatchNorm1d\/Linear\/LayerNorm tensor names '<n>\.weight' \/ '<n>\.bias' \/ '<n>\.running_mean' \/ '<n>\.running_var' \/ '<n>\.num_batches_tracked' for .* but received '3\.scale'$/);
    await rejectsWith(load(await torchVariant((t) => { t.delete('11.weight'); t.delete('11.bias'); })),
      /^Expected 7 torch modules with tensors \(Conv2d, BatchNorm2d, Conv2d, BatchNorm1d, Linear, LayerNorm, Linear: one per layer with tensors\) for .* but received 6: '0', '1', '4', '7', '8', '10'$/);
    await rejectsWith(load(await torchVariant((t) => t.set('12.weight', zeros(3)))), /7 torch modules with tensors .* but received 8: /);
    await rejectsWith(load(await torchVariant((t) => t.set('net.12.weight', zeros(3)))), /'net\.12\.weight'$/);
  });

  it('torch layout: dtypes (weights must be floats, num_batches_tracked an integer scalar)', async () => {
    await rejectsWith(load(await torchVariant((t) => t.set('1.num_batches_tracked', zeros()))),
      /an integer scalar \(shape \[\], I64 or I32: torch's count of batches, ignored\) \(layer 1\) for tensor '1\.num_batches_tracked' in .* but received F32 \[\]$/);
    await rejectsWith(load(await torchVariant((t) => t.set('1.num_batches_tracked', { dtype: 'I64', data: BigInt64Array.of(1n), shape: [1] }))), /but received I64 \[1\]$/);
    await rejectsWith(load(await torchVariant((t) => t.set('10.weight', { dtype: 'I64', data: new BigInt64Array(5), shape: [5] }))),
      /a floating-point dtype \(F32, F64, F16, BF16\) \(layer 9\) for tensor '10\.weight' in .* but received I64$/);
  });

  it('dendrite layout: missing, unexpected and mis-shaped tensors of the new layers; a bad dropout counter', async () => {
    const model = MODELS.cnn();
    const file = `${tempPath()}.safetensors`;
    await model.saveWeights(file);
    const good = parseSafetensors(readFileSync(file), file).tensors;
    const write = (change: (t: Map<string, SafetensorsWritable>) => void) => {
      const tensors = new Map<string, SafetensorsWritable>([...good].map(([k, t]) => [k, { data: t.data, shape: t.shape }]));
      change(tensors);
      writeFileSync(file, serializeSafetensors(tensors));
      return dd.loadWeights(MODELS.cnn(), file);
    };
    await rejectsWith(write((t) => t.delete('layers.1.movingVariance')), /a tensor 'layers\.1\.movingVariance' \(layer 1\) for .* but received a file without it/);
    await rejectsWith(write((t) => t.set('layers.2.weight', zeros(1))), /only the tensors of the model's 11 layers for .* but received unexpected tensors 'layers\.2\.weight'/);
    await rejectsWith(write((t) => t.set('layers.4.weight', zeros(6, 4, 3, 2))), /^Expected shape \[3, 2, 4, 6\] \(layer 4\) for tensor 'layers\.4\.weight' in .* but received \[6, 4, 3, 2\]$/);
    await rejectsWith(write((t) => t.set('layers.1.gamma', { dtype: 'I64', data: new BigInt64Array(4), shape: [4] })), /a floating-point dtype .* for tensor 'layers\.1\.gamma' in .* but received I64$/);

    // model.save's dropout step counter in weights.safetensors' __metadata__
    const dir = tempPath();
    await compiled('cnn').save(dir);
    const weights = path.join(dir, 'weights.safetensors');
    const saved = parseSafetensors(readFileSync(weights), weights);
    expect(saved.metadata['layers.3.counter']).toBe('0');
    for (const bad of ['-1', '1.5', 'x', '4294967296', '07']) {
      writeFileSync(weights, serializeSafetensors(saved.tensors, { ...saved.metadata, 'layers.3.counter': bad }));
      await rejectsWith(dd.loadModel(dir), new RegExp(`^Expected a dropout step counter \\(an integer from 0 to 4294967295\\) \\(layer 3\\) for __metadata__\\.layers\\.3\\.counter in .*weights\\.safetensors but received "${bad.replace('.', '\\.')}"$`));
    }
  });
});
