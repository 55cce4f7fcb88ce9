/**
 * compile({ metrics }) by Keras name: fit's logs / History (training and val-prefixed),
 * evaluate, which metrics each loss takes, save/load, on every backend variant.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { rocAuc } from '../../src/metrics/auc.js';
import { classConfusion, binaryConfusion, precision, recall } from '../../src/metrics/precision-recall.js';
import { topKAccuracy } from '../../src/metrics/top-k-accuracy.js';
import { restoreDefaults, variants } from '../helpers.js';

afterAll(restoreDefaults);

const N = 240;
const x = Array.from({ length: N }, (_, i) => [Math.sin(i), Math.cos(1.7 * i), ((i * 7) % 11) / 11 - 0.5]);
const classes = Int32Array.from(x, ([a, b, c]) => (a + b > 0.5 ? 0 : a - c > 0 ? 1 : b > 0 ? 2 : 3));
const binary = Float32Array.from(x, ([a, b]) => (a * b > 0 ? 1 : 0));
const values = Float32Array.from(x.flatMap(([a, b, c]) => [a + 2 * b, c - a]));

const ALL_CLASS_METRICS: dd.MetricSpec[] = ['accuracy', 'precision', 'recall', { name: 'topKAccuracy', k: 2 }];

function model(units: number, loss: dd.LossName, metrics: dd.MetricSpec[]) {
  const m = dd.sequential([dd.layers.dense({ inputSize: 3, units: 12, activation: 'tanh' }), dd.layers.dense({ units })], { seed: 4 });
  m.compile({ optimizer: new dd.optimizers.Adam({ lr: 0.02 }), loss, metrics });
  return m;
}

describe.each(variants())('metrics on $label', (variant) => {
  it('softmax: History and evaluate report every metric in compile order, val-prefixed for validation', async () => {
    variant.use();
    const m = model(4, 'softmaxCrossEntropy', ALL_CLASS_METRICS);
    const h = await m.fit(x, classes, { epochs: 3, batchSize: 32, validationSplit: 0.25 });
    expect(Object.keys(h.history)).toEqual(['loss', 'accuracy', 'precision', 'recall', 'topKAccuracy',
      'valLoss', 'valAccuracy', 'valPrecision', 'valRecall', 'valTopKAccuracy', 'time']);
    for (const [k, v] of Object.entries(h.history)) if (k !== 'time' && !k.endsWith('oss')) for (const e of v) expect(e).toBeGreaterThanOrEqual(0), expect(e).toBeLessThanOrEqual(1);
    const e = m.evaluate(x, classes);
    expect(Object.keys(e)).toEqual(['loss', 'accuracy', 'precision', 'recall', 'topKAccuracy']);
    // evaluate's values are the metric math over predict's outputs
    const out = m.predict(x).data;
    const c = classConfusion(out, classes, N, 4);
    expect(e.precision).toBeCloseTo(precision(c), 6);
    expect(e.recall).toBeCloseTo(recall(c), 6);
    expect(e.topKAccuracy).toBeCloseTo(topKAccuracy(out, classes, N, 4, 2), 6);
  });

  it('training metrics other than accuracy: a forward pass at the epoch\'s final weights', async () => {
    variant.use();
    const m = model(4, 'softmaxCrossEntropy', ['precision', 'recall']);
    const h = await m.fit(x, classes, { epochs: 2, batchSize: 40 });
    const e = m.evaluate(x, classes, { batchSize: 128 });
    expect(h.history.precision[1]).toBeCloseTo(e.precision, 6);
    expect(h.history.recall[1]).toBeCloseTo(e.recall, 6);
  });

  it('binary (sigmoid): accuracy, precision, recall at 0.5 and ROC AUC', async () => {
    variant.use();
    const m = model(1, 'binaryCrossEntropyWithLogits', ['accuracy', 'precision', 'recall', 'auc']);
    const h = await m.fit(x, binary, { epochs: 4, batchSize: 24, validationData: [x.slice(0, 60), binary.slice(0, 60)] });
    expect(h.history.auc).toHaveLength(4);
    expect(h.history.valAuc).toHaveLength(4);
    const e = m.evaluate(x, binary);
    const out = m.predict(x).data;
    const c = binaryConfusion(out, binary, N);
    expect(e.precision).toBeCloseTo(precision(c), 6);
    expect(e.recall).toBeCloseTo(recall(c), 6);
    expect(e.auc).toBeCloseTo(rocAuc(out, binary, N), 6);
    expect(h.history.auc[3]).toBeCloseTo(e.auc, 6);
    expect(e.auc).toBeGreaterThan(0.5);
  });

  it('softmax with 2 classes: auc ranks logit1 - logit0', async () => {
    variant.use();
    const labels = Int32Array.from(binary);
    const m = model(2, 'softmaxCrossEntropy', ['auc']);
    await m.fit(x, labels, { epochs: 2 });
    const out = m.predict(x).data;
    const scores = Array.from({ length: N }, (_, r) => out[2 * r + 1] - out[2 * r]);
    expect(m.evaluate(x, labels).auc).toBeCloseTo(rocAuc(scores, labels, N), 6);
  });

  it('regression: mae and mse (mse equals the loss)', async () => {
    variant.use();
    const m = model(2, 'mse', ['mae', 'mse']);
    const h = await m.fit(x, values, { epochs: 2, validationSplit: 0.2 });
    expect(Object.keys(h.history)).toEqual(['loss', 'mae', 'mse', 'valLoss', 'valMae', 'valMse', 'time']);
    const e = m.evaluate(x, values);
    expect(e.mse).toBeCloseTo(e.loss, 5);
    const out = m.predict(x).data;
    expect(e.mae).toBeCloseTo(out.reduce((s, v, i) => s + Math.abs(v - values[i]), 0) / out.length, 5);
  });
});

describe('metric validation', () => {
  const compile = (units: number, loss: dd.LossName, metrics: unknown) => () => {
    const m = dd.sequential([dd.layers.dense({ inputSize: 3, units })]);
    m.compile({ optimizer: new dd.optimizers.SGD(), loss, metrics: metrics as dd.MetricSpec[] });
  };

  it('refuses a metric that means nothing for the loss', () => {
    expect(compile(3, 'softmaxCrossEntropy', ['accuracy', 'mae'])).toThrow(
      "Expected a metric of loss softmaxCrossEntropy ('accuracy', 'topKAccuracy', 'precision', 'recall', 'auc') for metrics[1] but received \"mae\"");
    expect(compile(1, 'mse', ['accuracy'])).toThrow("Expected a metric of loss mse ('mae', 'mse') for metrics[0] but received \"accuracy\"");
    expect(compile(1, 'binaryCrossEntropyWithLogits', ['topKAccuracy'])).toThrow(/a metric of loss binaryCrossEntropyWithLogits .* for metrics\[0\] but received "topKAccuracy"/);
    expect(compile(3, 'softmaxCrossEntropy', ['auc'])).toThrow("Expected 2 classes (binary ROC AUC) for metrics[0] ('auc' with softmaxCrossEntropy) but received 3 classes");
  });

  it('topKAccuracy: k = 5 by default, below the number of classes', () => {
    expect(compile(10, 'softmaxCrossEntropy', ['topKAccuracy'])).not.toThrow();
    expect(compile(3, 'softmaxCrossEntropy', ['topKAccuracy'])).toThrow(
      "Expected k below the number of classes (3) for metrics[0] (topKAccuracy, k = 5; give { name: 'topKAccuracy', k }) but received 5");
    expect(compile(3, 'softmaxCrossEntropy', [{ name: 'topKAccuracy', k: 2 }])).not.toThrow();
    expect(compile(3, 'softmaxCrossEntropy', [{ name: 'topKAccuracy', k: 0 }])).toThrow('Expected an integer >= 1 for metrics[0].k but received 0');
    expect(compile(3, 'softmaxCrossEntropy', [{ name: 'topKAccuracy', k: 2, x: 1 }])).toThrow(/for metrics\[0\] but received object/);
  });

  it('refuses unknown names, non-arrays and duplicates', () => {
    expect(compile(3, 'softmaxCrossEntropy', ['f1'])).toThrow(/Expected an array of metric names \('accuracy', 'mae', 'mse', 'topKAccuracy', 'precision', 'recall', 'auc'\) or \{ name: 'topKAccuracy', k \} for metrics\[0\] but received "f1"/);
    expect(compile(3, 'softmaxCrossEntropy', 'accuracy')).toThrow(/for metrics but received "accuracy"/);
    expect(compile(3, 'softmaxCrossEntropy', ['accuracy', 'accuracy'])).toThrow('Expected each metric once (one log entry per name) for metrics[1] but received "accuracy"');
  });

  it('getCompileConfig and save / loadModel keep the metrics', async () => {
    const m = dd.sequential([dd.layers.dense({ inputSize: 3, units: 4 })]);
    m.compile({ optimizer: new dd.optimizers.SGD(), loss: 'softmaxCrossEntropy', metrics: ['recall', { name: 'topKAccuracy', k: 3 }] });
    expect(m.getCompileConfig()!.metrics).toEqual(['recall', { name: 'topKAccuracy', k: 3 }]);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dendrite-metrics-'));
    try {
      await m.save(dir);
      const loaded = await dd.loadModel(dir);
      expect(loaded.getCompileConfig()!.metrics).toEqual(['recall', { name: 'topKAccuracy', k: 3 }]);
      expect(Object.keys(loaded.evaluate(x, classes))).toEqual(['loss', 'recall', 'topKAccuracy']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
