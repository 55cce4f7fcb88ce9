// `dendrite info | bench | train | predict` and --help, run through npx on tiny settings.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dendrite, dendriteIn, tempDir } from './run.js';

describe('dendrite --help', () => {
  it('documents every command', async () => {
    const top = await dendrite(['--help']);
    expect(top.code).toBe(0);
    for (const cmd of ['compare', 'bench', 'train', 'predict', 'info']) expect(top.stdout).toMatch(new RegExp(`^\\s+${cmd}\\b`, 'm'));
    const helps = await Promise.all(['compare', 'bench', 'train', 'predict', 'info'].map((cmd) => dendrite([cmd, '--help'])));
    for (const h of helps) {
      expect(h.code).toBe(0);
      expect(h.stdout).toMatch(/^Usage: dendrite \w+ \[options\]/);
      expect(h.stdout).toContain('--json');
    }
    expect(helps[0].stdout).toContain('--modes <list>');
    const version = await dendrite(['--version']);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).version);
  });
});

describe('dendrite info', () => {
  it('prints the backends, and JSON with --json', async () => {
    const [text, json] = await Promise.all([dendrite(['info']), dendrite(['info', '--json'])]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^dendrite \d+\.\d+\.\d+ \(node v/);
    expect(text.stdout).toMatch(/^backend\s+available\s+details/m);
    const doc = JSON.parse(json.stdout);
    expect(doc.backends.map((b: { name: string }) => b.name)).toEqual(expect.arrayContaining(['js', 'cpu', 'cuda']));
    expect(doc.threads).toBeGreaterThanOrEqual(1);
    const cpu = doc.backends.find((b: { name: string }) => b.name === 'cpu');
    if (cpu.available) expect(text.stdout).toContain(`ISA variant ${cpu.isa}`);
  });

  it('a DENDRITE_ISA the CPU cannot run is one line and exit status 2', async () => {
    const saved = process.env.DENDRITE_ISA;
    process.env.DENDRITE_ISA = 'avx1024';
    const running = dendrite(['info']);  // the child's environment is taken now
    if (saved === undefined) delete process.env.DENDRITE_ISA;
    else process.env.DENDRITE_ISA = saved;
    const r = await running;
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^dendrite: Expected one of .* for DENDRITE_ISA but received "avx1024"$/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('dendrite bench', () => {
  it('--quick --json: activations, an optimizer step and MLP training for cpu and js', async () => {
    const out = tempDir();
    const r = await dendrite(['bench', '--quick', '--no-peers', '--json', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.rows.map((row: { group: string }) => row.group)).toEqual(expect.arrayContaining(['activation', 'optimizer', 'training']));
    for (const row of doc.rows) {
      expect(row.js).toBeGreaterThan(0);
      if (doc.dendrite.isa) expect(row.cpu).toBeGreaterThan(0);
    }
    expect(JSON.parse(readFileSync(path.join(out, 'bench.json'), 'utf8')).rows).toHaveLength(doc.rows.length);
  });
});

describe('dendrite train and predict', () => {
  it('trains from a model file, saves, and predicts with the saved model', async () => {
    const dir = tempDir();
    const config = path.join(dir, 'model.json');
    writeFileSync(config, JSON.stringify({ layers: [{ units: 32, activation: 'tanh' }, { units: 32, activation: 'tanh' }], optimizer: 'adam', lr: 0.02, epochs: 60, seed: 3 }));
    const save = path.join(dir, 'model');
    const train = await dendrite(['train', '--config', config, '--data', 'moons', '--save', save, '--json']);
    expect(train.code, train.stderr).toBe(0);
    const trained = JSON.parse(train.stdout);
    expect(trained.epochs).toBe(60);
    expect(trained.test.accuracy).toBeGreaterThan(0.9);
    for (const f of ['model.json', 'weights.safetensors', 'dendrite-data.json']) expect(existsSync(path.join(save, f)), f).toBe(true);

    const out = path.join(dir, 'out');
    const predict = await dendrite(['predict', '--model', save, '--out', out]);
    expect(predict.code, predict.stderr).toBe(0);
    expect(predict.stdout).toMatch(/Predicted 200 rows of moons .*predictAsync/);
    const accuracy = Number(/accuracy: ([\d.]+)%/.exec(predict.stdout)![1]) / 100;
    expect(accuracy).toBeCloseTo(trained.test.accuracy, 6);
    const csv = readFileSync(path.join(out, 'predictions.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('row,predicted,predicted_name,confidence,label,label_name');
    expect(csv).toHaveLength(201);
  });

  it('predicts CSV rows without labels using the training scaling', async () => {
    const dir = tempDir();
    const rows = Array.from({ length: 200 }, (_, i) => `${(i % 2 ? 1 : -1) * (5 + (i % 7))},${i % 13},${i % 2 ? 'pos' : 'neg'}`);
    const file = path.join(dir, 'train.csv');
    writeFileSync(file, `x,noise,sign\n${rows.join('\n')}\n`);
    const save = path.join(dir, 'model');
    const train = await dendrite(['train', '--data', `csv:${file}`, '--label-column', 'sign', '--epochs', '20', '--save', save, '--quiet']);
    expect(train.code, train.stderr).toBe(0);
    expect(train.stdout).toBe('');
    const unlabeled = path.join(dir, 'new.csv');
    writeFileSync(unlabeled, 'x,noise\n-7,3\n9,1\n');
    const r = await dendrite(['predict', '--model', save, '--data', `csv:${unlabeled}`, '--json', '--out', dir]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.accuracy).toBeNull();
    expect(doc.predictions.map((p: { predicted: number }) => p.predicted)).toEqual([0, 1]);
  });

  it('reports bad model files and model directories', async () => {
    const dir = tempDir();
    const config = path.join(dir, 'bad.json');
    writeFileSync(config, JSON.stringify({ layers: [{ units: 0 }] }));
    const [bad, unknownKey, noModel] = await Promise.all([
      dendrite(['train', '--config', config]),
      (async () => { const f = path.join(dir, 'k.json'); writeFileSync(f, '{"epoch": 3}'); return dendrite(['train', '--config', f]); })(),
      dendrite(['predict', '--model', dir]),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^dendrite: Expected valid options for layers\[0\] in .*bad\.json but received options that fail with: Expected an integer/);
    expect(unknownKey.stderr).toMatch(/Expected one of layers, optimizer, lr, epochs, batchSize, seed for key "epoch" in .*k\.json but received an unknown key/);
    expect(noModel.code).toBe(1);
    expect(noModel.stderr).toMatch(/^dendrite: Expected a directory written by model\.save\(\)/);
  });

  it('validates each epoch on the last --validation-split of the training rows; the test split only in the final report', async () => {
    const [text, json, quarter, none, bad] = await Promise.all([
      dendrite(['train', '--data', 'moons', '--epochs', '3']),
      dendrite(['train', '--data', 'moons', '--epochs', '3', '--json']),
      dendrite(['train', '--data', 'moons', '--epochs', '3', '--json', '--validation-split', '0.25']),
      dendrite(['train', '--data', 'moons', '--epochs', '3', '--json', '--validation-split', '0']),
      dendrite(['train', '--data', 'moons', '--validation-split', '1']),
    ]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^train: loss [\d.]+, accuracy [\d.]+%\nval: {3}loss [\d.]+, accuracy [\d.]+% \(the last 80 training rows\)\ntest: {2}loss [\d.]+, accuracy [\d.]+%$/m);
    expect(text.stderr).toMatch(/epoch 3\/3: loss [\d.]+, accuracy [\d.]+, val loss [\d.]+, val accuracy [\d.]+/);
    // moons: 800 training rows (the default 0.1 holds out the last 80) and 200 test rows
    const doc = JSON.parse(json.stdout);
    expect(doc.validationSplit).toBe(0.1);
    expect(doc.rows).toEqual({ train: 720, validation: 80, test: 200 });
    // the epochs' validation is the held-out training rows: the last epoch's val loss is theirs, not the test set's
    const last = doc.history[doc.history.length - 1];
    expect(last.valLoss).toBeCloseTo(doc.validation.loss, 5);
    expect(last.valAccuracy).toBeCloseTo(doc.validation.accuracy, 9);
    expect(Math.abs(last.valLoss - doc.test.loss)).toBeGreaterThan(1e-6);
    expect(JSON.parse(quarter.stdout).rows).toEqual({ train: 600, validation: 200, test: 200 });
    const without = JSON.parse(none.stdout);
    expect(without.rows).toEqual({ train: 800, validation: 0, test: 200 });
    expect(without.validation).toBeNull();
    expect(without.history[0].valLoss).toBeUndefined();
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('dendrite: Expected a number in [0, 1) for --validation-split but received "1"');
  });

  it('predict writes into dendrite-out/predict by default (its own folder beside compare\'s and bench\'s dendrite-out)', async () => {
    const cwd = tempDir();
    const trained = await dendriteIn(cwd, ['train', '--data', 'xor', '--epochs', '2', '--save', 'model', '--quiet']);
    expect(trained.code, trained.stderr).toBe(0);
    const r = await dendriteIn(cwd, ['predict', '--model', 'model', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).file).toBe(path.join('dendrite-out', 'predict', 'predictions.csv'));
    expect(readFileSync(path.join(cwd, 'dendrite-out', 'predict', 'predictions.csv'), 'utf8')).toMatch(/^row,predicted,/);
    const missing = await dendriteIn(cwd, ['predict', '--model', 'model', '--data', 'csv:rows.csv']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('dendrite: Expected an existing file for --data but received "rows.csv" (not found)\n');
    const help = await dendrite(['predict', '--help']);
    expect(help.stdout).toMatch(/--out <dir>\s+directory for predictions\.csv \(default:\s+"dendrite-out\/predict"\)/);
  });

  it('reports missing files and directories where files belong in one line, without a stack (exit status 1)', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'file.txt');
    writeFileSync(file, 'x\n');
    const missing = path.join(dir, 'missing.csv');
    const cases: [string[], string][] = [
      [['train', '--data', `csv:${missing}`], `Expected an existing file for --data but received "${missing}" (not found)`],
      [['train', '--data', `csv:${dir}`], `Expected a file for --data but received "${dir}" (a directory)`],
      [['train', '--config', path.join(dir, 'model.json')], `Expected an existing file for --config but received "${path.join(dir, 'model.json')}" (not found)`],
      [['train', '--config', dir], `Expected a file for --config but received "${dir}" (a directory)`],
      [['train', '--save', file], `Expected a directory (or a path to create one) for --save but received "${file}" (a file)`],
      [['train', '--data', 'mnist', '--data-dir', file], `Expected a directory for --data-dir but received "${file}" (a file)`],
      [['predict', '--model', path.join(dir, 'gone')], `Expected an existing directory for --model but received "${path.join(dir, 'gone')}" (not found)`],
      [['predict', '--model', file], `Expected a directory for --model but received "${file}" (a file)`],
      [['compare', '--out', file], `Expected a directory (or a path to create one) for --out but received "${file}" (a file)`],
      [['bench', '--quick', '--out', file], `Expected a directory (or a path to create one) for --out but received "${file}" (a file)`],
    ];
    const runs = await Promise.all(cases.map(([args]) => dendrite(args)));
    runs.forEach((r, i) => {
      expect(r.code, `${cases[i][0].join(' ')}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toBe(`dendrite: ${cases[i][1]}\n`);
    });
  });

  it('words numeric ranges naturally (exit status 2)', async () => {
    const cases: [string[], string][] = [
      [['train', '--lr', '-1'], 'Expected a number > 0 for --lr but received "-1"'],
      [['train', '--lr', '0'], 'Expected a number > 0 for --lr but received "0"'],
      [['train', '--batch-size', '0'], 'Expected an integer >= 1 for --batch-size but received "0"'],
      [['train', '--epochs', '1.5'], 'Expected an integer in [1, 1000000] for --epochs but received "1.5"'],
      [['train', '--limit', '-3'], 'Expected an integer >= 1 for --limit but received "-3"'],
      [['predict', '--model', '.', '--limit', '0'], 'Expected an integer >= 1 for --limit but received "0"'],
    ];
    const runs = await Promise.all(cases.map(([args]) => dendrite(args)));
    runs.forEach((r, i) => {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toBe(`dendrite: ${cases[i][1]}\n`);
    });
  });
});
