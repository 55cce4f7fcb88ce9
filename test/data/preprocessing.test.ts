// dd.data's scikit-learn style tools: StandardScaler, LabelEncoder, trainTestSplit, and a
// model's Preprocessing (attach, decode, predictLabels), with their errors.
import { describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { applyScaling, fitScaling } from '../../src/data/dataset.js';

const { StandardScaler, LabelEncoder, Preprocessing, trainTestSplit } = dd.data;

function expectError(fn: () => unknown, pattern: RegExp): void {
  let err: unknown = null;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(dd.DendriteError);
  expect((err as Error).message).toMatch(/^Expected .* for .* but received /);
  expect((err as Error).message).toMatch(pattern);
}

describe('StandardScaler', () => {
  const x = dd.tensor([[1, 10, 5], [3, 30, 5], [5, 20, 5]]);

  it('fits mean and population std (1 for a constant feature), transforms and inverts', () => {
    const s = new StandardScaler();
    expect(s.fitted).toBe(false);
    const z = s.fitTransform(x);
    expect(s.features).toBe(3);
    expect(s.mean).toEqual([3, 20, 5]);
    expect(s.std[0]).toBeCloseTo(Math.sqrt(8 / 3), 12);
    expect(s.std[2]).toBe(1);
    expect(z.shape).toEqual([3, 3]);
    expect(z.data[0]).toBeCloseTo(-2 / Math.sqrt(8 / 3), 6);
    expect(Array.from(z.data.filter((_, i) => i % 3 === 2))).toEqual([0, 0, 0]);
    const back = s.inverseTransform(z);
    for (let i = 0; i < 9; i++) expect(back.data[i]).toBeCloseTo(x.data[i], 4);
    expect(x.data[0]).toBe(1); // the input is not modified
  });

  it('transforms exactly as the loaders scale (fitScaling / applyScaling)', () => {
    const rows = { x: Float32Array.from([0.3, -7, 2.5, 1e3, 9, 0.01]), y: new Int32Array(3), rows: 3 };
    const scaling = fitScaling(rows, 2);
    const s = new StandardScaler().fit(dd.tensor(rows.x.slice(), [3, 2]));
    expect(s.toJSON()).toEqual(scaling);
    const z = s.transform(dd.tensor(rows.x.slice(), [3, 2]));
    applyScaling(rows, 2, scaling);
    expect(z.data).toEqual(rows.x);
  });

  it('round-trips through toJSON / fromJSON and the constructor', () => {
    const s = new StandardScaler().fit(x);
    const again = StandardScaler.fromJSON(JSON.parse(JSON.stringify(s)));
    expect(again.transform(x).data).toEqual(s.transform(x).data);
    expect(new StandardScaler(s.toJSON()).mean).toEqual(s.mean);
  });

  it('scales images per pixel and flat arrays of whole samples', () => {
    const images = dd.tensor(Float32Array.from({ length: 2 * 2 * 2 * 1 }, (_, i) => i), [2, 2, 2, 1]);
    const s = new StandardScaler().fit(images);
    expect(s.features).toBe(4);
    expect(s.transform(images).shape).toEqual([2, 2, 2, 1]);
    expect(Array.from(s.transform(Float32Array.of(0, 1, 2, 3)).data)).toEqual([-1, -1, -1, -1]);
    expect(s.transform([[4, 5, 6, 7]]).shape).toEqual([1, 4]);
  });

  it('rejects use before fit, other sizes and malformed statistics', () => {
    expectError(() => new StandardScaler().transform(x), /a fitted scaler .* for StandardScaler.transform but received an unfitted one/);
    expectError(() => new StandardScaler().mean, /for StandardScaler.mean/);
    expectError(() => new StandardScaler().fit(Float32Array.of(1, 2)), /samples \[N, \.\.\.features\]/);
    const s = new StandardScaler().fit(x);
    expectError(() => s.transform(dd.tensor([[1, 2]])), /samples of 3 features \(as fitted\) for x but received shape \[1, 2\]/);
    expectError(() => StandardScaler.fromJSON({ mean: [0], std: [0] }), /a finite number > 0 for json.std\[0\] but received 0/);
    expectError(() => StandardScaler.fromJSON({ mean: [0, 1], std: [1] }), /same non-zero length/);
    expectError(() => StandardScaler.fromJSON({ mean: ['1'], std: [1] }), /json.mean\[0\]/);
    expectError(() => StandardScaler.fromJSON([1]), /feature statistics/);
  });
});

describe('StandardScaler on bad data', () => {
  it('rejects NaN and Infinity with the row and column (their statistics could be neither saved nor applied)', () => {
    expectError(() => new StandardScaler().fit([[1, 2], [NaN, 3]]), /Expected finite numbers for x but received NaN at row 1, column 0/);
    expectError(() => new StandardScaler().fit([[1, Infinity]]), /received Infinity at row 0, column 1/);
  });
});

describe('LabelEncoder', () => {
  it('fits sorted distinct labels, encodes and decodes', () => {
    const enc = new LabelEncoder();
    const y = enc.fitTransform(['virginica', 'setosa', 'versicolor', 'setosa']);
    expect(enc.classes).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(Array.from(y)).toEqual([2, 0, 1, 0]);
    expect(enc.inverseTransform(y)).toEqual(['virginica', 'setosa', 'versicolor', 'setosa']);
    expect(enc.inverseTransform(dd.tensor([1, 2]))).toEqual(['versicolor', 'virginica']);
    expect(enc.transform([])).toEqual(new Int32Array(0));
  });

  it('keeps given classes in their order and round-trips through JSON', () => {
    const enc = new LabelEncoder(['cat', 'ant']);
    expect(Array.from(enc.transform(['ant', 'cat']))).toEqual([1, 0]);
    expect(LabelEncoder.fromJSON(JSON.parse(JSON.stringify(enc))).classes).toEqual(['cat', 'ant']);
  });

  it('rejects unknown labels, bad indices, duplicates and use before fit', () => {
    const enc = new LabelEncoder(['a', 'b']);
    expectError(() => enc.transform(['a', 'c']), /one of the classes "a", "b" for labels\[1\] but received "c"/);
    expectError(() => enc.inverseTransform([0, 2]), /a class index in \[0, 1\] for indices\[1\] but received 2/);
    expectError(() => enc.inverseTransform([0.5]), /indices\[0\]/);
    expectError(() => new LabelEncoder(['a', 'a']), /distinct class names for classes\[1\] but received "a"/);
    expectError(() => new LabelEncoder([]), /a non-empty array of class names/);
    expectError(() => new LabelEncoder().fit([]), /a non-empty array of string labels/);
    expectError(() => new LabelEncoder().fit([1 as unknown as string]), /a string label for labels\[0\]/);
    expectError(() => new LabelEncoder().classes, /a fitted encoder/);
    expectError(() => LabelEncoder.fromJSON({ classes: 'a' }), /json.classes/);
  });
});

describe('trainTestSplit', () => {
  const x = dd.tensor(Float32Array.from({ length: 20 }, (_, i) => i), [10, 2]);
  const y = Int32Array.from({ length: 10 }, (_, i) => i);

  it('shuffles with a seed and keeps every row paired with its target', () => {
    const s = trainTestSplit(x, y, { seed: 3 });
    expect(s.xTrain.shape).toEqual([7, 2]);  // scikit-learn's default test_size 0.25: ceil(2.5) = 3 test rows
    expect(s.xTest.shape).toEqual([3, 2]);
    expect(s.yTrain).toBeInstanceOf(Int32Array);
    const rows = [...Array.from(s.yTrain), ...Array.from(s.yTest)];
    expect([...rows].sort((a, b) => a - b)).toEqual(Array.from(y));
    expect(rows).not.toEqual(Array.from(y));
    s.yTrain.forEach((label, r) => expect([s.xTrain.data[2 * r], s.xTrain.data[2 * r + 1]]).toEqual([2 * label, 2 * label + 1]));
    expect(trainTestSplit(x, y, { seed: 3 })).toEqual(s);
    expect(trainTestSplit(x, y, { seed: 4 }).yTest).not.toEqual(s.yTest);
  });

  it('takes a fraction or a row count, shuffle false, and targets of every kind', () => {
    const plain = trainTestSplit(x, y, { testSize: 3, shuffle: false });
    expect(Array.from(plain.yTest)).toEqual([7, 8, 9]);
    expect(trainTestSplit(x, y, { testSize: 0.5 }).yTest.length).toBe(5);
    expect(trainTestSplit(x, y, { testSize: 0.01 }).yTest.length).toBe(1);
    const names = trainTestSplit(x, Array.from(y, (i) => `c${i}`), { shuffle: false, testSize: 1 });
    expect(names.yTest).toEqual(['c9']);
    const values = trainTestSplit(x, dd.tensor(Float32Array.from({ length: 30 }, (_, i) => i), [10, 3]), { shuffle: false, testSize: 1 });
    expect(values.yTest.shape).toEqual([1, 3]);
    expect(Array.from(values.yTest.data)).toEqual([27, 28, 29]);
    const rows = trainTestSplit(x, Float32Array.from({ length: 20 }, (_, i) => i), { shuffle: false, testSize: 1 });
    expect(Array.from(rows.yTest)).toEqual([18, 19]);
    const images = trainTestSplit(dd.tensor(new Float32Array(10 * 4), [10, 2, 2, 1]), y);
    expect(images.xTrain.shape).toEqual([7, 2, 2, 1]);
  });

  it('rejects too few rows, mismatched targets and bad options', () => {
    expectError(() => trainTestSplit(dd.tensor([[1, 2]]), [0]), /at least 2 samples/);
    expectError(() => trainTestSplit(x, Int32Array.of(1, 2, 3)), /10 targets .* for y but received 3 values/);
    expectError(() => trainTestSplit(x, dd.tensor([1, 2])), /a tensor of 10 rows/);
    expectError(() => trainTestSplit(x, y, { testSize: 10 }), /testSize/);
    expectError(() => trainTestSplit(x, y, { testSize: 0 }), /testSize/);
    expectError(() => trainTestSplit(x, y, { seed: -1 }), /seed/);
    expectError(() => trainTestSplit(x, y, { shuffle: 'yes' as unknown as boolean }), /shuffle/);
    expectError(() => trainTestSplit(x, y, { test: 0.2 } as never), /test/);
    expectError(() => trainTestSplit(x, 'abc' as never), /targets/);
  });
});

describe('Preprocessing of a model', () => {
  const model = () => dd.sequential([dd.layers.dense({ inputSize: 2, units: 3 })], { seed: 1 });

  it('scales raw inputs, names the predicted classes and is attached to the model', () => {
    const m = model();
    expect(dd.data.preprocessingOf(m)).toBeNull();
    const scaler = new StandardScaler({ mean: [10, -5], std: [2, 4] });
    const labels = new LabelEncoder(['low', 'mid', 'high']);
    dd.data.setPreprocessing(m, { scaler, labels });
    const p = dd.data.preprocessingOf(m)!;
    expect(p).toBeInstanceOf(Preprocessing);
    const raw = dd.tensor([[12, -1], [6, 3]]);
    expect(Array.from(p.transformInputs(raw).data)).toEqual([1, 1, -2, 2]);
    const outputs = m.predict(p.transformInputs(raw));
    const expected = [0, 1].map((r) => {
      const row = Array.from(outputs.data.subarray(3 * r, 3 * r + 3));
      return labels.classes[row.indexOf(Math.max(...row))];
    });
    expect(p.decodeOutputs(outputs)).toEqual(expected);
    expect(dd.data.predictLabels(m, raw)).toEqual(expected);
    expect(p.toJSON()).toEqual({ scaling: { mean: [10, -5], std: [2, 4] }, classNames: ['low', 'mid', 'high'] });
    dd.data.setPreprocessing(m, null);
    expect(dd.data.preprocessingOf(m)).toBeNull();
  });

  it('without preprocessing, predictLabels gives class indices as strings', () => {
    const m = model();
    const out = m.predict(dd.tensor([[1, 2]]));
    const row = Array.from(out.data);
    expect(dd.data.predictLabels(m, [[1, 2]])).toEqual([String(row.indexOf(Math.max(...row)))]);
    expect(new Preprocessing().decodeOutputs(dd.tensor([[0, 2, 1], [3, 0, 0]]))).toEqual(['1', '0']);
  });

  it('names the classes of a binary model of one output (logit > 0: class 1)', () => {
    const m = dd.sequential([dd.layers.dense({ inputSize: 2, units: 1 })], { seed: 1 });
    dd.data.setPreprocessing(m, { labels: new LabelEncoder(['no', 'yes']) });
    expect(dd.data.preprocessingOf(m)!.decodeOutputs(dd.tensor([[-0.5], [2], [0]]))).toEqual(['no', 'yes', 'no']);
    const logits = m.predict(dd.tensor([[1, 2], [-3, 1]])).data;
    expect(dd.data.predictLabels(m, [[1, 2], [-3, 1]])).toEqual(Array.from(logits, (v) => (v > 0 ? 'yes' : 'no')));
    expect(new Preprocessing().decodeOutputs(dd.tensor([[0.3], [-1]]))).toEqual(['1', '0']);
    expectError(() => dd.data.setPreprocessing(m, { labels: new LabelEncoder(['a', 'b', 'c']) }), /2 classes \(a binary model of one output\) for preprocessing.labels but received 3/);
  });

  it('comes from a Dataset (scaling and class names) and from JSON', () => {
    const p = Preprocessing.fromDataset({ scaling: { mean: [1], std: [2] }, classNames: ['a', 'b'] });
    expect(p.scaler!.mean).toEqual([1]);
    expect(p.labels!.classes).toEqual(['a', 'b']);
    expect(Preprocessing.fromDataset(dd.data.spirals({ rows: 30 })).scaler).toBeNull();
    expect(Preprocessing.fromJSON(p.toJSON()).toJSON()).toEqual(p.toJSON());
    expect(Preprocessing.fromJSON({}).toJSON()).toEqual({});
  });

  it('rejects parts that do not fit the model, unfitted parts and malformed JSON', () => {
    const m = model();
    expectError(() => dd.data.setPreprocessing(m, { scaler: new StandardScaler({ mean: [0], std: [1] }) }), /a scaler of 2 features .* but received one of 1/);
    expectError(() => dd.data.setPreprocessing(m, { labels: new LabelEncoder(['a', 'b']) }), /3 classes .* for preprocessing.labels but received 2/);
    expectError(() => dd.data.setPreprocessing({} as dd.Sequential, null), /a model from dd.sequential for model/);
    expectError(() => new Preprocessing({ scaler: new StandardScaler() }), /a fitted dd.data.StandardScaler or null for parts.scaler/);
    expectError(() => new Preprocessing({ labels: ['a'] as never }), /parts.labels/);
    expectError(() => new Preprocessing({ other: 1 } as never), /other/);
    expectError(() => Preprocessing.fromJSON({ scaling: { mean: [1] } }), /json/);
    expectError(() => Preprocessing.fromJSON({ classNames: [1] }), /classes\[0\]/);
    expectError(() => Preprocessing.fromJSON({ extra: true }), /extra/);
    expectError(() => new Preprocessing({ labels: new LabelEncoder(['a', 'b']) }).decodeOutputs(dd.tensor([[1, 2, 3]])), /rows of 2 class scores/);
  });
});
