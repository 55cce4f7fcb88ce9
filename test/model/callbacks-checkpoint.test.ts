// dd.callbacks.modelCheckpoint (Keras' ModelCheckpoint), its path placeholders, and the
// monitor checks it shares with earlyStopping.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { tempDirPerTest, tinyClassifier, X, Y } from './callback-helpers.js';
import { PathTemplate } from '../../src/callbacks/path-template.js';

const tmp = tempDirPerTest('dd-checkpoint-');
const model = tinyClassifier;

/** A callback, placed before the checkpoint, that makes the epochs' `loss` a scripted sequence. */
function scriptedLoss(values: number[]): dd.Callback {
  return { onEpochEnd: (epoch, logs) => { logs.loss = values[epoch]; } };
}

/** Records every epoch's weights (after the step, as the checkpoint sees them). */
function weightsPerEpoch(into: Float32Array[][]): dd.Callback {
  return { onEpochEnd: (_e, _l, control) => { into.push(control.getWeights()); } };
}

const exists = (p: string) => stat(p).then(() => true, () => false);

describe('modelCheckpoint', () => {
  it('saves the model at every epoch end, {epoch:02d} counted from 1; the saves load back', async () => {
    const m = model();
    const seen: Float32Array[][] = [];
    await m.fit(X, Y, { epochs: 3, batchSize: 2, callbacks: [weightsPerEpoch(seen), dd.callbacks.modelCheckpoint({ dir: path.join(tmp(), 'ckpt-{epoch:02d}') })] });
    expect((await readdir(tmp())).sort()).toEqual(['ckpt-01', 'ckpt-02', 'ckpt-03']);
    const second = await dd.loadModel(path.join(tmp(), 'ckpt-02'));
    expect(second.getWeights()).toEqual(seen[1]);
    expect(second.optimizer!.iterations).toBe(6);  // the optimizer state is saved too
  });

  it('without placeholders every save replaces the last', async () => {
    const m = model();
    await m.fit(X, Y, { epochs: 2, batchSize: 3, callbacks: [dd.callbacks.modelCheckpoint({ dir: path.join(tmp(), 'last') })] });
    expect((await dd.loadModel(path.join(tmp(), 'last'))).getWeights()).toEqual(m.getWeights());
  });

  it('saveBestOnly saves only the epochs that improve the monitored value (min for losses)', async () => {
    const seen: Float32Array[][] = [];
    await model().fit(X, Y, {
      epochs: 4, batchSize: 6,
      callbacks: [scriptedLoss([3, 1, 2, 0.5]), weightsPerEpoch(seen),
        dd.callbacks.modelCheckpoint({ dir: path.join(tmp(), 'best-{epoch}-{loss:.1f}'), saveBestOnly: true }),
        dd.callbacks.modelCheckpoint({ dir: path.join(tmp(), 'best'), monitor: 'loss', saveBestOnly: true })],
    });
    expect((await readdir(tmp())).sort()).toEqual(['best', 'best-1-3.0', 'best-2-1.0', 'best-4-0.5']);
    expect((await dd.loadModel(path.join(tmp(), 'best'))).getWeights()).toEqual(seen[3]);
  });

  it("mode 'max' (and 'auto' on accuracy names) keeps the highest value; NaN never improves", async () => {
    await model().fit(X, Y, {
      epochs: 4, batchSize: 6,
      callbacks: [scriptedLoss([NaN, 1, 3, 2]), { onEpochEnd: (e, logs) => { logs.accuracy = [0.5, 0.4, 0.9, 0.9][e]; } },
        dd.callbacks.modelCheckpoint({ dir: path.join(tmp(), 'loss-{epoch}'), monitor: 'loss', mode: 'max', saveBestOnly: true }),
        dd.callbacks.modelCheckpoint({ dir: path.join(tmp(), 'acc-{epoch}'), monitor: 'accuracy', saveBestOnly: true })],
    });
    expect((await readdir(tmp())).sort()).toEqual(['acc-1', 'acc-3', 'loss-2', 'loss-3']);
  });

  it('monitors valLoss by default when there is validation data', async () => {
    await model().fit(X, Y, {
      epochs: 3, batchSize: 6, validationData: [X, Y],
      callbacks: [{ onEpochEnd: (e, logs) => { logs.valLoss = [1, 2, 0.5][e]; } },
        dd.callbacks.modelCheckpoint({ dir: path.join(tmp(), 'v{epoch}'), saveBestOnly: true })],
    });
    expect((await readdir(tmp())).sort()).toEqual(['v1', 'v3']);
  });

  it('file: saves the weights only (Keras save_weights_only), loadable with dd.loadWeights', async () => {
    const m = model();
    await m.fit(X, Y, { epochs: 2, batchSize: 3, callbacks: [dd.callbacks.modelCheckpoint({ file: path.join(tmp(), 'w-{epoch}.safetensors') })] });
    expect((await readdir(tmp())).sort()).toEqual(['w-1.safetensors', 'w-2.safetensors']);
    const fresh = model();
    await dd.loadWeights(fresh, path.join(tmp(), 'w-2.safetensors'));
    expect(fresh.getWeights()).toEqual(m.getWeights());
  });

  it('a monitor missing from the logs rejects fit at the first epoch, naming the logs entries', async () => {
    const m = model();
    const run = m.fit(X, Y, { epochs: 3, batchSize: 6, callbacks: [dd.callbacks.modelCheckpoint({ dir: path.join(tmp(), 'c'), monitor: 'val_loss', saveBestOnly: true })] });
    await expect(run).rejects.toThrow(dd.DendriteError);
    await expect(run).rejects.toThrow("Expected one of the logs entries 'loss', 'accuracy', 'time' for modelCheckpoint monitor but received 'val_loss' (validation entries need validationData or validationSplit)");
    expect(m.optimizer!.iterations).toBe(1);
    expect(await exists(path.join(tmp(), 'c'))).toBe(false);
    // an explicit monitor is checked without saveBestOnly too
    await expect(model().fit(X, Y, { epochs: 1, callbacks: [dd.callbacks.modelCheckpoint({ dir: tmp(), monitor: 'acc' })] }))
      .rejects.toThrow("Expected one of the logs entries 'loss', 'accuracy', 'time' for modelCheckpoint monitor but received 'acc'");
  });

  it('an unknown placeholder rejects fit at the first epoch, naming the fields', async () => {
    await expect(model().fit(X, Y, { epochs: 2, callbacks: [dd.callbacks.modelCheckpoint({ dir: path.join(tmp(), '{epoch}-{val_loss}') })] }))
      .rejects.toThrow("Expected one of 'loss', 'accuracy', 'time', 'epoch' for the {val_loss} placeholder of modelCheckpoint dir but received 'val_loss'");
  });

  it('saves on rank 0 only (control.isRoot), the checks run on every rank', async () => {
    const m = model();
    const checkpoint = dd.callbacks.modelCheckpoint({ dir: path.join(tmp(), 'c{epoch}') });
    const control = (isRoot: boolean): dd.TrainingControl => ({ stopTraining: false, model: m, isRoot, getWeights: () => [], setWeights: () => undefined });
    await checkpoint.onTrainBegin?.(control(false));
    await checkpoint.onEpochEnd?.(0, { loss: 1 }, control(false));
    expect(await readdir(tmp())).toEqual([]);
    await checkpoint.onEpochEnd?.(1, { loss: 1 }, control(true));
    expect(await readdir(tmp())).toEqual(['c2']);
    const best = dd.callbacks.modelCheckpoint({ dir: tmp(), monitor: 'valLoss', saveBestOnly: true });
    await expect(best.onEpochEnd?.(0, { loss: 1 }, control(false))).rejects.toThrow(/for modelCheckpoint monitor but received 'valLoss'/);
  });

  it('checks its options when created', () => {
    const make = (o: unknown) => () => dd.callbacks.modelCheckpoint(o as dd.ModelCheckpointOptions);
    expect(make(undefined)).toThrow("Expected exactly one of 'dir' (the model) and 'file' (the weights only) for options but received neither");
    expect(make({ dir: 'a', file: 'b' })).toThrow("Expected exactly one of 'dir' (the model) and 'file' (the weights only) for options but received both");
    expect(make({ dir: '' })).toThrow('Expected a directory path for dir but received ""');
    expect(make({ file: 3 })).toThrow('Expected a file path for file but received 3');
    expect(make({ dir: 'a', saveBestOnly: 1 })).toThrow('Expected a boolean for saveBestOnly but received 1');
    expect(make({ dir: 'a', mode: 'up' })).toThrow("Expected one of 'min', 'max', 'auto' for mode but received \"up\"");
    expect(make({ dir: 'a', monitor: 5 })).toThrow("Expected the name of a logs entry (e.g. 'valLoss') for monitor but received 5");
    expect(make({ dir: 'a', every: 2 })).toThrow(/for options\.every/);
    expect(make({ dir: 'ckpt/{epoch' })).toThrow(/Expected a path whose braces form placeholders such as '\{epoch\}' .* for modelCheckpoint dir but received "ckpt\/\{epoch"/);
    expect(make({ dir: 'ckpt/{epoch:x}' })).toThrow(/Expected a path whose placeholders are '\{name\}' or '\{name:spec\}'/);
  });
});

