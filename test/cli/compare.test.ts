// `dendrite compare` end to end on tiny settings: table, files, JSON, ranking, errors, Ctrl-C.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FASHION_MNIST_DIR, findMnistFiles } from '../../src/data/index.js';
import { dendrite, interrupted, tempDir } from './run.js';

const COLUMNS = ['#', 'activation', 'optimizer', 'mode', 'lr', 'train loss', 'train acc', 'val loss', 'val acc', 'epochs to 90%', 'time (s)'];

describe('dendrite compare', () => {
  it('prints the ranked table, writes results and plots, and ranks non-linear activations above the linear baseline', async () => {
    const out = tempDir();
    const r = await dendrite(['compare', '--activations', 'relu,tanh', '--optimizers', 'adam,momentum', '--epochs', '40', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    const header = lines[0];
    let at = -1;
    for (const col of COLUMNS) {
      const i = header.indexOf(col, at + 1);
      expect(i, `column ${col} in ${header}`).toBeGreaterThan(at);
      at = i;
    }
    expect(lines.filter((l) => /^\s*\d+\s+(linear \(baseline\)|relu|tanh)\s/.test(l))).toHaveLength(6);
    expect(r.stdout).toMatch(/Native next to pure JS \(.*\): cpu .* samples\/s, js .* samples\/s: [\d.]+x faster/);
    for (const f of ['results.json', 'results.csv', 'results.md', 'loss-minibatch.svg', 'accuracy-minibatch.svg', 'loss-minibatch.png', 'accuracy-minibatch.png']) {
      expect(existsSync(path.join(out, f)), f).toBe(true);
    }
    expect(readFileSync(path.join(out, 'loss-minibatch.svg'), 'utf8')).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"[\s\S]*<\/svg>\n$/);
    expect(readFileSync(path.join(out, 'loss-minibatch.png')).subarray(1, 4).toString()).toBe('PNG');
    const csv = readFileSync(path.join(out, 'results.csv'), 'utf8').trim().split('\n');
    expect(csv[0].split(',').slice(0, 5)).toEqual(['rank', 'mode', 'activation', 'optimizer', 'lr']);
    expect(csv).toHaveLength(7);
    const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
    expect(results.runs).toHaveLength(6);
    expect(results.runs[0].curves.loss).toHaveLength(40);
    // the article's point: every non-linear activation's best run beats the linear model's best
    const rankOf = (act: string) => Math.min(...results.summary.filter((s: { activation: string }) => s.activation === act).map((s: { rank: number }) => s.rank));
    expect(rankOf('relu')).toBeLessThan(rankOf('linear'));
    expect(rankOf('tanh')).toBeLessThan(rankOf('linear'));
    expect(results.summary[0].activation).not.toBe('linear');
    expect(results.summary.find((s: { activation: string }) => s.activation === 'linear').valAccuracy.mean).toBeLessThan(0.6);
    expect(results.summary[0].valAccuracy.mean).toBeGreaterThan(0.9);
  });

  it('--json prints one JSON document with mean ± std over seeds and every mode', async () => {
    const out = tempDir();
    const r = await dendrite(['compare', '--json', '--modes', 'batch,stochastic,minibatch', '--seeds', '2', '--epochs', '2',
      '--activations', 'relu', '--optimizers', 'sgd', '--no-baseline', '--no-js', '--no-plots', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.summary.map((s: { mode: string }) => s.mode).sort()).toEqual(['batch', 'minibatch', 'stochastic']);
    for (const s of doc.summary) {
      expect(s.runs).toBe(2);
      expect(s.valAccuracy.n).toBe(2);
      expect(s.valAccuracy.std).toBeGreaterThanOrEqual(0);
    }
    expect(doc.summary.map((s: { lr: number; mode: string }) => `${s.mode}:${s.lr}`).sort()).toEqual(['batch:1', 'minibatch:0.5', 'stochastic:0.01']);
    expect(doc.runs).toBeUndefined();
    expect(doc.files.map((f: string) => path.basename(f)).sort()).toEqual(['results.csv', 'results.json', 'results.md']);
    expect(readFileSync(path.join(out, 'results.md'), 'utf8')).toMatch(/\| # \| activation \| optimizer \| mode \|[\s\S]* ± /);
  });

  it('rejects bad flags with the house error format and exit status 2', async () => {
    const cases: [string[], string][] = [
      [['--modes', 'full'], 'Expected a comma-separated list of batch, stochastic, minibatch (or default, all) for --modes but received "full"'],
      [['--epochs', '0'], 'Expected an integer in [1, 1000000] for --epochs but received "0"'],
      [['--optimizers', 'adam,lion'], 'for --optimizers but received "lion"'],
      [['--lr', 'fast'], 'Expected a positive number for --lr but received "fast"'],
      [['--data', 'circles'], 'Expected one of spirals, moons, xor, fashion-mnist, mnist, csv:<file> for --data but received "circles"'],
    ];
    const runs = await Promise.all(cases.map(([args]) => dendrite(['compare', ...args, '--out', tempDir()])));
    runs.forEach((r, i) => {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^dendrite: Expected /);
      expect(r.stderr).toContain(cases[i][1]);
    });
    const unknown = await dendrite(['compare', '--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option '--bogus'/);
  });

  it('reports bad data files clearly (exit status 1)', async () => {
    const dir = tempDir();
    const { writeFileSync } = await import('node:fs');
    for (const name of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) {
      writeFileSync(path.join(dir, name), Buffer.from([0x1f, 0x00, 0x08, 0x01, 0, 0, 0, 1, 7]));
    }
    const idx = await dendrite(['compare', '--data', 'mnist', '--data-dir', dir, '--out', tempDir()]);
    expect(idx.code).toBe(1);
    expect(idx.stderr).toMatch(/dendrite: Expected an IDX file \(magic number 0x0000TTDD.*\) for .*-ubyte but received magic number 0x1f000801/);
    const csvFile = path.join(dir, 'bad.csv');
    writeFileSync(csvFile, 'a,b,label\n1,2,0\n3,x,1\n');
    const csv = await dendrite(['compare', '--data', `csv:${csvFile}`, '--out', tempDir()]);
    expect(csv.code).toBe(1);
    expect(csv.stderr).toContain(`dendrite: Expected a number for column "b" on line 3 of ${csvFile} but received "x"`);
    const missing = await dendrite(['compare', '--data', 'fashion-mnist', '--data-dir', tempDir(), '--out', tempDir()]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/which lacks them\. Install it with `sudo apt-get install dataset-fashion-mnist`/);
  });

  it('Ctrl-C stops cleanly and still writes the results so far (exit status 130)', async () => {
    const out = tempDir();
    const r = await interrupted(['compare', '--activations', 'relu', '--optimizers', 'adam', '--epochs', '1000000', '--out', out], /\d+ runs \(/);
    // dendrite exits with 130; npm (npx) then re-raises SIGINT on itself, as shells expect
    expect(r.signal === 'SIGINT' || r.code === 130, `${r.code} ${r.signal} ${r.stderr}`).toBe(true);
    expect(r.stderr).toContain('Interrupted: stopping after the current batch');
    const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
    expect(results.interrupted).toBe(true);
    expect(results.runs[0].status).toBe('aborted');
    expect(results.runs[0].epochs).toBeGreaterThan(0);
    expect(r.stdout).toMatch(/Interrupted: partial results/);
  });

  const fashion = findMnistFiles(FASHION_MNIST_DIR).files !== null;
  if (!fashion) console.warn(`NOTE: skipping compare --data fashion-mnist: ${FASHION_MNIST_DIR} is missing (apt-get install dataset-fashion-mnist)`);
  it.skipIf(!fashion)('runs on Fashion-MNIST from the Debian package', async () => {
    const out = tempDir();
    const r = await dendrite(['compare', '--data', 'fashion-mnist', '--limit', '3000', '--test-limit', '1000', '--epochs', '3',
      '--activations', 'relu', '--optimizers', 'adam', '--no-baseline', '--no-js', '--json', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.data).toMatchObject({ name: 'fashion-mnist', features: 784, classes: 10, trainRows: 3000, testRows: 1000 });
    expect(doc.summary[0].valAccuracy.mean).toBeGreaterThan(0.7);
  });
});
