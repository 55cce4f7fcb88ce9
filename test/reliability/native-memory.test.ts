// Memory JS can move or shrink, as the native side sees it: a trainer keeps raw pointers into
// the weights and the optimizer state between calls, and each call's arrays are read again at
// its start. A detached buffer (transferred to a worker, structuredClone with transfer) or a
// resized one is refused with a clear error at the start of every run / predict / predictSync
// / layer call, never used (the weights' case used to segfault). The addon is driven directly
// (the facade refuses most of these earlier), in a child process: a regression is a crash.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..', '..');

const child = `
const root = process.argv[1];
const { nativeAddon } = require(root + '/dist/native.js');
const native = nativeAddon();
const detach = (a) => { structuredClone(a.buffer, { transfer: [a.buffer] }); };
const layer = (inSize, units, tensors) => ({ type: 'dense', inShape: [inSize], outShape: [units],
  options: { activation: 'relu', alpha: 0, beta: 1, threshold: 20, useBias: true }, tensors });
function trainer(weight, bias, state = new Float32Array(0), slots = 0) {
  return new native.NativeTrainer({ layers: [layer(4, 3, { weight, bias })], loss: 'mse', labelSmoothing: 0, accuracy: false,
    optimizer: 'sgd', slots, state, coeffCount: 6 });
}
const results = {};
const attempt = async (name, fn) => {
  try { await fn(); results[name] = 'ok'; } catch (e) { results[name] = e.message; }
};
(async () => {
  const rows = 5, x = new Float32Array(rows * 4).fill(0.5), out = new Float32Array(rows * 3);
  // the weights detached between calls
  {
    const kernel = new Float32Array(12).fill(0.1), bias = new Float32Array(3);
    const t = trainer(kernel, bias);
    await attempt('before', () => t.predictSync(x, rows, 2, out));
    detach(kernel);
    await attempt('predictSync weights', () => t.predictSync(x, rows, 2, out));
    await attempt('predict weights', () => t.predict(x, rows, 2, out));
    const y = new Float32Array(rows * 3), order = Uint32Array.from({ length: rows }, (_, i) => i);
    await attempt('run weights', () => t.run(x, rows, y, order, 2, 0, 1, new Float64Array(6), new Float64Array(1), new Float64Array(1), new Float64Array(3)));
  }
  // the optimizer state detached between calls
  {
    const state = new Float32Array(15);
    const t = trainer(new Float32Array(12), new Float32Array(3), state, 1);
    detach(state);
    const y = new Float32Array(rows * 3), order = Uint32Array.from({ length: rows }, (_, i) => i);
    await attempt('run state', () => t.run(x, rows, y, order, 2, 0, 1, new Float64Array(6), new Float64Array(1), new Float64Array(1), new Float64Array(3)));
  }
  // a call's own arrays detached before the call
  {
    const t = trainer(new Float32Array(12), new Float32Array(3));
    const gone = new Float32Array(rows * 4);
    detach(gone);
    await attempt('predict x', () => t.predict(gone, rows, 2, out));
    const order = Uint32Array.from({ length: rows }, (_, i) => i);
    detach(order);
    await attempt('run order', () => t.run(x, rows, new Float32Array(rows * 3), order, 2, 0, 1, new Float64Array(6), new Float64Array(1), new Float64Array(1), new Float64Array(3)));
  }
  // a weight over a resizable buffer, shrunk between calls
  {
    const buffer = new ArrayBuffer(48, { maxByteLength: 96 });
    const kernel = new Float32Array(buffer);
    const t = trainer(kernel, new Float32Array(3));
    buffer.resize(24);
    await attempt('predictSync resized', () => t.predictSync(x, rows, 2, out));
  }
  // a layer on its own (Layer.forward on cpu)
  {
    const kernel = new Float32Array(12), bias = new Float32Array(3);
    const l = new native.NativeLayer(layer(4, 3, { weight: kernel, bias }), 'cpu');
    detach(bias);
    await attempt('layer forward', () => l.forward(x, rows, false, out));
  }
  // x transferred away while predict runs: the job holds it; no crash (the receiver keeps it)
  {
    const t = trainer(new Float32Array(12), new Float32Array(3));
    const big = new Float32Array(20000 * 4), bigOut = new Float32Array(20000 * 3);
    const running = t.predict(big, 20000, 7, bigOut);
    const kept = structuredClone(big.buffer, { transfer: [big.buffer] });
    await attempt('predict in flight', () => running);
    results.kept = kept.byteLength;
  }
  console.log(JSON.stringify(results));
})();
`;

describe('native side: memory JS can move or shrink', () => {
  it('detached or resized arrays are refused with a clear error at the start of every native call', () => {
    const r = spawnSync(process.execPath, ['-e', child, root], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const results = JSON.parse(r.stdout) as Record<string, string | number>;
    const detached = (name: string) => `Expected an attached ArrayBuffer for ${name} but received a detached one`;
    expect(results).toEqual({
      before: 'ok',
      'predictSync weights': detached('layers[0].weight'),
      'predict weights': detached('layers[0].weight'),
      'run weights': detached('layers[0].weight'),
      'run state': detached('optimizer state'),
      'predict x': detached('x'),
      'run order': detached('order'),
      'predictSync resized': 'Expected a typed array of 12 values (as when it was given) for layers[0].weight but received one of 6 values',
      'layer forward': detached('layer.bias'),
      'predict in flight': 'ok',
      kept: 20000 * 4 * 4,
    });
  });
});
