// worker.terminate() while a native job runs in the worker (a fit span, a predictAsync) must
// not take the process down: the job's completion never runs or throws into the dying
// environment, and its thread finishes before the worker's memory goes. The scenario runs in a
// child process (a crash there would otherwise kill the test runner), many times, at random
// points of the job.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..', '..');

// The child: `loops` workers, each terminated after a random delay while its job runs.
const child = `
const { Worker } = require('node:worker_threads');
const root = process.argv[1], what = process.argv[2], loops = Number(process.argv[3]);
const code = \`
  const { parentPort, workerData } = require('node:worker_threads');
  const dd = require(workerData.root);
  const rows = 2048, width = 64;
  const x = dd.tensor(Float32Array.from({ length: rows * width }, (_, i) => Math.sin(i * 0.37)), [rows, width]);
  const y = Int32Array.from({ length: rows }, (_, i) => i % 10);
  const m = dd.sequential([dd.layers.dense({ inputSize: width, units: 256, activation: 'relu' }), dd.layers.dense({ units: 10 })], { seed: 1 });
  m.compile({ optimizer: new dd.optimizers.Adam({ lr: 0.01 }), loss: 'softmaxCrossEntropy' });
  parentPort.postMessage('ready');
  if (workerData.what === 'fit') m.fit(x, y, { epochs: 1000, batchSize: 32 });
  else (async () => { for (;;) await m.predictAsync(x, { batchSize: 64 }); })();
\`;
(async () => {
  for (let i = 0; i < loops; i++) {
    const w = new Worker(code, { eval: true, workerData: { root, what } });
    await new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 60));
    await w.terminate();
  }
  console.log('survived ' + loops);
})().catch((e) => { console.error(e); process.exit(2); });
`;

function run(what: 'fit' | 'predictAsync', loops: number) {
  return spawnSync(process.execPath, ['-e', child, root, what, String(loops)], { encoding: 'utf8', timeout: 120_000 });
}

describe('worker.terminate() during native work', () => {
  it.each(['fit', 'predictAsync'] as const)('terminating a worker during %s, 20 times, leaves the process alive', (what) => {
    const r = run(what, 20);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('survived 20');
    expect(r.status).toBe(0);
  }, 130_000);
});
