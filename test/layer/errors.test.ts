// Bad input to layers and layer models gets the house error (dd.DendriteError,
// `Expected <what> for <name> but received <value>`), thrown before any compute, on every
// backend (js, each cpu ISA variant, the CUDA device math on the CPU): bad options, shapes
// that do not fit (a kernel larger than its input with 'valid' padding, a conv2d after a
// flatten), bad ids (layer.forward, fit, predict, predictAsync, evaluate), setWeights with wrong
// shapes or names, an embedding not first, batch norm in training on one value per channel, a
// softmaxCrossEntropy model whose output is not [N, C]. The raw native layer spec errors
// (NativeLayer, NativeTrainer) are TypeErrors `Expected <what> for <name>`, never a crash.
import { afterAll, describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { nativeAddon } from '../../src/native.js';
import { restoreDefaults } from '../helpers.js';
import { layerVariants, uniform } from './layer-helpers.js';

afterAll(restoreDefaults);

const HOUSE = /^Expected .+ for .+ but received .+$/s;

/** f throws a DendriteError with exactly `message` (in the house format). */
function expectHouse(f: () => unknown, message: string): void {
  let thrown: unknown = null;
  try {
    f();
  } catch (err) {
    thrown = err;
  }
  expect(thrown, `no error (wanted: ${message})`).toBeInstanceOf(dd.DendriteError);
  expect((thrown as Error).message).toBe(message);
  expect((thrown as Error).message).toMatch(HOUSE);
}

async function expectHouseAsync(p: () => Promise<unknown>, message: string): Promise<void> {
  let thrown: unknown = null;
  try {
    await p();
  } catch (err) {
    thrown = err;
  }
  expect(thrown, `no rejection (wanted: ${message})`).toBeInstanceOf(dd.DendriteError);
  expect((thrown as Error).message).toBe(message);
  expect((thrown as Error).message).toMatch(HOUSE);
}

const L = dd.layers;
const sgd = () => new dd.optimizers.SGD({ lr: 0.1 });

describe('bad layer options', () => {
  const cases: [string, () => unknown, string][] = [
    ['conv2d filters 0', () => L.conv2d({ filters: 0, kernelSize: 3 }), 'Expected an integer >= 1 for filters but received 0'],
    ['conv2d filters 2.5', () => L.conv2d({ filters: 2.5, kernelSize: 3 }), 'Expected an integer >= 1 for filters but received 2.5'],
    ['conv2d kernelSize 0', () => L.conv2d({ filters: 1, kernelSize: 0 }), 'Expected an integer >= 1 or a pair [h, w] of them for kernelSize but received 0'],
    ['conv2d kernelSize [2]', () => L.conv2d({ filters: 1, kernelSize: [2] as never }), 'Expected an integer >= 1 or a pair [h, w] of them for kernelSize but received [2]'],
    ['conv2d strides [1, 0]', () => L.conv2d({ filters: 1, kernelSize: 2, strides: [1, 0] }), 'Expected an integer >= 1 or a pair [h, w] of them for strides but received [1, 0]'],
    ["conv2d padding 'full'", () => L.conv2d({ filters: 1, kernelSize: 2, padding: 'full' as never }), "Expected one of 'valid', 'same' for padding but received \"full\""],
    ['conv2d activation', () => L.conv2d({ filters: 1, kernelSize: 2, activation: 'nope' as never }), `Expected one of the activations ${dd.ACTIVATION_NAMES.join(', ')} for name but received "nope"`],
    ['conv2d unknown option', () => L.conv2d({ filters: 1, kernelSize: 2, kernel_size: 3 } as never),
      "Expected one of the option names 'filters', 'kernelSize', 'strides', 'padding', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'inputShape', 'seed' for options.kernel_size but received \"kernel_size\""],
    ['conv2d without options', () => L.conv2d(undefined as never), 'Expected an object with filters and kernelSize for options but received undefined'],
    ['maxPool2d poolSize 0', () => L.maxPool2d({ poolSize: 0 }), 'Expected an integer >= 1 or a pair [h, w] of them for poolSize but received 0'],
    ["avgPool2d padding 'full'", () => L.avgPool2d({ padding: 'full' as never }), "Expected one of 'valid', 'same' for padding but received \"full\""],
    ['avgPool2d strides 0', () => L.avgPool2d({ strides: 0 }), 'Expected an integer >= 1 or a pair [h, w] of them for strides but received 0'],
    ['dropout rate 1', () => L.dropout({ rate: 1 }), 'Expected a finite number >= 0 and < 1 for rate but received 1'],
    ['dropout rate -0.1', () => L.dropout({ rate: -0.1 }), 'Expected a finite number >= 0 and < 1 for rate but received -0.1'],
    ['dropout rate NaN', () => L.dropout({ rate: NaN }), 'Expected a finite number >= 0 and < 1 for rate but received NaN'],
    ['dropout without rate', () => L.dropout(undefined as never), 'Expected a finite number >= 0 and < 1 for rate but received undefined'],
    ['batchNorm momentum 2', () => L.batchNorm({ momentum: 2 }), 'Expected a finite number >= 0 and <= 1 for momentum but received 2'],
    ['batchNorm eps 0', () => L.batchNorm({ eps: 0 }), 'Expected a finite number > 0 for eps but received 0'],
    ['layerNorm eps -1', () => L.layerNorm({ eps: -1 }), 'Expected a finite number > 0 for eps but received -1'],
    ['embedding inputDim 0', () => L.embedding({ inputDim: 0, outputDim: 2 }), 'Expected an integer >= 1 and <= 16777216 for inputDim but received 0'],
    ['embedding inputDim 2^24 + 1', () => L.embedding({ inputDim: 2 ** 24 + 1, outputDim: 2 }), 'Expected an integer >= 1 and <= 16777216 for inputDim but received 16777217'],
    ['embedding outputDim 1.5', () => L.embedding({ inputDim: 3, outputDim: 1.5 }), 'Expected an integer >= 1 for outputDim but received 1.5'],
    ['dense units 0', () => L.dense({ units: 0, inputSize: 3 }), 'Expected an integer >= 1 for units but received 0'],
    ['dense options 5', () => L.dense(5 as never), 'Expected a plain object for options but received 5'],
    ['inputShape [0]', () => L.layerNorm({ inputShape: [0] }), 'Expected a per-sample shape: a non-empty array of integers >= 1 for inputShape but received [0]'],
    ['seed -1', () => L.dense({ units: 1, inputSize: 1, seed: -1 }), 'Expected an integer >= 0 and <= 4294967295 for seed but received -1'],
  ];
  it.each(cases)('%s', (_, f, message) => expectHouse(f, message));
});

describe.each(layerVariants())('bad input on $label', (variant) => {
  it("a kernel or pool window larger than the input with 'valid' padding (at build, at forward, in a model)", () => {
    variant.use();
    const big = "Expected a kernel no larger than the input (3) with 'valid' padding for kernelSize[0] but received 5";
    expectHouse(() => L.conv2d({ filters: 2, kernelSize: 5, inputShape: [3, 3, 1] }).forward(dd.tensor(new Float32Array(9), [1, 3, 3, 1])), big);
    expectHouse(() => L.conv2d({ filters: 2, kernelSize: 5 }).forward(dd.tensor(new Float32Array(9), [1, 3, 3, 1])), big);
    expectHouse(() => dd.sequential([L.conv2d({ filters: 2, kernelSize: [2, 5], inputShape: [3, 3, 1] })]),
      "Expected a kernel no larger than the input (3) with 'valid' padding for kernelSize[1] but received 5");
    expectHouse(() => dd.sequential([L.dense({ inputSize: 4, units: 12 }), L.maxPool2d({ poolSize: 4 })]),
      'Expected an image shape [height, width, channels] (channels last) for inputShape but received [12]');
    expectHouse(() => dd.sequential([L.maxPool2d({ poolSize: 4, inputShape: [3, 5, 1] })]),
      "Expected a kernel no larger than the input (3) with 'valid' padding for poolSize[0] but received 4");
    // the same with 'same' padding is fine (the input is padded)
    expect(L.conv2d({ filters: 2, kernelSize: 5, padding: 'same', inputShape: [3, 3, 1] }).forward(dd.tensor(new Float32Array(9), [1, 3, 3, 1])).shape).toEqual([1, 3, 3, 2]);
  });

  it('a conv2d or pooling after a flatten (not an image)', () => {
    variant.use();
    const msg = 'Expected an image shape [height, width, channels] (channels last) for inputShape but received [32]';
    expectHouse(() => dd.sequential([L.flatten({ inputShape: [4, 4, 2] }), L.conv2d({ filters: 2, kernelSize: 2 })]), msg);
    expectHouse(() => dd.sequential([L.flatten({ inputShape: [4, 4, 2] }), L.globalAvgPool2d()]), msg);
    expectHouse(() => L.conv2d({ filters: 1, kernelSize: 2, inputShape: [4, 4] }).forward(dd.tensor(new Float32Array(16), [1, 4, 4])),
      'Expected an image shape [height, width, channels] (channels last) for inputShape but received [4, 4]');
  });

  it('x, dy and options of forward and backward', () => {
    variant.use();
    const layer = L.dense({ units: 2, inputSize: 3 });
    expectHouse(() => layer.forward(dd.tensor(new Float32Array(8), [2, 4])), "Expected a batch [N, 3] (the layer's inputShape) for x but received shape [2, 4]");
    expectHouse(() => L.conv2d({ filters: 2, kernelSize: 2, inputShape: [3, 3, 1] }).forward(new Float32Array(9)),
      "Expected a batch [N, 3, 3, 1] (the layer's inputShape) for x but received shape [9]");
    expectHouse(() => L.conv2d({ filters: 2, kernelSize: 2 }).forward(new Float32Array(9)), 'Expected a batch [N, ...inputShape] (rank >= 2) for x but received shape [9]');
    expectHouse(() => layer.backward([[1, 2, 3]], [[1, 2, 3]]), "Expected a tensor [1, 2] (the output's shape) for dy but received shape [1, 3]");
    expectHouse(() => layer.forward([[1, 2, 3]], { training: 'yes' as never }), 'Expected a boolean for training but received "yes"');
    expectHouse(() => layer.forward([[1, 2, 3]], { train: true } as never), "Expected one of the option names 'training' for options.train but received \"train\"");
    expectHouse(() => L.dense({ units: 2 }).outputShape, 'Expected a built layer (add it to a model, give inputShape, or call forward) for layer but received an unbuilt dense layer');
  });

  it('embedding ids out of range or not integers: layer.forward and backward', () => {
    variant.use();
    const e = L.embedding({ inputDim: 5, outputDim: 2, inputShape: [3] });
    const range = (i: number, v: number) => `Expected an integer id in [0, 5) (the embedding's inputDim) for x[${i}] but received ${v}`;
    expectHouse(() => e.forward(Int32Array.from([0, 5, 1])), range(1, 5));
    expectHouse(() => e.forward([[0, 1, 2], [4, 3, -1]]), range(5, -1));
    expectHouse(() => e.forward([[0, 1.5, 1]]), 'Expected an integer id for x[1] but received 1.5');
    expectHouse(() => e.forward(dd.tensor([[0, NaN, 1]])), 'Expected an integer id for x[1] but received NaN');
    expectHouse(() => e.backward([[0, 9, 1]], new Float32Array(6)), range(1, 9));
    // flat ids (one row of inputShape [3] per 3 ids) are fine, before and after build
    expect(L.embedding({ inputDim: 5, outputDim: 2, inputShape: [3] }).forward(Int32Array.from([0, 4, 1, 2, 2, 3])).shape).toEqual([2, 3, 2]);
    expect(e.forward(Int32Array.from([4, 4, 4])).shape).toEqual([1, 3, 2]);
  });

  it('embedding ids out of range or not integers: fit, predict, predictAsync, evaluate', async () => {
    variant.use();
    const model = dd.sequential([L.embedding({ inputDim: 4, outputDim: 3, inputShape: [2] }), L.flatten(), L.dense({ units: 2 })]);
    model.compile({ optimizer: sgd(), loss: 'softmaxCrossEntropy' });
    const before = model.getWeights();
    const range = (name: string, v: number) => `Expected an integer id in [0, 4) (the embedding's inputDim) for ${name} but received ${v}`;
    await expectHouseAsync(() => model.fit(Int32Array.from([0, 1, 4, 2]), [0, 1]), range('x[2]', 4));
    await expectHouseAsync(() => model.fit([[0, 1], [2.5, 1]], [0, 1]), 'Expected an integer id for x[2] but received 2.5');
    await expectHouseAsync(() => model.fit([[0, 1], [1, 1]], [0, 1], { validationData: [[[0, 8]], [1]] }), range('validationData[0][1]', 8));
    expectHouse(() => model.predict([[0, 1], [-1, 1]]), range('x[2]', -1));
    expectHouse(() => model.predict(dd.tensor([[0, 1], [0.5, 1]])), 'Expected an integer id for x[2] but received 0.5');
    await expectHouseAsync(() => model.predictAsync([[0, 1], [9, 1]]), range('x[2]', 9));
    expectHouse(() => model.evaluate([[0, 1], [1, 7]], [0, 1]), range('x[3]', 7));
    // nothing was trained by the failed calls
    expect(model.getWeights()).toEqual(before);
    expect(model.optimizer!.iterations).toBe(0);
  });

  it('setWeights: wrong shapes, unknown names, not an object, an unbuilt layer', () => {
    variant.use();
    const d = L.dense({ inputSize: 4, units: 2 });
    expectHouse(() => d.setWeights({ weight: dd.tensor(new Float32Array(9), [3, 3]) }), 'Expected shape [4, 2] for weights.weight but received [3, 3]');
    expectHouse(() => d.setWeights({ weight: new Float32Array(7) }), 'Expected shape [4, 2] for weights.weight but received [7]');
    expectHouse(() => d.setWeights({ kernel: new Float32Array(8) } as never), 'Expected one of this dense layer\'s tensors (weight, bias) for weights.kernel but received "kernel"');
    expectHouse(() => d.setWeights({ bias: 'abc' } as never), 'Expected a Tensor, a Float32Array or an array of numbers for weights.bias but received "abc"');
    expectHouse(() => d.setWeights([new Float32Array(8)] as never), 'Expected an object of tensors by name (weight, bias) for weights but received [Float32Array(8)]');
    expectHouse(() => L.dense({ units: 2 }).setWeights({ weight: new Float32Array(4) }),
      'Expected a layer with a known input shape (give inputShape, or call forward first) for weights but received an unbuilt dense layer');
    expectHouse(() => L.flatten({ inputShape: [2] }).setWeights({ movingMean: new Float32Array(2) }), 'Expected one of this flatten layer\'s tensors (none) for weights.movingMean but received "movingMean"');
    const bn = L.batchNorm({ inputShape: [3] });
    expectHouse(() => bn.setWeights({ gamma: new Float32Array(3), movingVariance: new Float32Array(4) }), 'Expected shape [3] for weights.movingVariance but received [4]');
    // a failed setWeights changes nothing (not even the valid entries before the bad one)
    expect(Array.from(bn.getWeights().gamma!.data)).toEqual([1, 1, 1]);
    const m = dd.sequential([L.dense({ inputSize: 3, units: 2 })]);
    expectHouse(() => m.setWeights([new Float32Array(6)]), 'Expected 2 arrays (one per layer tensor) for weights but received 1');
    expectHouse(() => m.setWeights([new Float32Array(5), new Float32Array(2)]), 'Expected a Float32Array of length 6 for weights[0] but received Float32Array(5)');
  });

  it('model structure: an embedding not first, a layer twice, a prebuilt layer of another input shape', () => {
    variant.use();
    expectHouse(() => dd.sequential([L.dense({ inputSize: 3, units: 2 }), L.embedding({ inputDim: 3, outputDim: 2 })]),
      'Expected an embedding only as the first layer (its input is ids) for layers[1] but received an embedding at position 1');
    const twice = L.dense({ inputSize: 2, units: 2 });
    expectHouse(() => dd.sequential([twice, twice]), 'Expected each layer object once for layers but received a layer object given twice');
    const prebuilt = L.dense({ inputSize: 3, units: 2 });
    prebuilt.build([3]);
    expectHouse(() => dd.sequential([L.dense({ inputSize: 2, units: 4 }), prebuilt]), 'Expected [4] for layers[1].inputShape but received [3]');
    expectHouse(() => dd.sequential([L.flatten()]), 'Expected the input shape on the first layer (inputShape, or inputSize for dense) for layers[0].inputShape but received undefined');
  });

  it('batch norm in training needs two values per channel: layer.forward/backward and fit', async () => {
    variant.use();
    const bn = L.batchNorm({ inputShape: [3] });
    const one = 'Expected a batch of at least 2 rows for batch norm in training (more than one value per channel) for x but received 1 row of 1 value per channel';
    expectHouse(() => bn.forward(dd.tensor([[1, 2, 3]]), { training: true }), one);
    expectHouse(() => bn.backward(dd.tensor([[1, 2, 3]]), dd.tensor([[1, 1, 1]]), { training: true }), one);
    expectHouse(() => L.batchNorm({ inputShape: [1, 1, 2] }).forward(dd.tensor(new Float32Array(2), [1, 1, 1, 2]), { training: true }), one);
    expect(Array.from(bn.getWeights().movingVariance!.data)).toEqual([1, 1, 1]);  // not NaN
    // eval mode, and one image of several pixels in training, are fine
    expect(bn.forward(dd.tensor([[1, 2, 3]])).shape).toEqual([1, 3]);
    expect(L.batchNorm({ inputShape: [2, 1, 2] }).forward(dd.tensor(uniform(4, 1), [1, 2, 1, 2]), { training: true }).data.every(Number.isFinite)).toBe(true);
    const model = dd.sequential([L.dense({ inputSize: 2, units: 2 }), L.batchNorm(), L.dense({ units: 2 })]);
    model.compile({ optimizer: sgd(), loss: 'softmaxCrossEntropy' });
    await expectHouseAsync(() => model.fit([[1, 2], [3, 4]], [0, 1], { batchSize: 1 }),
      'Expected batches of at least 2 rows for batch norm in training (more than one value per channel; the last batch has 1) for batchSize but received 1 over 2 rows');
    await expectHouseAsync(() => model.fit([[1, 2], [3, 4], [5, 6]], [0, 1, 0], { batchSize: 2 }),
      'Expected batches of at least 2 rows for batch norm in training (more than one value per channel; the last batch has 1) for batchSize but received 2 over 3 rows');
    expect(model.evaluate([[1, 2]], [0], { batchSize: 1 }).loss).toBeGreaterThan(0);
  });

  it('softmaxCrossEntropy needs a model output [N, C]', async () => {
    variant.use();
    const conv = dd.sequential([L.conv2d({ filters: 2, kernelSize: 2, inputShape: [3, 3, 1] })]);
    conv.compile({ optimizer: sgd(), loss: 'softmaxCrossEntropy' });
    const msg = (shape: string) => `Expected a model output [N, classes] (add a flatten or a globalAvgPool2d) for loss softmaxCrossEntropy but received output shape [N, ${shape}]`;
    await expectHouseAsync(() => conv.fit(dd.tensor(new Float32Array(18), [2, 3, 3, 1]), [0, 1]), msg('2, 2, 2'));
    expectHouse(() => conv.evaluate(dd.tensor(new Float32Array(18), [2, 3, 3, 1]), [0, 1]), msg('2, 2, 2'));
    const seq = dd.sequential([L.embedding({ inputDim: 4, outputDim: 2, inputShape: [2] }), L.dense({ units: 3 })]);
    seq.compile({ optimizer: sgd(), loss: 'softmaxCrossEntropy' });
    await expectHouseAsync(() => seq.fit([[0, 1], [1, 1]], [0, 1]), msg('2, 3'));
    // mse takes any output shape
    seq.compile({ optimizer: sgd(), loss: 'mse' });
    expect((await seq.fit([[0, 1], [1, 1]], new Float32Array(12))).history.loss[0]).toBeGreaterThan(0);
  });

  it('empty batches compute nothing and do not crash', () => {
    variant.use();
    expect(L.dense({ units: 2, inputShape: [3] }).forward(dd.tensor(new Float32Array(0), [0, 3])).shape).toEqual([0, 2]);
    const g = L.conv2d({ filters: 2, kernelSize: 2, inputShape: [3, 3, 1] }).backward(dd.tensor(new Float32Array(0), [0, 3, 3, 1]), new Float32Array(0));
    expect(Array.from(g.grads.weight!.data)).toEqual(new Array(8).fill(0));
    expect(L.maxPool2d({ inputShape: [4, 4, 1] }).forward(dd.tensor(new Float32Array(0), [0, 4, 4, 1])).shape).toEqual([0, 2, 2, 1]);
    expect(Array.from(L.embedding({ inputDim: 3, outputDim: 2, inputShape: [4] }).backward(new Int32Array(0), new Float32Array(0)).grads.weight!.data)).toEqual(new Array(6).fill(0));
    expect(dd.sequential([L.dense({ inputSize: 3, units: 2 })]).predict(dd.tensor(new Float32Array(0), [0, 3])).shape).toEqual([0, 2]);
  });
});

describe.skipIf(!nativeAddon())('native layer spec errors (the raw addon: TypeErrors, never a crash)', () => {
  const native = nativeAddon()!;
  const act = { activation: 'linear', alpha: 0, beta: 0, threshold: 0 };
  const spec = (over: Record<string, unknown>) => ({ type: 'dense', inShape: [3], outShape: [2], options: { ...act, useBias: false }, tensors: { weight: new Float32Array(6) }, ...over }) as never;
  const cases: [string, () => unknown, string | RegExp][] = [
    ['an unknown type', () => new native.NativeLayer(spec({ type: 'nope' }), 'cpu'), 'Expected a valid type for a nope layer for layer spec'],
    ['a missing option', () => new native.NativeLayer(spec({ type: 'conv2d', inShape: [3, 3, 1], outShape: [2, 2, 1], options: { ...act, useBias: false } }), 'cpu'),
      'Expected a valid kh for a conv2d layer for layer spec'],
    ['a tensor of the wrong size', () => new native.NativeLayer(spec({ tensors: { weight: new Float32Array(5) } }), 'cpu'), 'Expected a valid weight for a dense layer for layer spec'],
    ['a missing tensor', () => new native.NativeLayer(spec({ tensors: {} }), 'cpu'), 'Expected a valid weight for a dense layer for layer spec'],
    ['a tensor that is not a Float32Array', () => new native.NativeLayer(spec({ tensors: { weight: [1, 2, 3, 4, 5, 6] } }), 'cpu'), 'Expected a Float32Array for tensors'],
    ['an unknown activation', () => new native.NativeLayer(spec({ options: { ...act, activation: 'nope', useBias: false } }), 'cpu'), 'Expected a valid activation for a dense layer for layer spec'],
    ['an empty shape', () => new native.NativeLayer(spec({ type: 'flatten', inShape: [], tensors: {} }), 'cpu'), 'Expected a valid inShape for a flatten layer for layer spec'],
    ['a zero-sized shape', () => new native.NativeLayer(spec({ type: 'flatten', inShape: [2, 0], outShape: [0], tensors: {} }), 'cpu'), 'Expected a valid inShape for a flatten layer for layer spec'],
    ['a pool window of 0', () => new native.NativeLayer(spec({ type: 'maxPool2d', inShape: [3, 3, 1], outShape: [1, 1, 1], options: { kh: 0, kw: 1, sh: 1, sw: 1, padTop: 0, padLeft: 0 }, tensors: {} }), 'cpu'),
      /^Expected a valid (poolSize|kernelSize) for a maxPool2d layer for layer spec$/],
    ['a conv2d on a vector', () => new native.NativeLayer(spec({ type: 'conv2d', inShape: [9], outShape: [4], options: { ...act, useBias: false, kh: 2, kw: 2, sh: 1, sw: 1, padTop: 0, padLeft: 0 } }), 'cpu'),
      'Expected a valid inShape for a conv2d layer for layer spec'],
    ['a dropout without its counter', () => new native.NativeLayer(spec({ type: 'dropout', inShape: [3], outShape: [3], options: { rate: 0.5, seed: 1 }, tensors: {} }), 'cpu'),
      'Expected a valid rate for a dropout layer for layer spec'],
    ['a dropout rate of 1', () => new native.NativeLayer(spec({ type: 'dropout', inShape: [3], outShape: [3], options: { rate: 1, seed: 1 }, tensors: {}, counter: new Uint32Array(1) }), 'cpu'),
      'Expected a valid rate for a dropout layer for layer spec'],
    ['a counter that is not a Uint32Array', () => new native.NativeLayer(spec({ type: 'dropout', inShape: [3], outShape: [3], options: { rate: 0.5, seed: 1 }, tensors: {}, counter: new Int32Array(1) }), 'cpu'),
      'Expected a Uint32Array for counter'],
    ['an embedding table of the wrong size', () => new native.NativeLayer(spec({ type: 'embedding', inShape: [2], outShape: [2, 2], options: { inputDim: 3, outputDim: 2 }, tensors: { weight: new Float32Array(5) } }), 'cpu'),
      'Expected a valid weight for a embedding layer for layer spec'],
    ['options that are not numbers', () => new native.NativeLayer(spec({ options: { ...act, useBias: [1] } }), 'cpu'), 'Expected numbers, strings or booleans for options'],
    ['a bad device', () => new native.NativeLayer(spec({}), 'tpu' as never), "Expected 'cpu', 'cuda' or 'deviceMath' for device"],
    ['not a spec', () => new native.NativeLayer(5 as never, 'cpu'), 'Expected a layer spec object for spec'],
    ['x of the wrong length', () => new native.NativeLayer(spec({}), 'cpu').forward(new Float32Array(5), 2, false, new Float32Array(4)), 'Expected rows * inputSize values for x'],
    ['y of the wrong length', () => new native.NativeLayer(spec({}), 'cpu').forward(new Float32Array(6), 2, false, new Float32Array(3)), 'Expected rows * outputSize values for y'],
    ['grads of the wrong count', () => new native.NativeLayer(spec({}), 'cpu').backward(new Float32Array(6), 2, true, new Float32Array(4), new Float32Array(4), null, []),
      'Expected one entry per tensor for grads'],
    ['a gradient of the wrong size', () => new native.NativeLayer(spec({}), 'cpu').backward(new Float32Array(6), 2, true, new Float32Array(4), new Float32Array(4), null, [new Float32Array(5)]),
      'Expected one gradient per trainable tensor, of its size for grads'],
    ['a trainer over a bad layer', () => new native.NativeTrainer({ layers: [spec({ type: 'nope' })], loss: 'mse', labelSmoothing: 0, accuracy: false, optimizer: 'sgd', slots: 0, state: new Float32Array(0), coeffCount: 0 }),
      /^Expected a valid type for a nope layer for layer spec/],
  ];
  it.each(cases)('%s', (_, f, message) => {
    let thrown: unknown = null;
    try {
      f();
    } catch (err) {
      thrown = err;
    }
    expect(thrown, 'no error').toBeInstanceOf(Error);
    if (typeof message === 'string') expect((thrown as Error).message).toBe(message);
    else expect((thrown as Error).message).toMatch(message);
  });

  it('an id the TS facade would refuse is refused by the native layer too (not read out of bounds)', () => {
    const layer = new native.NativeLayer(spec({ type: 'embedding', inShape: [2], outShape: [2, 2], options: { inputDim: 3, outputDim: 2 }, tensors: { weight: new Float32Array(6) } }), 'cpu');
    for (const bad of [3, -1, 0.5, NaN]) {
      expect(() => layer.forward(Float32Array.of(0, bad), 1, false, new Float32Array(4))).toThrow(/^native layer failed: Expected integer ids in \[0, 3\) for embedding but received /);
    }
  });
});
