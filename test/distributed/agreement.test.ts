/**
 * dist.allreduce / dist.broadcast with arguments that differ between ranks: before the data
 * collective the ranks agree on length, type and op (root for broadcast); a mismatch rejects on
 * every rank with the house error naming both values (it used to segfault, double free, or
 * reduce with a different op on each rank). Under mpirun -np 2, skipped with a note without it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mpiSupport } from '../helpers.js';

const SCRIPT = path.join(__dirname, 'scripts', 'agreement.mjs');
const work = mkdtempSync(path.join(os.tmpdir(), 'dendrite-agree-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const mpi = mpiSupport();
if (!mpi.ok) console.log(`[test/distributed/agreement] SKIPPED the mpirun tests: ${mpi.reason}`);

interface Case { ok: boolean; value?: number[]; code?: string; message?: string }

describe.skipIf(!mpi.ok)('collectives whose arguments differ between ranks (mpirun -np 2)', () => {
  const out = path.join(work, 'run');
  const env = { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1' };
  let status: number | null = null;
  let stderr = '';
  let ranks: { rank: number; cases: Record<string, Case> }[] = [];
  const runOnce = () => {
    if (status !== null) return;
    const r = spawnSync('mpirun', ['--oversubscribe', '-np', '2', process.execPath, SCRIPT, JSON.stringify({ out })], { encoding: 'utf8', timeout: 60_000, env });
    status = r.status;
    stderr = r.stderr ?? '';
    ranks = [0, 1].map((i) => JSON.parse(readFileSync(path.join(out, `rank${i}.json`), 'utf8')));
  };

  it('exits cleanly, both ranks reporting', () => {
    runOnce();
    expect(stderr).not.toMatch(/Segmentation|double free|core dumped/);
    expect(status).toBe(0);
    expect(ranks).toHaveLength(2);
  });

  it.each([
    ['length', 'Expected the same length, type and op on every rank for allreduce but received lengths 3 and 5 across the 2 ranks'],
    ['bigLength', 'received lengths 10 and 3000000'],
    ['type', 'received types float32 and float64'],
    ['op', 'received ops sum and max'],
    ['broadcastLength', 'Expected the same length, type and root on every rank for broadcast but received lengths 2 and 4'],
    ['broadcastRoot', 'received roots 0 and 1'],
  ])('%s: rejects on every rank with the house error naming both values', (name, text) => {
    runOnce();
    for (const { rank, cases } of ranks) {
      const c = cases[name];
      expect(c.ok, `rank ${rank}`).toBe(false);
      expect(c.code).toBe('ERR_DENDRITE_DISTRIBUTED_MISMATCH');
      expect(c.message).toContain(text);
      expect(c.message).toContain(`(this rank ${rank}:`);
    }
  });

  it('the job goes on after a mismatch, and collectives not awaited keep their order', () => {
    runOnce();
    for (const { cases } of ranks) {
      expect(cases.after).toEqual({ ok: true, value: [3] });
      expect(cases.unawaited).toEqual({ ok: true, value: [1, 10] });
    }
  });
});
