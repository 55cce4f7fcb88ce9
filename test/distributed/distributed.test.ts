/**
 * Data-parallel training (dd.distributed): sharding, the size-1 fallback, argument checks,
 * and, under `mpirun -np 2` (skipped with a note when mpirun is missing), equivalence with a
 * single process at twice the batch, the start-of-fit broadcast, mismatch and fault handling.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { shardOrder } from '../../src/distributed/sampler.js';
import { mpiSupport } from '../helpers.js';

const SCRIPT = path.join(__dirname, 'scripts', 'scenario.mjs');
const work = mkdtempSync(path.join(os.tmpdir(), 'dendrite-dist-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const mpi = mpiSupport();
const mpirun = mpi.ok;
if (!mpirun) console.log(`[test/distributed] SKIPPED the mpirun tests: ${mpi.reason}`);

interface RankResult {
  rank: number; size: number; mpi: boolean; error?: string; code?: string;
  initial?: number[][]; final?: number[][]; history?: Record<string, number[]>; iterations?: number;
  localSize?: number; threadLevel?: string; threads?: number; compiled?: boolean; launched?: boolean;
  checks?: Record<string, unknown>;
  name?: string;
  notes?: Record<string, unknown>;
}

let runs = 0;
/** Runs the scenario script on `ranks` processes (plain node for 1); returns the exit status, stderr and per-rank results. */
function run(ranks: number, args: Record<string, unknown>, timeout = 60_000, mpirunArgs: string[] = []) {
  const out = path.join(work, `run${runs++}`);
  const argv = [SCRIPT, JSON.stringify({ ...args, out })];
  const env = { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1' };
  const r = ranks === 1
    ? spawnSync(process.execPath, argv, { encoding: 'utf8', timeout, env })
    : spawnSync('mpirun', ['--oversubscribe', ...mpirunArgs, '-np', String(ranks), process.execPath, ...argv], { encoding: 'utf8', timeout, env });
  const results: RankResult[] = [];
  for (let rank = 0; rank < ranks; rank++) {
    try {
      results.push(JSON.parse(readFileSync(path.join(out, `rank${rank}.json`), 'utf8')));
    } catch {
      /* a rank that did not finish */
    }
  }
  const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
  return { status: r.status, signal: r.signal, timedOut, stderr: r.stderr ?? '', results };
}

const maxDiff = (a: number[][], b: number[][]) => Math.max(...a.flatMap((w, i) => w.map((v, j) => Math.abs(v - b[i][j]))));

describe('shardOrder (DistributedSampler)', () => {
  const epoch = (n: number) => Uint32Array.from({ length: n }, (_, i) => (i * 7919) % n);
  it.each([[128, 2], [100, 4], [6, 3]])('covers every one of %i rows exactly once over %i ranks', (n, size) => {
    const order = epoch(n);
    const seen = new Array(n).fill(0);
    for (let r = 0; r < size; r++) {
      const shard = shardOrder(order, r, size);
      expect(shard.length).toBe(n / size);
      // rank r takes positions r, r+S, r+2S, ... of the shared epoch order
      shard.forEach((row, i) => expect(row).toBe(order[r + i * size]));
      shard.forEach((row) => seen[row]++);
    }
    expect(seen.every((c) => c === 1)).toBe(true);
  });
  it('checks its arguments (public as dd.distributed.shardOrder)', () => {
    expect(dd.distributed.shardOrder).toBe(shardOrder);
    expect(() => shardOrder(Uint32Array.of(1, 2), 0, 0)).toThrow(/^Expected an integer >= 1 .*for size but received 0/);
    expect(() => shardOrder(Uint32Array.of(1, 2), 2, 2)).toThrow(/^Expected an integer >= 0 and <= 1 for rank but received 2/);
    expect(() => shardOrder(Uint32Array.of(1, 2), 0.5, 2)).toThrow(/for rank but received 0.5/);
    expect(() => shardOrder([1, 2] as never, 0, 2)).toThrow(/^Expected a Uint32Array for order but received/);
    expect(() => shardOrder(new Uint32Array(0), 0, 2)).toThrow('Expected at least one row for order but received an empty Uint32Array');
  });

  it('pads like PyTorch (repeating the first rows) so every rank gets ceil(N/S) rows', () => {
    const order = epoch(10);
    // torch: indices += indices[:padding]; rank r takes indices[r::S]
    const padded = [...order, ...order.slice(0, 2)];
    for (let r = 0; r < 4; r++) {
      expect(Array.from(shardOrder(order, r, 4))).toEqual(padded.filter((_, i) => i % 4 === r));
    }
    const tiny = Uint32Array.of(5, 3);
    expect(Array.from(shardOrder(tiny, 4, 5))).toEqual([5]); // [5, 3] padded cyclically to [5, 3, 5, 3, 5]
  });
  it('global step k of S ranks at batch B covers the rows of step k of one process at batch B*S', () => {
    const order = epoch(64);
    const B = 4, S = 2;
    const shards = [0, 1].map((r) => shardOrder(order, r, S));
    for (let k = 0; k < 64 / (B * S); k++) {
      const global = shards.flatMap((s) => Array.from(s.subarray(k * B, (k + 1) * B))).sort((a, b) => a - b);
      expect(global).toEqual(Array.from(order.subarray(k * B * S, (k + 1) * B * S)).sort((a, b) => a - b));
    }
  });
});

describe('distributed without mpirun', () => {
  it('init gives one rank without starting MPI, and the process exits by itself', () => {
    const { status, results } = run(1, { scenario: 'info' });
    expect(status).toBe(0);
    expect(results[0]).toMatchObject({ rank: 0, size: 1, mpi: false, localSize: 1, threadLevel: '' });
    expect(results[0].compiled).toBe(dd.distributed.compiled);
  });
  it('fit with a size-1 handle trains exactly like a plain fit', () => {
    const one = run(1, {});
    const plain = run(1, { plain: true });
    expect(one.status, one.stderr).toBe(0);
    expect(one.results[0].iterations).toBe(50);
    expect(one.results[0].final).toEqual(plain.results[0].final);
  });
  it('rejects bad options with the house message', () => {
    expect(() => dd.distributed.init({ bucketBytes: 12 } as never)).toThrow(/^Expected an integer >= 4096 .*for bucketBytes but received 12/);
    expect(() => dd.distributed.init({ threads: 0 } as never)).toThrow(/for threads but received 0/);
    expect(() => dd.distributed.init({ nope: 1 } as never)).toThrow(/^Expected one of the option names 'bucketBytes', 'threads', 'force' for options.nope but received/);
    const model = dd.sequential([dd.layers.dense({ units: 2, inputSize: 2 })]);
    model.compile({ optimizer: new dd.optimizers.SGD(), loss: 'mse' });
    return expect(model.fit([[1, 2]], [[1, 2]], { distributed: { rank: 0, size: 2 } as never })).rejects.toThrow(
      /^Expected the handle from dd\.distributed\.init\(\) for distributed but received/,
    );
  });
  it('reports whether MPI is compiled in', () => {
    const cpu = dd.backends().find((b) => b.name === 'cpu')!;
    expect(cpu.distributed).toBe(dd.distributed.compiled ? 'mpi' : 'none');
    expect(dd.distributed.launched).toBe(false);  // vitest itself is not under mpirun
  });
});

describe.runIf(mpirun)('distributed under mpirun -np 2', () => {
  it.each([
    ['SGD with momentum', 'sgd', 'cpu'],
    ['Adam', 'adam', 'cpu'],
    ['Adam on the js backend', 'adam', 'js'],
    ['Adam in the device-resident loop (CUDA math on the CPU, gradients staged through the host)', 'adam', 'deviceMath'],
  ])('%s: 2 ranks x batch 64 give the weights of 1 rank x batch 128 after 50 steps (%s, %s)', (_name, optimizer, backend) => {
    const one = run(1, { optimizer, backend, batchSize: 128 });
    const two = run(2, { optimizer, backend, batchSize: 64 });
    expect(one.status, one.stderr).toBe(0);
    expect(two.status, two.stderr).toBe(0);
    const [r0, r1] = two.results;
    expect(r0.size).toBe(2);
    expect(r0.mpi).toBe(true);
    // The ranks start from different weights (seed = rank): only the broadcast makes them agree.
    expect(maxDiff(r0.initial!, r1.initial!)).toBeGreaterThan(0.1);
    expect(r0.iterations).toBe(50);
    expect(one.results[0].iterations).toBe(50);
    // Identical updates on every rank, and the single-process result up to float32 summation order.
    expect(maxDiff(r0.final!, r1.final!)).toBe(0);
    expect(maxDiff(r0.final!, one.results[0].final!)).toBeLessThan(2e-6);
    // Every rank reports the same history, that of the single process.
    expect({ ...r1.history, time: [] }).toEqual({ ...r0.history, time: [] });
    r0.history!.loss.forEach((l, i) => expect(l).toBeCloseTo(one.results[0].history!.loss[i], 6));
    r0.history!.accuracy.forEach((a, i) => expect(a).toBeCloseTo(one.results[0].history!.accuracy[i], 6));
  });

  it('a CNN (conv2d, pooling, flatten): 2 ranks x batch 64 give the weights of 1 rank x batch 128', () => {
    const one = run(1, { optimizer: 'adam', batchSize: 128, scenario: 'cnn' });
    const two = run(2, { optimizer: 'adam', batchSize: 64, scenario: 'cnn' });
    expect(one.status, one.stderr).toBe(0);
    expect(two.status, two.stderr).toBe(0);
    const [r0, r1] = two.results;
    expect(r0.error, r0.error).toBeUndefined();
    expect(maxDiff(r0.final!, r1.final!)).toBe(0);
    expect(maxDiff(r0.final!, one.results[0].final!)).toBeLessThan(2e-5);
  });

  it("batch norm and dropout: the ranks end identical (rank 0's running statistics after every span, as torch's DDP)", () => {
    const { status, stderr, results: [r0, r1] } = run(2, { optimizer: 'sgd', batchSize: 64, scenario: 'cnnbn' });
    expect(status, stderr).toBe(0);
    expect(r0.error, r0.error).toBeUndefined();
    expect(maxDiff(r0.final!, r1.final!)).toBe(0);
    expect({ ...r0.history, time: [] }).toEqual({ ...r1.history, time: [] });
  });

  it('over TCP (the transport between machines) with a hostfile, as on a cluster', () => {
    const hostfile = path.join(work, 'hosts');
    writeFileSync(hostfile, 'localhost slots=2\n');
    const one = run(1, { optimizer: 'adam', batchSize: 128 });
    const two = run(2, { optimizer: 'adam', batchSize: 64 }, 60_000, ['--hostfile', hostfile, '--mca', 'btl', 'self,tcp']);
    expect(two.status, two.stderr).toBe(0);
    expect(maxDiff(two.results[0].final!, two.results[1].final!)).toBe(0);
    expect(maxDiff(two.results[0].final!, one.results[0].final!)).toBeLessThan(2e-6);
  });

  it('padded shards, a partial last batch and a validation split: identical ranks and histories', () => {
    const { status, stderr, results: [r0, r1] } = run(2, { scenario: 'padded' });
    expect(status, stderr).toBe(0);
    expect(r0.final).toEqual(r1.final);
    expect(r0.history!.valLoss).toHaveLength(r0.history!.loss.length);
    expect({ ...r0.history, time: [] }).toEqual({ ...r1.history, time: [] });
    expect(r0.iterations).toBe(60); // 3203 rows - 320 held out = 2883 -> 1442 per rank -> 15 batches of 100, 4 epochs
    // the last epoch's validation, sharded over the ranks and reduced, is the full evaluation
    const full = r0.notes!.evaluate as { loss: number; accuracy: number };
    expect(r0.history!.valLoss.at(-1)).toBeCloseTo(full.loss, 6);
    expect(r0.history!.valAccuracy.at(-1)).toBeCloseTo(full.accuracy, 9);
  });

  it('settings that may differ per rank are agreed: progress and per-batch hooks on rank 0 only', () => {
    const { status, stderr, results: [r0, r1] } = run(2, { scenario: 'uneven' });
    expect(status, stderr).toBe(0);
    expect(r0.final).toEqual(r1.final);
    expect(r0.iterations).toBe(52); // 4 epochs of 13 batches of 128 (1600 rows per rank)
  });

  it.each([
    ['a different learning rate', 'lr'],
    ['a different gradient bucket size', 'bucket'],
  ])('%s on one rank is a mismatch on every rank', (_what, scenario) => {
    const { status, results } = run(2, { scenario });
    expect(status).toBe(0);
    expect(results).toHaveLength(2);
    for (const r of results) {
      expect(r.code).toBe('ERR_DENDRITE_DISTRIBUTED_MISMATCH');
      expect(r.error).toMatch(/but received different layers, loss, optimizer settings, schedules, bucket sizes or fit options across the 2 ranks/);
    }
  });

  it('an invalid option on one rank rejects fit on every rank (no job abort)', () => {
    const { status, results: [r0, r1] } = run(2, { scenario: 'invalid' });
    expect(status).toBe(0);
    expect(r1.error).toBe('Expected an integer >= 1 for epochs but received 0');
    expect(r0.code).toBe('ERR_DENDRITE_DISTRIBUTED_PEER');
    expect(r0.error).toMatch(/^Expected every rank to start fit for distributed but received an invalid argument on another rank/);
  });

  it('terminateOnNaN on rank 0 only stops every rank at the same batch', () => {
    const { status, results } = run(2, { scenario: 'nan' });
    expect(status).toBe(0);
    expect(results.map((r) => r.error)).toEqual([
      'Expected a finite loss for epoch 0 batch 12 but received NaN (terminateOnNaN)',
      'Expected a finite loss for epoch 0 batch 12 but received NaN (terminateOnNaN)',
    ]);
  });

  it('stopTraining set in onTrainBegin on one rank stops every rank before the first epoch', () => {
    const { status, results } = run(2, { scenario: 'stop' });
    expect(status).toBe(0);
    for (const r of results) {
      expect(r.iterations).toBe(0);
      expect(r.final).toEqual(results[0].initial); // rank 0's weights, broadcast
    }
  });

  it("one rank's abort signal stops every rank at the same span with an AbortError", () => {
    const { status, timedOut, results } = run(2, { scenario: 'abort' });
    expect(timedOut).toBe(false);
    expect(status).toBe(0);
    expect(results.map((r) => r.name)).toEqual(['AbortError', 'AbortError']);
  });

  it("the application's own collectives and a second fit are refused while a distributed fit runs", () => {
    const { status, results } = run(2, { scenario: 'busy' });
    expect(status).toBe(0);
    for (const r of results) {
      expect(r.iterations).toBe(52);
      expect(r.notes!.busy).toBe('Expected no distributed fit in progress for allreduce but received a call during one (wait for fit to resolve)');
      expect(r.notes!.secondFit).toBe('Expected no other distributed fit running for distributed but received one in progress in this process');
    }
  });

  it('ranks with different models fail with the same clear error on every rank', () => {
    const { status, results } = run(2, { scenario: 'mismatch' });
    expect(status).toBe(0);
    expect(results).toHaveLength(2);
    for (const r of results) {
      expect(r.code).toBe('ERR_DENDRITE_DISTRIBUTED_MISMATCH');
      expect(r.error).toMatch(/^Expected the same model, data size and fit options on every rank for distributed but received parameter counts from 451 to 465/);
    }
  });

  it('a callback throwing on one rank ends the job with an error instead of a hang', () => {
    const started = Date.now();
    const { status, timedOut, stderr, results } = run(2, { scenario: 'throw' }, 60_000);
    expect(timedOut).toBe(false); // a hang
    expect(status).not.toBe(0); // an exit status, or null when mpirun itself ended by a signal
    expect(stderr).toContain('dendrite: rank 1 of 2 failed, ending the job: Error: callback failed on purpose');
    expect(results.filter((r) => r.final)).toHaveLength(0);
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  it.each([
    ['cpu, between spans, rank 1', { badRank: 1 }],
    ['cpu, mid-span from a timer, rank 0', { badRank: 0, timer: true }],
    ['js, between spans, rank 1', { badRank: 1, backend: 'js' }],
  ])("a label changed to an out-of-range class on one rank (%s) ends the job with the house error instead of a hang", (_what, args) => {
    // the failing rank's span stops before its batch's gradient allreduce, where the other rank
    // already waits: no agreement can reach it, so the job ends (MPI_Abort) with the error printed
    const { status, timedOut, stderr, results } = run(2, { scenario: 'badlabel', ...args }, 60_000);
    expect(timedOut).toBe(false);
    expect(status).not.toBe(0);
    expect(stderr).toMatch(new RegExp(`dendrite: rank ${args.badRank} of 2 failed, ending the job: DendriteError: Expected class indices in \\[0, 3\\) for y but received 99 at row \\d+`));
    expect(results.filter((r) => r.final)).toHaveLength(0);
  });

  it('an uncaught exception on one rank outside fit ends the job (its exit does not wait in MPI_Finalize)', () => {
    const { status, timedOut, stderr, results } = run(2, { scenario: 'uncaught' }, 60_000);
    expect(timedOut).toBe(false);
    expect(status).not.toBe(0);
    expect(stderr).toContain('uncaught on purpose');
    expect(results).toHaveLength(0);
  });

  it('collectives: sum, avg, min, max, broadcast, barrier, 64 in flight at once, 12 MB in pieces; the event loop runs while waiting; finalize', () => {
    const { status, stderr, results } = run(2, { scenario: 'api' });
    expect(status, stderr).toBe(0);
    for (const { checks } of results) {
      expect(checks).toMatchObject({
        sum: [3, -1, 10], avg: [0.5, 2], min: [0, -1], max: [1, 0], broadcast: [1, 1.5], concurrentWrong: 0, bigWrong: 0,
        afterFinalize: 'Expected a running communicator for a collective but received one finalized by distributed.finalize()',
      });
    }
    // rank 0 waited ~300 ms for rank 1 inside the allreduce; its 10 ms timer kept firing
    expect(results[0].checks!.ticksWhileWaiting).toBeGreaterThan(10);
  });

  it('init under mpirun: MPI with multiple-thread support, one thread per rank on this machine', () => {
    const { status, results } = run(2, { scenario: 'info' });
    expect(status).toBe(0);
    expect(results.map((r) => r.rank)).toEqual([0, 1]);
    for (const r of results) {
      expect(r).toMatchObject({ size: 2, mpi: true, localSize: 2, compiled: true, launched: true });
      expect(['serialized', 'multiple']).toContain(r.threadLevel);
      expect(r.threads).toBe(Math.max(1, Math.floor(os.availableParallelism() / 2)));
    }
  });
});
