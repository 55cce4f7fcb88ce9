// `dendrite info | bench | train | predict` and --help, run through npx on tiny settings.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dendrite, tempDir } from './run.js';

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
});
