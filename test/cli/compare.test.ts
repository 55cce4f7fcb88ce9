// `dendrite compare` end to end on tiny settings: table, files, JSON, ranking, errors, Ctrl-C.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FASHION_MNIST_DIR, findMnistFiles } from '../../src/data/index.js';
import { dendrite, interrupted, tempDir } from './run.js';

/** An IDX file: magic (0, 0, type, dims), big-endian sizes, then the payload. */
function idxBytes(type: number, shape: number[], payload: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header[2] = type;
  header[3] = shape.length;
  shape.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, payload]);
}

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
      [['--lr', 'fast'], 'Expected a number > 0 for --lr but received "fast"'],
      [['--lr', '-1'], 'Expected a number > 0 for --lr but received "-1"'],
      [['--target', '1.5'], 'Expected a number in [0, 1] for --target but received "1.5"'],
      [['--seeds', '0'], 'Expected an integer in [1, 1000] for --seeds but received "0"'],
      [['--batch-size', '0'], 'Expected an integer >= 1 for --batch-size but received "0"'],
      [['--data', 'circles'], 'Expected one of spirals, moons, xor, fashion-mnist, mnist, csv:<file> for --data but received "circles"'],
      [['--model', 'rnn'], 'Expected one of mlp, cnn for --model but received "rnn"'],
      [['--model', 'cnn'], 'Expected image data (--data fashion-mnist or mnist) for --model cnn but received --data spirals'],
      [['--model', 'cnn', '--data', 'mnist', '--data-dir', tempDir(), '--hidden', '8'], 'Expected no --hidden with --model cnn (its layers are fixed) for --hidden but received "8"'],
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

  it('--model cnn trains the small CNN on image data (a generated MNIST-format directory) and names it in the results', async () => {
    // 8x8 images: class k has a bright 3x3 block in quadrant k, on faint noise
    const dir = tempDir();
    let seed = 7;
    const noise = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % 40);
    const images = (n: number) => {
      const px = new Uint8Array(n * 64);
      for (let i = 0; i < n; i++) {
        for (let p = 0; p < 64; p++) px[i * 64 + p] = noise();
        const [r0, c0] = [4 * Math.floor((i % 4) / 2), 4 * (i % 2)];
        for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) px[i * 64 + (r0 + r) * 8 + c0 + c] = 255;
      }
      return idxBytes(0x08, [n, 8, 8], px);
    };
    const labels = (n: number) => idxBytes(0x08, [n], Uint8Array.from({ length: n }, (_, i) => i % 4));
    writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), images(128));
    writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), labels(128));
    writeFileSync(path.join(dir, 't10k-images-idx3-ubyte'), images(32));
    writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte'), labels(32));
    const out = tempDir();
    const r = await dendrite(['compare', '--data', 'mnist', '--data-dir', dir, '--model', 'cnn', '--activations', 'relu', '--optimizers', 'adam',
      '--epochs', '6', '--batch-size', '16', '--no-plots', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('CNN 8x8x1 conv16-pool-conv32-pool-64-10, 6 epochs');
    expect(r.stdout).toMatch(/^\s*\d+\s+relu\s+adam\s/m);
    expect(r.stdout).toMatch(/Native next to pure JS \((relu|linear) \+ adam, 128 rows x \d+ epochs\): .* final losses/);
    expect(r.stdout).toContain('max pooling is the only non-linearity');
    const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
    expect(results.config).toMatchObject({ model: 'cnn', hidden: [], epochs: 6 });
    expect(results.data).toMatchObject({ name: 'mnist', features: 64, inputShape: [8, 8, 1], trainRows: 128, testRows: 32 });
    expect(results.runs).toHaveLength(2);
    for (const run of results.runs) expect(run.final.valAccuracy, run.activation).toBeGreaterThan(0.9);
    expect(readFileSync(path.join(out, 'results.md'), 'utf8')).toContain('CNN 8x8x1 conv16-pool-conv32-pool-64-10 (softmax cross-entropy), 6 epochs');
  });

  it('reports bad data files clearly (exit status 1)', async () => {
    const dir = tempDir();
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

  it.skipIf(!fashion)('runs the CNN on Fashion-MNIST (--model cnn)', async () => {
    const out = tempDir();
    const r = await dendrite(['compare', '--data', 'fashion-mnist', '--model', 'cnn', '--limit', '2000', '--test-limit', '500', '--epochs', '1',
      '--activations', 'relu', '--optimizers', 'adam', '--no-baseline', '--no-js', '--no-plots', '--json', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.config.model).toBe('cnn');
    expect(doc.data).toMatchObject({ name: 'fashion-mnist', features: 784, inputShape: [28, 28, 1], trainRows: 2000, testRows: 500 });
    expect(doc.summary[0].valAccuracy.mean).toBeGreaterThan(0.6);
  });
});
