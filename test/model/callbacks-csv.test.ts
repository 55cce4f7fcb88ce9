// dd.callbacks.csvLogger (Keras' CSVLogger): header, one row per epoch written as it ends, append.
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { tempDirPerTest, tinyClassifier, X, Y } from './callback-helpers.js';

const tmp = tempDirPerTest('dd-csv-');
const model = tinyClassifier;
const lines = async (file: string) => (await readFile(file, 'utf8')).split('\n');

describe('csvLogger', () => {
  it('writes a header (epoch + the logs entries in their order) and one row per epoch, each as its epoch ends', async () => {
    const file = path.join(tmp(), 'logs', 'run.csv');  // the folder is created
    const seenByEpoch: number[] = [];
    const history = await model().fit(X, Y, {
      epochs: 3, batchSize: 2, validationSplit: 0.34,
      callbacks: [dd.callbacks.csvLogger(file), { onEpochEnd: async () => { seenByEpoch.push((await lines(file)).length - 1); } }],
    });
    expect(seenByEpoch).toEqual([2, 3, 4]);  // header + the rows so far, flushed per epoch
    const text = await lines(file);
    expect(text[0]).toBe('epoch,loss,accuracy,valLoss,valAccuracy,time');
    expect(text).toHaveLength(5);
    expect(text[4]).toBe('');
    for (let e = 0; e < 3; e++) {
      const row = text[e + 1].split(',').map(Number);
      expect(row[0]).toBe(e);
      // numbers round-trip exactly
      expect(row.slice(1)).toEqual(['loss', 'accuracy', 'valLoss', 'valAccuracy', 'time'].map((k) => history.history[k][e]));
    }
  });

  it('replaces the file at each fit without append; append keeps one header and adds rows', async () => {
    const file = path.join(tmp(), 'run.csv');
    await model().fit(X, Y, { epochs: 2, callbacks: [dd.callbacks.csvLogger(file)] });
    await model().fit(X, Y, { epochs: 2, callbacks: [dd.callbacks.csvLogger(file)] });
    expect((await lines(file)).map((l) => l.split(',')[0])).toEqual(['epoch', '0', '1', '']);
    await model().fit(X, Y, { epochs: 3, callbacks: [dd.callbacks.csvLogger(file, { append: true })] });
    expect((await lines(file)).map((l) => l.split(',')[0])).toEqual(['epoch', '0', '1', '0', '1', '2', '']);
  });

  it('append creates a missing file with its header and follows an existing header\'s columns', async () => {
    const fresh = path.join(tmp(), 'fresh.csv');
    await model().fit(X, Y, { epochs: 1, callbacks: [dd.callbacks.csvLogger(fresh, { append: true })] });
    expect((await lines(fresh))[0]).toBe('epoch,loss,accuracy,time');
    // an older file: other column order, a column fit does not log, no final line break
    const older = path.join(tmp(), 'older.csv');
    await writeFile(older, 'time;"lr";epoch;accuracy;loss\n1;0.1;0;0.5;0.7');
    await model().fit(X, Y, { epochs: 1, callbacks: [dd.callbacks.csvLogger(older, { append: true, separator: ';' })] });
    const text = await lines(older);
    expect(text.slice(0, 2)).toEqual(['time;"lr";epoch;accuracy;loss', '1;0.1;0;0.5;0.7']);
    const row = text[2].split(';');
    expect(row[1]).toBe('');
    expect(row[2]).toBe('0');
    expect(Number(row[4])).toBeGreaterThan(0);
  });

  it('rejects fit when appending logs entries the existing header lacks, naming its columns', async () => {
    const file = path.join(tmp(), 'run.csv');
    await writeFile(file, 'epoch,loss\n0,1\n');
    await expect(model().fit(X, Y, { epochs: 1, callbacks: [dd.callbacks.csvLogger(file, { append: true })] })).rejects.toThrow(
      `Expected logs entries among the columns 'epoch', 'loss' of ${file} for csvLogger but received 'accuracy', 'time' (append keeps the existing header: use another file)`,
    );
    expect(await readFile(file, 'utf8')).toBe('epoch,loss\n0,1\n');
  });

  it('uses the separator and quotes fields that hold it', async () => {
    const file = path.join(tmp(), 'run.tsv');
    await model().fit(X, Y, {
      epochs: 1, callbacks: [{ onEpochEnd: (_e, logs) => { logs['a\tb'] = 1; } }, dd.callbacks.csvLogger(file, { separator: '\t' })],
    });
    expect((await lines(file))[0]).toBe('epoch\tloss\taccuracy\ttime\t"a\tb"');
  });

  it('an entry missing from a later epoch is an empty field; a new one rejects', async () => {
    const file = path.join(tmp(), 'run.csv');
    const logger = dd.callbacks.csvLogger(file);
    const control: dd.TrainingControl = { stopTraining: false, model: model(), isRoot: true, getWeights: () => [], setWeights: () => undefined };
    await logger.onTrainBegin?.(control);
    await logger.onEpochEnd?.(0, { loss: 0.5, valLoss: 0.25 }, control);
    await logger.onEpochEnd?.(1, { loss: NaN }, control);
    await expect(logger.onEpochEnd?.(2, { loss: 1, lr: 0.1 }, control)).rejects.toThrow(/but received 'lr'$/);
    expect(await readFile(file, 'utf8')).toBe('epoch,loss,valLoss\n0,0.5,0.25\n1,NaN,\n');
  });

  it('writes nothing on ranks other than 0 (control.isRoot false)', async () => {
    const file = path.join(tmp(), 'run.csv');
    const logger = dd.callbacks.csvLogger(file);
    const control: dd.TrainingControl = { stopTraining: false, model: model(), isRoot: false, getWeights: () => [], setWeights: () => undefined };
    await logger.onTrainBegin?.(control);
    await logger.onEpochEnd?.(0, { loss: 1 }, control);
    await expect(stat(file)).rejects.toThrow(/ENOENT/);
  });

  it('checks the columns on every rank, so that a mismatch rejects fit everywhere (append: the header is read by each)', async () => {
    const file = path.join(tmp(), 'old.csv');
    await writeFile(file, 'epoch,loss\n0,1\n');
    const logger = dd.callbacks.csvLogger(file, { append: true });
    const control: dd.TrainingControl = { stopTraining: false, model: model(), isRoot: false, getWeights: () => [], setWeights: () => undefined };
    await logger.onTrainBegin?.(control);
    await expect(logger.onEpochEnd?.(0, { loss: 1, accuracy: 0.5 }, control)).rejects.toThrow(/Expected logs entries among the columns 'epoch', 'loss' .* but received 'accuracy'/);
    expect(await readFile(file, 'utf8')).toBe('epoch,loss\n0,1\n');
  });

  it('checks its arguments when created', () => {
    expect(() => dd.callbacks.csvLogger('')).toThrow('Expected a file path for file but received ""');
    expect(() => dd.callbacks.csvLogger(undefined as unknown as string)).toThrow('Expected a file path for file but received undefined');
    for (const separator of ['', '"', '\n', 1]) {
      expect(() => dd.callbacks.csvLogger('a.csv', { separator } as dd.CsvLoggerOptions)).toThrow(/Expected a non-empty string without quotes or line breaks for separator/);
    }
    expect(() => dd.callbacks.csvLogger('a.csv', { append: 'yes' } as unknown as dd.CsvLoggerOptions)).toThrow('Expected a boolean for append but received "yes"');
    expect(() => dd.callbacks.csvLogger('a.csv', { delimiter: ';' } as unknown as dd.CsvLoggerOptions)).toThrow(/for options\.delimiter/);
  });
});
