// Bad input: every case gets the house message
// `Expected <what> for <name> but received <value>`, thrown before any native call.
import { afterAll, describe, expect, it } from 'vitest';
import * as dd from '../src/index.js';
import { restoreDefaults, variants } from './helpers.js';

afterAll(restoreDefaults);

const detached = (): Float32Array => {
  const a = new Float32Array(4);
  structuredClone(a.buffer, { transfer: [a.buffer] });
  return a;
};

describe.each(variants())('bad input on $label', (variant) => {
  const relu = () => { variant.use(); return dd.activation('relu'); };
  const ce = () => { variant.use(); return dd.loss('softmaxCrossEntropy'); };
  const logits = dd.tensor([[1, 2, 3], [4, 5, 6]]);

  it('wrong types', () => {
    expect(() => relu().forward('abc' as never)).toThrow('Expected a Tensor, a Float32Array or an array of numbers for x but received "abc"');
    expect(() => relu().forward(new Float64Array(3) as never)).toThrow('for x but received Float64Array(3)');
    expect(() => relu().forward([1, 'a' as never, 3])).toThrow('Expected a number for data[1] but received "a"');
    expect(() => relu().forward(dd.tensor([1, 2]), { out: [0, 0] as never })).toThrow('Expected a Tensor or Float32Array of length 2 for out but received [0, 0]');
    expect(() => dd.tensor({} as never)).toThrow('Expected a Float32Array, a numeric typed array or an array of numbers for data but received object');
    expect(() => relu().forward([1], 5 as never)).toThrow('Expected a plain object for options but received 5');
    expect(() => ce().forward(logits, 'ab' as never)).toThrow('Expected class indices as a Tensor of shape [N], an Int32Array or a number[] for targets but received "ab"');
  });

  it('shape and length mismatches', () => {
    expect(() => dd.tensor(new Float32Array(6), [4, 2])).toThrow('Expected dimensions whose product is 6 for shape but received [4, 2] (product 8)');
    expect(() => dd.tensor([[1, 2], [3]])).toThrow('Expected an array of length 2 (nested arrays must be rectangular) for data[1] but received [3]');
    expect(() => relu().forward(new Float32Array(3), { out: new Float32Array(4) })).toThrow('Expected a Tensor or Float32Array of length 3 for out but received Float32Array(4)');
    expect(() => relu().backward(dd.tensor(new Float32Array(6), [2, 3]), dd.tensor(new Float32Array(6), [3, 2]))).toThrow('Expected shape [2, 3] for dy but received shape [3, 2]');
    expect(() => relu().backward(new Float32Array(3), new Float32Array(2))).toThrow('Expected shape [3] for dy but received shape [2]');
    expect(() => dd.loss('mse').forward(new Float32Array(3), new Float32Array(4))).toThrow('Expected 3 elements (as many as the predictions) for targets but received 4');
    expect(() => ce().forward(logits, [0])).toThrow('Expected 2 class indices (one per row of the logits) for targets but received [0]');
    expect(() => ce().forward(new Float32Array(3), [0])).toThrow('Expected a 2-D tensor [N, C] for logits but received shape [3]');
    expect(() => ce().forward(logits, dd.tensor([[0], [1]]))).toThrow('Expected a tensor of shape [2] for targets but received shape [2, 1]');
    const t = dd.tensor(new Float32Array(4), [2, 2]);
    (t as { data: Float32Array }).data = new Float32Array(3);
    expect(() => relu().forward(t)).toThrow('Expected 4 elements for shape [2, 2] for x.data but received Float32Array(3)');
  });

  it('non-integer and out-of-range class targets', () => {
    expect(() => ce().forward(logits, [0, 1.5])).toThrow('Expected an integer class index in [0, 2] for targets[1] but received 1.5');
    expect(() => ce().forward(logits, [3, 0])).toThrow('Expected an integer class index in [0, 2] for targets[0] but received 3');
    expect(() => ce().forward(logits, Int32Array.of(0, -1))).toThrow('Expected an integer class index in [0, 2] for targets[1] but received -1');
    expect(() => ce().forward(logits, dd.tensor([0, NaN]))).toThrow('Expected an integer class index in [0, 2] for targets[1] but received NaN');
    expect(() => dd.loss('binaryCrossEntropyWithLogits').forward([0, 1], [0.5, 2])).toThrow('Expected a number in [0, 1] for targets[1] but received 2');
  });

  it('unknown activation and loss names list the valid ones', () => {
    expect(() => dd.activation('relu7' as never)).toThrow(/^Expected one of the activations sigmoid, tanh, relu, leakyRelu, .*logSoftmax for name but received "relu7"$/);
    expect(() => dd.activation('toString' as never)).toThrow('for name but received "toString"');
    expect(() => dd.loss('hinge' as never)).toThrow('Expected one of the losses mse, softmaxCrossEntropy, binaryCrossEntropyWithLogits for name but received "hinge"');
    expect(() => dd.setBackend('gpu' as never)).toThrow("Expected one of 'js', 'cpu', 'cuda' for backend but received \"gpu\"");
  });

  it('negative or non-finite option values', () => {
    expect(() => dd.activation('leakyRelu', { alpha: -1 })).toThrow('Expected a finite number >= 0 for alpha but received -1');
    expect(() => dd.activation('elu', { alpha: Infinity })).toThrow('Expected a finite number >= 0 for alpha but received Infinity');
    expect(() => dd.activation('softplus', { beta: 0 })).toThrow('Expected a finite number > 0 for beta but received 0');
    expect(() => dd.activation('softplus', { threshold: NaN })).toThrow('Expected a finite number >= 0 for threshold but received NaN');
    expect(() => dd.activation('gelu', { approximate: 'fast' as never })).toThrow("Expected one of 'none', 'tanh' for approximate but received \"fast\"");
    expect(() => dd.activation('relu', { alpha: 1 } as never)).toThrow('Expected no options for options.alpha but received "alpha"');
    expect(() => dd.activation('elu', { alhpa: 1 } as never)).toThrow("Expected one of the option names 'alpha' for options.alhpa but received \"alhpa\"");
    expect(() => dd.loss('softmaxCrossEntropy', { labelSmoothing: 1.5 })).toThrow('Expected a finite number >= 0 and <= 1 for labelSmoothing but received 1.5');
    expect(() => dd.loss('softmaxCrossEntropy', { labelSmoothing: -0.1 })).toThrow('Expected a finite number >= 0 and <= 1 for labelSmoothing but received -0.1');
  });

  it('a detached ArrayBuffer', () => {
    const msg = 'Expected a typed array with an attached ArrayBuffer for x but received a Float32Array whose ArrayBuffer is detached';
    expect(() => relu().forward(detached())).toThrow(msg);
    const t = dd.tensor(new Float32Array(4), [2, 2]);
    structuredClone(t.data.buffer, { transfer: [t.data.buffer as ArrayBuffer] });
    expect(() => relu().forward(t)).toThrow('for x.data but received a Float32Array whose ArrayBuffer is detached');
    expect(() => relu().forward(new Float32Array(4), { out: detached() })).toThrow('for out but received a Float32Array whose ArrayBuffer is detached');
    expect(() => ce().forward(logits, (() => { const a = new Int32Array(2); structuredClone(a.buffer, { transfer: [a.buffer] }); return a; })()))
      .toThrow('for targets but received an Int32Array whose ArrayBuffer is detached');
    expect(() => dd.tensor(detached())).toThrow('for data but received a Float32Array whose ArrayBuffer is detached');
  });

  it('empty inputs: element-wise ops are no-ops, losses refuse', () => {
    expect(relu().forward(new Float32Array(0)).size).toBe(0);
    expect(dd.activation('softmax').forward(dd.tensor(new Float32Array(0), [0, 3])).shape).toEqual([0, 3]);
    expect(() => dd.loss('mse').forward(new Float32Array(0), new Float32Array(0))).toThrow('Expected a non-empty tensor for predictions but received shape [0]');
  });

  it('NaN inputs propagate as NaN and never crash', () => {
    variant.use();
    for (const name of dd.ACTIVATION_NAMES) {
      const y = dd.activation(name).forward(dd.tensor([NaN, 1, -1]));
      expect(Number.isNaN(y.data[0]), name).toBe(true);
    }
    expect(dd.loss('mse').forward([NaN], [1])).toBeNaN();
    expect(ce().forward([[NaN, 0]], [0])).toBeNaN();
  });

  it('the error type is DendriteError with a stable code', () => {
    try {
      dd.activation('nope' as never);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(dd.DendriteError);
      expect(e).toBeInstanceOf(Error);
      expect((e as dd.DendriteError).code).toBe('ERR_DENDRITE_INVALID_ARGUMENT');
    }
  });
});

describe('native calls with bad arguments throw, never crash', () => {
  it('rejects wrong types and lengths', async () => {
    const { nativeAddon } = await import('../src/native.js');
    const native = nativeAddon();
    if (!native) return;
    expect(() => native.activationForward(2, new Float64Array(2) as never, new Float32Array(2), 0, 1, 20)).toThrow('Expected a Float32Array for x');
    expect(() => native.activationForward(99, new Float32Array(2), new Float32Array(2), 0, 1, 20)).toThrow('Expected a known activation id');
    expect(() => native.activationForward(2, new Float32Array(2), new Float32Array(1), 0, 1, 20)).toThrow('Expected a Float32Array of length 2 for out');
    expect(() => native.softmaxForward(new Float32Array(6), new Float32Array(6), 4, 2, false)).toThrow('Expected rows * cols equal to the data length');
    expect(() => native.softmaxCrossEntropy(new Float32Array(6), Int32Array.of(0, 7), 2, 3, 0, null)).toThrow('Expected class indices in [0, cols)');
    expect(() => native.mse(new Float32Array(0), new Float32Array(0), null)).toThrow('Expected a non-empty Float32Array');
  });
});
