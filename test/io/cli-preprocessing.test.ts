// A model trained by `dendrite train` (dist/, run through npx) loads with dd.loadModel with the
// data's feature scaling and class names: the library predicts class names of raw CSV rows.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { dendrite, tempDir } from '../cli/run.js';

describe('dendrite train -> dd.loadModel', () => {
  it('stores the scaling and class names in model.json, as in dendrite-data.json', async () => {
    const dir = tempDir('dendrite-train-pre-');
    const lines = ['size,kind,weight'];
    for (let i = 0; i < 90; i++) {
      const kind = ['small', 'large'][i % 2];
      lines.push(`${(i % 2) * 50 + (i % 9)},${kind},${(i % 2) * 900 + (i % 11) * 3}`);
    }
    const file = path.join(dir, 'things.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const save = path.join(dir, 'model');
    const train = await dendrite(['train', '--data', `csv:${file}`, '--label-column', 'kind', '--epochs', '30', '--save', save, '--quiet']);
    expect(train.code, train.stderr).toBe(0);

    const recorded = JSON.parse(readFileSync(path.join(save, 'dendrite-data.json'), 'utf8'));
    const model = await dd.loadModel(save);
    const p = dd.data.preprocessingOf(model)!;
    expect(p.toJSON()).toEqual({ scaling: recorded.scaling, classNames: ['large', 'small'] });
    expect(dd.data.predictLabels(model, [[3, 12], [52, 915]])).toEqual(['small', 'large']);
  });
});

describe('dd model with preprocessing -> dendrite predict', () => {
  it('scales CSV rows and names the classes from model.json when there is no dendrite-data.json', async () => {
    const dir = tempDir('dendrite-lib-pre-');
    const raw = [[1, 100], [2, 110], [9, 900], [8, 950], [1.5, 90], [9.5, 920]];
    const names = ['low', 'low', 'high', 'high', 'low', 'high'];
    const scaler = new dd.data.StandardScaler().fit(raw);
    const labels = new dd.data.LabelEncoder().fit(names);
    const model = dd.sequential([dd.layers.dense({ inputSize: 2, units: 8, activation: 'tanh' }), dd.layers.dense({ units: 2 })], { seed: 3 });
    model.compile({ optimizer: new dd.optimizers.Adam({ lr: 0.05 }), loss: 'softmaxCrossEntropy' });
    await model.fit(scaler.transform(raw), labels.transform(names), { epochs: 100, batchSize: 6, verbose: 0 });
    dd.data.setPreprocessing(model, new dd.data.Preprocessing({ scaler, labels }));
    const save = path.join(dir, 'model');
    await model.save(save);
    const file = path.join(dir, 'rows.csv');
    writeFileSync(file, 'a,b\n1.2,105\n9.1,930\n');
    const out = path.join(dir, 'out');
    const predict = await dendrite(['predict', '--model', save, '--data', `csv:${file}`, '--out', out, '--json']);
    expect(predict.code, predict.stderr).toBe(0);
    const result = JSON.parse(predict.stdout);
    expect(result.predictions.map((p: { predicted: number }) => labels.classes[p.predicted])).toEqual(['low', 'high']);
    expect(readFileSync(path.join(out, 'predictions.csv'), 'utf8')).toMatch(/0,\d,low,/);
  });
});
