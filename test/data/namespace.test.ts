// dd.data from the package index: the loaders as users call them, and the whole path of
// string labels: CSV -> model -> save -> dd.loadModel -> class names of raw rows.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'dendrite-data-api-'));

function idx(name: string, type: number, shape: number[], payload: Uint8Array): void {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header[2] = type;
  header[3] = shape.length;
  shape.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  writeFileSync(path.join(dir, name), Buffer.concat([header, payload]));
}

/** 60 rows of 2 features in 3 well separated string classes; column order: x1, species, x2. */
function irisLike(): string {
  const lines = ['x1,species,x2'];
  const centres: [string, number, number][] = [['setosa', 0, 100], ['versicolor', 10, 200], ['virginica', 20, 300]];
  for (let i = 0; i < 60; i++) {
    const [name, a, b] = centres[i % 3];
    lines.push(`${a + (i % 5) * 0.1},${name},${b + (i % 7)}`);
  }
  const f = path.join(dir, 'iris-like.csv');
  writeFileSync(f, `${lines.join('\n')}\n`);
  return f;
}

describe('dd.data', () => {
  it('exposes the loaders, generators and tools', () => {
    for (const name of ['loadDataset', 'loadCsv', 'readCsv', 'loadMnist', 'loadFashionMnist', 'readIdx', 'spirals', 'moons', 'xor',
      'toTensors', 'trainTestSplit', 'StandardScaler', 'LabelEncoder', 'Preprocessing', 'setPreprocessing', 'preprocessingOf', 'predictLabels']) {
      expect(typeof (dd.data as Record<string, unknown>)[name], name).toBe('function');
    }
    expect(dd.data.DATASET_NAMES).toContain('fashion-mnist');
    expect(dd.data.FASHION_MNIST_CLASSES).toHaveLength(10);
  });

  it('generated data sets and toTensors', async () => {
    const ds = dd.data.spirals({ rows: 100, seed: 2 });
    const { x, y } = dd.data.toTensors(ds, 'train');
    expect(x.shape).toEqual([80, 2]);
    expect(x.data).toBe(ds.train.x);
    expect(y).toBe(ds.train.y);
    expect(dd.data.toTensors(ds, 'test').x.shape).toEqual([20, 2]);
    expect((await dd.data.loadDataset('moons')).classNames).toEqual(['upper', 'lower']);
    expect(() => dd.data.toTensors(ds, 'val' as never)).toThrow(/Expected 'train' or 'test' for split but received "val"/);
  });

  it('reads CSV rows raw (readCsv) or as a split, standardised Dataset (loadCsv)', async () => {
    const f = irisLike();
    const rows = await dd.data.readCsv(f, { labelColumn: 'species' });
    expect(rows.rows).toBe(60);
    expect(rows.columns).toEqual(['x1', 'x2']);
    expect(rows.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    const ds = await dd.data.loadCsv(f, { labelColumn: 'species', seed: 1 });
    expect(ds.train.rows + ds.test.rows).toBe(60);
    expect(ds.scaling!.mean).toHaveLength(2);
  });

  it('loads MNIST-format directories, images shaped for conv layers', async () => {
    const pixels = Uint8Array.from({ length: 4 * 2 * 2 }, (_, i) => i * 15);
    idx('train-images-idx3-ubyte', 0x08, [4, 2, 2], pixels);
    idx('train-labels-idx1-ubyte', 0x08, [4], Uint8Array.of(0, 1, 2, 3));
    idx('t10k-images-idx3-ubyte', 0x08, [2, 2, 2], pixels.subarray(0, 8));
    idx('t10k-labels-idx1-ubyte', 0x08, [2], Uint8Array.of(3, 1));
    const ds = await dd.data.loadMnist(dir, { shape: 'image' });
    expect(ds.inputShape).toEqual([2, 2, 1]);
    expect(dd.data.toTensors(ds, 'train').x.shape).toEqual([4, 2, 2, 1]);
    expect((await dd.data.readIdx(path.join(dir, 't10k-labels-idx1-ubyte'))).shape).toEqual([2]);
    await expect(dd.data.loadFashionMnist({ dataDir: path.join(dir, 'nowhere') })).rejects.toThrow(/apt-get install dataset-fashion-mnist/);
  });

  it('string labels end to end: train on CSV, save, loadModel, predict class names of raw rows', async () => {
    const ds = await dd.data.loadCsv(irisLike(), { labelColumn: 'species', seed: 1 });
    const model = dd.sequential([dd.layers.dense({ inputSize: 2, units: 8, activation: 'relu' }), dd.layers.dense({ units: 3 })], { seed: 3 });
    model.compile({ optimizer: new dd.optimizers.Adam({ lr: 0.05 }), loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });
    dd.data.setPreprocessing(model, dd.data.Preprocessing.fromDataset(ds));
    const { x, y } = dd.data.toTensors(ds, 'train');
    await model.fit(x, y, { epochs: 60, batchSize: 16 });
    const saved = path.join(dir, 'iris-model');
    await model.save(saved);
    expect(JSON.parse(readFileSync(path.join(saved, 'model.json'), 'utf8')).preprocessing).toEqual({ scaling: ds.scaling, classNames: ds.classNames });

    const loaded = await dd.loadModel(saved);
    const raw = [[0.2, 103], [10.1, 205], [20.3, 301]];  // unscaled, as in the file
    expect(dd.data.predictLabels(loaded, raw)).toEqual(['setosa', 'versicolor', 'virginica']);
    const p = dd.data.preprocessingOf(loaded)!;
    expect(p.scaler!.toJSON()).toEqual(ds.scaling);
    expect(p.decodeOutputs(loaded.predict(p.transformInputs(raw)))).toEqual(['setosa', 'versicolor', 'virginica']);
    // A loaded model saves its preprocessing again.
    await loaded.save(path.join(dir, 'iris-again'));
    expect(dd.data.preprocessingOf(await dd.loadModel(path.join(dir, 'iris-again')))!.toJSON()).toEqual(p.toJSON());
  });
});
