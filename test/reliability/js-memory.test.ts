/**
 * Memory JS can move or shrink (issue 16, item 3, the TypeScript side). Each scenario runs in
 * a child process (a crash must not take the test runner down) and reports what it saw as a
 * JSON line; the process must exit 0.
 * - transferring x's or a weight's ArrayBuffer (postMessage, structuredClone with transfer)
 *   during a fit or a predictAsync: the buffers are marked untransferable, so on node 20 the
 *   transfer copies and nothing moves (the results equal an undisturbed run);
 * - detaching a weight between calls (ArrayBuffer.prototype.transfer, which the mark does not
 *   stop: node 20 with --harmony-rab-gsab-transfer, standard on node >= 22): predict,
 *   predictAsync, evaluate and fit refuse with the house error;
 * - x or y over a resizable ArrayBuffer or a growable SharedArrayBuffer: refused.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const dist = path.join(__dirname, '..', '..', 'dist', 'index.js');

const prelude = `
  const dd = require(${JSON.stringify(dist)});
  const { Worker } = require('node:worker_threads');
  const rows = 2048, width = 32;
  const data = () => Float32Array.from({ length: rows * width }, (_, i) => Math.sin(i * 0.37));
  const labels = () => Int32Array.from({ length: rows }, (_, i) => i % 3);
  const model = () => {
    const m = dd.sequential([dd.layers.dense({ inputSize: width, units: 64, activation: 'relu' }), dd.layers.dense({ units: 3 })], { seed: 7 });
    m.compile({ optimizer: new dd.optimizers.Adam({ lr: 0.01 }), loss: 'softmaxCrossEntropy' });
    return m;
  };
  const report = (v) => console.log(JSON.stringify(v));
  const same = (a, b) => a.length === b.length && a.every((w, i) => w.length === b[i].length && w.every((v, j) => v === b[i][j]));
  const err = (e) => ({ name: e.name, code: e.code, message: e.message });
`;

function runChild(body: string, flags: string[] = []): { status: number | null; signal: string | null; result: Record<string, unknown>; stderr: string } {
  const code = `${prelude}\n(async () => {\n${body}\n})().catch((e) => { report({ uncaught: err(e) }); process.exitCode = 2; });`;
  const r = spawnSync(process.execPath, [...flags, '-e', code], { encoding: 'utf8', timeout: 60_000 });
  const line = (r.stdout ?? '').trim().split('\n').filter(Boolean).at(-1) ?? '{}';
  return { status: r.status, signal: r.signal, result: JSON.parse(line), stderr: r.stderr ?? '' };
}

describe('memory JS can move or shrink (child processes)', () => {
  it('x and a weight transferred to a worker and through structuredClone during fit: nothing moves, same weights as an undisturbed fit', () => {
    const { status, signal, result, stderr } = runChild(`
      const quiet = model();
      await quiet.fit(dd.tensor(data(), [rows, width]), labels(), { epochs: 3, batchSize: 16 });
      const m = model();
      const x = data();
      const y = labels();
      const worker = new Worker('require("node:worker_threads").parentPort.on("message", () => {})', { eval: true });
      worker.unref();
      const fit = m.fit(dd.tensor(x, [rows, width]), y, { epochs: 3, batchSize: 16 });
      const w = m.layers[0].weight.data;
      await new Promise((r) => setTimeout(r, 5));
      worker.postMessage(x, [x.buffer]);
      worker.postMessage(w, [w.buffer]);
      const clone = structuredClone(y, { transfer: [y.buffer] });
      await fit;
      await worker.terminate();
      report({ xLength: x.length, yLength: y.length, wLength: w.length, cloneLength: clone.length, same: same(m.getWeights(), quiet.getWeights()) });
    `);
    expect(stderr).not.toMatch(/Segmentation|free\(\)|core dumped/);
    expect({ status, signal }).toEqual({ status: 0, signal: null });
    expect(result).toEqual({ xLength: 2048 * 32, yLength: 2048, wLength: 32 * 64, cloneLength: 2048, same: true });
  });

  it('x transferred during predictAsync: the output equals predict of the same rows', () => {
    const { status, result } = runChild(`
      const m = model();
      const x = data();
      const expected = m.predict(x).data;
      const worker = new Worker('require("node:worker_threads").parentPort.on("message", () => {})', { eval: true });
      worker.unref();
      const pending = m.predictAsync(x, { batchSize: 8 });
      worker.postMessage(x, [x.buffer]);
      const out = (await pending).data;
      await worker.terminate();
      report({ attached: x.length === rows * width, same: out.every((v, i) => v === expected[i]) });
    `);
    expect(status).toBe(0);
    expect(result).toEqual({ attached: true, same: true });
  });

  it('a weight detached between calls (ArrayBuffer.prototype.transfer): predict, predictAsync, evaluate and fit refuse with the house error', () => {
    const { status, signal, result, stderr } = runChild(`
      const m = model();
      const x = dd.tensor(data(), [rows, width]);
      m.layers[0].weight.data.buffer.transfer();
      const out = {};
      for (const [name, call] of [
        ['predict', () => m.predict(x)],
        ['predictAsync', () => m.predictAsync(x)],
        ['evaluate', () => m.evaluate(x, labels())],
        ['fit', () => m.fit(x, labels(), { epochs: 1 })],
        ['forward', () => m.layers[0].forward(x)],
      ]) {
        try { await call(); out[name] = 'no error'; } catch (e) { out[name] = err(e); }
      }
      report(out);
    `, ['--harmony-rab-gsab-transfer']);
    expect(stderr).not.toMatch(/Segmentation|free\(\)|core dumped/);
    expect({ status, signal }).toEqual({ status: 0, signal: null });
    const detached = (action: string) => ({
      name: 'DendriteError', code: 'ERR_DENDRITE_INVALID_STATE',
      message: `Expected attached weights for ${action} but received a detached ArrayBuffer (layer 0 weight)`,
    });
    expect(result.predict).toEqual(detached('predict'));
    expect(result.predictAsync).toEqual(detached('predictAsync'));
    expect(result.evaluate).toEqual(detached('predict or evaluate'));
    expect(result.fit).toEqual(detached('fit'));
    expect(result.forward).toEqual({ ...detached('layer.forward'), message: 'Expected attached weights for layer.forward but received a detached ArrayBuffer (weight)' });
  });

  it('x or y over a resizable ArrayBuffer or a growable SharedArrayBuffer: refused with the house error', () => {
    const { status, result } = runChild(`
      const m = model();
      const resizable = new ArrayBuffer(rows * width * 4, { maxByteLength: rows * width * 8 });
      const x = new Float32Array(resizable);
      x.set(data());
      const growable = new SharedArrayBuffer(rows * 4, { maxByteLength: rows * 8 });
      const y = new Int32Array(growable);
      y.set(labels());
      const out = {};
      for (const [name, call] of [
        ['fitX', () => m.fit(x, labels(), { epochs: 1 })],
        ['fitY', () => m.fit(data(), y, { epochs: 1 })],
        ['predict', () => m.predict(x)],
        ['predictAsync', () => m.predictAsync(dd.tensor(x, [rows, width]))],
      ]) {
        try { await call(); out[name] = 'no error'; } catch (e) { out[name] = err(e); }
      }
      // shrinking it afterwards harms nothing (nothing native kept it)
      resizable.resize(16);
      out.after = m.predict(data()).shape;
      report(out);
    `);
    expect(status).toBe(0);
    const refused = (name: string, what: string) => ({
      name: 'DendriteError', code: 'ERR_DENDRITE_INVALID_ARGUMENT',
      message: `Expected a typed array over a fixed-length ArrayBuffer (copy it first, e.g. x.slice()) for ${name} but received a ${what}`,
    });
    expect(result.fitX).toEqual(refused('x', 'Float32Array over a resizable ArrayBuffer'));
    expect(result.fitY).toEqual(refused('y', 'Int32Array over a growable SharedArrayBuffer'));
    expect(result.predict).toEqual(refused('x', 'Float32Array over a resizable ArrayBuffer'));
    expect(result.predictAsync).toEqual(refused('x', 'Float32Array over a resizable ArrayBuffer'));
    expect(result.after).toEqual([2048, 3]);
  });
});
