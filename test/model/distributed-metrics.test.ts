/**
 * Metrics in a distributed fit (under `mpirun -np 2`, skipped with a note when mpirun is
 * missing; uses dist/, rebuilt by `npm run build:ts`): every rank reports the same History, and
 * the metrics that need every row (auc, precision, recall) are those of the whole training and
 * validation sets at each epoch's final weights, not an average of per-rank values.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mpiSupport } from '../helpers.js';

const SCRIPT = path.join(__dirname, 'scripts', 'distributed-metrics.mjs');
const work = mkdtempSync(path.join(os.tmpdir(), 'dendrite-dist-metrics-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const mpi = mpiSupport();
if (!mpi.ok) console.log(`[test/model/distributed-metrics] SKIPPED: ${mpi.reason}`);

interface Result { rank: number; size: number; history: Record<string, number[]>; train: Record<string, number>; val: Record<string, number> }

function run(ranks: number, backend: string): Result[] {
  const out = path.join(work, `${backend}-${ranks}`);
  const argv = [SCRIPT, JSON.stringify({ out, backend })];
  const env = { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1' };
  const r = ranks === 1
    ? spawnSync(process.execPath, argv, { encoding: 'utf8', timeout: 60_000, env })
    : spawnSync('mpirun', ['--oversubscribe', '-np', String(ranks), process.execPath, ...argv], { encoding: 'utf8', timeout: 60_000, env });
  expect(r.status, r.stderr).toBe(0);
  return Array.from({ length: ranks }, (_, rank) => JSON.parse(readFileSync(path.join(out, `rank${rank}.json`), 'utf8')));
}

describe.runIf(mpi.ok).each(['cpu', 'js'])('distributed metrics on %s', (backend) => {
  it('every rank gets the same History; auc, precision, recall are over all rows at the final weights', () => {
    const [a, b] = run(2, backend);
    expect(a.size).toBe(2);
    const { time: _ta, ...historyA } = a.history;
    const { time: _tb, ...historyB } = b.history;
    expect(historyB).toEqual(historyA);
    expect(Object.keys(historyA)).toEqual(['loss', 'accuracy', 'precision', 'recall', 'auc', 'valLoss', 'valAccuracy', 'valPrecision', 'valRecall', 'valAuc']);
    for (const key of ['precision', 'recall', 'auc']) {
      expect(historyA[key][2], key).toBeCloseTo(a.train[key], 6);
      const valKey = `val${key[0].toUpperCase()}${key.slice(1)}`;
      expect(historyA[valKey][2], valKey).toBeCloseTo(a.val[key], 6);
    }
    expect(historyA.valLoss[2]).toBeCloseTo(a.val.loss, 5);
    expect(historyA.valAccuracy[2]).toBeCloseTo(a.val.accuracy, 6);
  });
});
