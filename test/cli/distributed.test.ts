// Data-parallel commands: `mpirun -np 2 npx dendrite train | compare --distributed | info` (skipped with a
// note without mpirun or without MPI in the build), and what they say without mpirun.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { dendrite, mpiDendrite, tempDir } from './run.js';
import { mpiSupport } from '../helpers.js';

const mpi = mpiSupport();
const canRun = mpi.ok;
if (!canRun) console.warn(`NOTE: skipping the mpirun CLI tests: ${mpi.reason}`);

/** How many times `pattern` matches in `text`. */
const count = (text: string, pattern: RegExp) => (text.match(new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`)) ?? []).length;

describe('dendrite without mpirun', () => {
  it('compare --distributed runs as a single rank and says how to launch it', async () => {
    const out = tempDir();
    const r = await dendrite(['compare', '--distributed', '--activations', 'relu', '--optimizers', 'adam', '--no-baseline', '--epochs', '1', '--no-js', '--no-plots', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^note: --distributed runs as a single rank \(not launched by mpirun\).*`mpirun -np 2 npx dendrite compare --distributed`/m);
    expect(r.stderr).not.toContain('data-parallel:');
    expect(JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')).dendrite.ranks).toBe(1);
  });

  it('info says whether MPI is compiled in, without starting it', async () => {
    const [text, json] = await Promise.all([dendrite(['info']), dendrite(['info', '--json'])]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^Distributed \\(MPI\\): ${dd.distributed.compiled ? 'yes; not launched by mpirun' : 'no'}`, 'm'));
    expect(JSON.parse(json.stdout).distributed).toEqual({ compiled: dd.distributed.compiled, launched: false });
  });
});

describe.skipIf(!canRun)('dendrite under mpirun -np 2', () => {
  it('train: data-parallel (the same epoch as one process at twice the batch), printed and saved once by rank 0', async () => {
    const dir = tempDir();
    const save = path.join(dir, 'model');
    const [r, single] = await Promise.all([
      mpiDendrite(2, ['train', '--data', 'xor', '--epochs', '1', '--batch-size', '64', '--save', save]),
      dendrite(['train', '--data', 'xor', '--epochs', '1', '--batch-size', '128', '--json']),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(count(r.stderr, /^data-parallel: 2 ranks \(.+\), batch 64 per rank = 128 global$/m)).toBe(1);
    expect(count(r.stderr, /^dendrite train: /m)).toBe(1);
    expect(count(r.stderr, /^epoch 1\/1: /m)).toBe(1);
    expect(count(r.stdout, /^Trained 1 epochs in /m)).toBe(1);
    expect(count(r.stdout, /^Saved the model to /m)).toBe(1);
    for (const f of ['model.json', 'weights.safetensors', 'dendrite-data.json']) expect(existsSync(path.join(save, f)), f).toBe(true);
    // Without `distributed` each rank would train alone on batches of 64 and report another loss.
    const loss = Number(/^epoch 1\/1: loss ([\d.]+)/m.exec(r.stderr)![1]);
    expect(single.code, single.stderr).toBe(0);
    expect(loss).toBeCloseTo(JSON.parse(single.stdout).history[0].loss, 3);
  }, 60_000);

  it('train --json prints one JSON document', async () => {
    const r = await mpiDendrite(2, ['train', '--data', 'xor', '--epochs', '1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ data: 'xor', epochs: 1, ranks: 2 });
  }, 60_000);

  it('compare --distributed: every rank runs the grid, rank 0 prints the table and writes the results', async () => {
    const out = tempDir();
    const r = await mpiDendrite(2, ['compare', '--distributed', '--activations', 'relu', '--optimizers', 'adam,sgd', '--epochs', '2', '--no-plots', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(count(r.stderr, /^data-parallel: 2 ranks \(.+\), batch 128 per rank = 256 global$/m)).toBe(1);
    expect(count(r.stderr, /^note: skipping the native-versus-pure-JS timing under mpirun/m)).toBe(1);
    expect(count(r.stdout, /^\s*#\s+activation\s+optimizer/m)).toBe(1);
    expect(count(r.stdout, /^Best: /m)).toBe(1);
    const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
    expect(results.dendrite.ranks).toBe(2);
    expect(results.runs).toHaveLength(4);
    expect(results.runs.every((run: { status: string; epochs: number }) => run.status === 'ok' && run.epochs === 2)).toBe(true);
    expect(results.jsComparison).toBeNull();
    expect(readFileSync(path.join(out, 'results.md'), 'utf8')).toContain('x 2 data-parallel ranks');
  }, 60_000);

  it('compare without --distributed is refused once (exit status 2)', async () => {
    const r = await mpiDendrite(2, ['compare', '--epochs', '1', '--out', tempDir()]);
    expect(r.code).toBe(2);
    expect(count(r.stderr, /^dendrite: Expected --distributed for dendrite compare under mpirun \(2 ranks\) but received no --distributed/m)).toBe(1);
  }, 60_000);

  it('info shows the job once, from rank 0', async () => {
    const r = await mpiDendrite(2, ['info']);
    expect(r.code, r.stderr).toBe(0);
    expect(count(r.stdout, /^dendrite \d+\.\d+\.\d+ /m)).toBe(1);
    expect(r.stdout).toMatch(/^Distributed \(MPI\): yes; rank 0 of 2 \(local 0 of 2\), thread level (multiple|serialized), \S/m);
  }, 60_000);
});
