// The application's collectives with arguments that differ between ranks (run by
// test/distributed/agreement.test.ts under mpirun -np 2): a length, a type, an op or a root that
// differs rejects on every rank with the house error, and the job goes on. Each rank writes
// <out>/rank<r>.json with what each case gave.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import dd from '../../../dist/index.js';

const { out } = JSON.parse(process.argv[2] ?? '{}');
const dist = dd.distributed.init();
const r = dist.rank;
const cases = {};
async function attempt(name, fn) {
  try {
    const v = await fn();
    cases[name] = { ok: true, value: Array.from(v ?? []) };
  } catch (err) {
    cases[name] = { ok: false, code: err.code, message: err.message };
  }
}
await attempt('length', () => dist.allreduce(new Float32Array(r === 0 ? 3 : 5).fill(1)));
await attempt('bigLength', () => dist.allreduce(new Float32Array(r === 0 ? 10 : 3_000_000).fill(1)));
await attempt('type', () => dist.allreduce(r === 0 ? Float32Array.of(1, 2) : Float64Array.of(1, 2)));
await attempt('op', () => dist.allreduce(Float64Array.of(r + 1), r === 0 ? 'sum' : 'max'));
await attempt('broadcastLength', () => dist.broadcast(new Float64Array(r === 0 ? 4 : 2).fill(r)));
await attempt('broadcastRoot', () => dist.broadcast(Float64Array.of(r), r));
// the job goes on: a matching collective after the mismatches
await attempt('after', () => dist.allreduce(Float64Array.of(r + 1)));
// collectives called without awaiting, and a barrier between them: the same order on every rank
const a = dist.allreduce(Float64Array.of(r));
const wait = r === 1 ? new Promise((resolve) => setTimeout(resolve, 100)) : Promise.resolve();
await wait;
const b = dist.barrier();
const c = dist.allreduce(Float32Array.of(10 * r), 'max');
await attempt('unawaited', async () => [...(await a), ...(await b.then(() => c))]);
mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, `rank${r}.json`), JSON.stringify({ rank: r, size: dist.size, cases }));