describe('PathTemplate (Python str.format subset, as Keras filepath)', () => {
  const format = (t: string, epoch: number, logs: dd.Logs) => new PathTemplate(t, 'dir').format(epoch, logs);

  it('formats epoch (from 1) and logs entries with optional specs', () => {
    expect(format('ckpt/{epoch:03d}-{valLoss:.4f}', 6, { valLoss: 0.123456 })).toBe('ckpt/007-0.1235');
    expect(format('{epoch}/{loss}', 0, { loss: 0.25 })).toBe('1/0.25');
    expect(format('{loss:.2e}', 0, { loss: 0.000123 })).toBe('1.23e-4');
    expect(format('{loss:5.1f}|{loss:.3}', 0, { loss: 1.23 })).toBe('  1.2|1.230');
    expect(format('{loss:07.2f}', 0, { loss: -1.5 })).toBe('-001.50');
    expect(format('{{epoch}}-{epoch:d}', 4, {})).toBe('{epoch}-5');
    expect(new PathTemplate('plain', 'dir').hasFields).toBe(false);
    expect(new PathTemplate('{{x}}', 'dir').hasFields).toBe(false);
    expect(new PathTemplate('{epoch}', 'dir').hasFields).toBe(true);
  });

  it('rejects malformed templates and an integer spec on a fraction', () => {
    expect(() => new PathTemplate('a}', 'dir')).toThrow(dd.DendriteError);
    expect(() => new PathTemplate('{}', 'dir')).toThrow(/placeholders are '\{name\}'/);
    expect(() => new PathTemplate('{loss:.2g}', 'dir')).toThrow(/placeholders are '\{name\}'/);
    expect(() => format('{loss:d}', 0, { loss: 0.5 })).toThrow("Expected an integer for the {loss:d} placeholder of dir but received 0.5 (use '.4f' for a metric)");
  });
});

describe('earlyStopping monitor', () => {
  it('rejects fit when the monitored entry is missing, naming the logs entries', async () => {
    await expect(model().fit(X, Y, { epochs: 2, callbacks: [dd.callbacks.earlyStopping({ monitor: 'valAccuracy' })] }))
      .rejects.toThrow("Expected one of the logs entries 'loss', 'accuracy', 'time' for earlyStopping monitor but received 'valAccuracy' (validation entries need validationData or validationSplit)");
    expect(() => dd.callbacks.earlyStopping({ monitor: '' })).toThrow(/for monitor but received ""/);
  });

  it('keeps Keras semantics: stops after patience epochs without improvement', async () => {
    const h = await model().fit(X, Y, { epochs: 10, batchSize: 6, callbacks: [scriptedLoss([3, 2, 2.5, 2.1, 1, 0]), dd.callbacks.earlyStopping({ monitor: 'loss', patience: 1 })] });
    expect(h.history.loss).toHaveLength(4);
  });
});
