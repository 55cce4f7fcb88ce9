// The event loop keeps running while models are saved and loaded (issue 16, item 8): the
// reads and writes are asynchronous and chunked, transposes and copies run in slices with
// yields between them, a loaded model is not initialised only to be overwritten. save(),
// saveWeights() and toBuffer() take a read lease on the weights and copy them (and the
// optimizer state) a few MB at a time; loadModel fills the optimizer state the same way.
// Measured with perf_hooks.monitorEventLoopDelay; the bound is loose (a noisy 2-core machine).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';

const root = mkdtempSync(path.join(tmpdir(), 'dendrite-eventloop-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The largest event-loop delay (ms) while `work` runs (the monitor runs before it starts). */
async function maxDelay(work: () => Promise<unknown>): Promise<{ max: number; wall: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  await new Promise((resolve) => setTimeout(resolve, 20));
  h.reset();
  // the histogram records nothing for the first interval after a reset: let it tick once, so
  // that a block right at the start of `work` (a synchronous copy) is measured
  await new Promise((resolve) => setTimeout(resolve, 5));
  const start = performance.now();
  await work();
  const wall = performance.now() - start;
  await new Promise((resolve) => setTimeout(resolve, 5));
  h.disable();
  return { max: h.max / 1e6, wall };
}

const width = 2048;
const make = (seed = 0) => dd.sequential([
  dd.layers.dense({ inputSize: width, units: width, activation: 'relu' }),
  dd.layers.dense({ units: width, activation: 'relu' }),
  dd.layers.dense({ units: 10 }),
], { seed });

/** A 2048-2048-2048-10 model (8.4M parameters) compiled with Adam, after one training step (its optimizer state is saved too). */
async function trained(): Promise<dd.Sequential> {
  const model = make();
  model.compile({ optimizer: new dd.optimizers.Adam(), loss: 'softmaxCrossEntropy' });
  await model.fit(dd.tensor(new Float32Array(4 * width).fill(0.5), [4, width]), dd.tensor(new Float32Array([0, 1, 2, 3]), [4]), { epochs: 1, batchSize: 4, verbose: 0 } as never);
  return model;
}

/** The same state (byte-wise: toEqual walks 8.4M-element arrays one element at a time, for minutes). */
function sameState(a: dd.Optimizer, b: dd.Optimizer | ReturnType<dd.Optimizer['stateDict']>): boolean {
  const x = a.stateDict();
  const y = b instanceof dd.Optimizer ? b.stateDict() : b;
  return x.className === y.className && x.step === y.step && JSON.stringify(x.scalars) === JSON.stringify(y.scalars)
    && Object.keys(x.slots).join() === Object.keys(y.slots).join() && Object.keys(x.slots).every((k) => same(x.slots[k], y.slots[k]));
}

const same = (a: Float32Array[], b: Float32Array[]) => a.length === b.length && a.every((w, i) => Buffer.from(w.buffer, w.byteOffset, w.byteLength).equals(Buffer.from(b[i].buffer, b[i].byteOffset, b[i].byteLength)));

describe('event-loop delay of save and load', () => {
  it('a 2048-2048-2048-10 model (8.4M parameters, Adam state): save, saveWeights torch, toBuffer, loadModel, loadWeights torch', async () => {
    const model = await trained();
    const dir = path.join(root, 'model');
    const torch = path.join(root, 'torch.safetensors');
    const figures: Record<string, { max: number; wall: number }> = {};
    figures['save (with the optimizer state)'] = await maxDelay(() => model.save(dir));
    figures['save (replacing)'] = await maxDelay(() => model.save(dir));
    figures["saveWeights({ layout: 'torch' })"] = await maxDelay(() => model.saveWeights(torch, { layout: 'torch' }));
    figures.toBuffer = await maxDelay(() => model.toBuffer());
    let loaded: dd.Sequential | null = null;
    figures['loadModel (with the optimizer state)'] = await maxDelay(async () => { loaded = await dd.loadModel(dir); });
    const other = make(1);
    figures["loadWeights({ layout: 'torch' })"] = await maxDelay(() => dd.loadWeights(other, torch, { layout: 'torch' }));
    console.log(`event-loop delay (max) / wall time, ${width}-${width}-${width}-10 model:\n${Object.entries(figures).map(([k, v]) => `  ${k}: ${v.max.toFixed(1)} ms / ${v.wall.toFixed(0)} ms`).join('\n')}`);
    expect(same(loaded!.getWeights(), model.getWeights())).toBe(true);
    expect(sameState(loaded!.optimizer!, model.optimizer!)).toBe(true);
    expect(same(other.getWeights(), model.getWeights())).toBe(true);
    // the saves and loads measured to within a few ms here (they blocked 20-40 ms per call before
    // the sliced copies); 50 ms leaves room for the noise of a shared machine
    for (const [name, { max }] of Object.entries(figures)) expect(max, name).toBeLessThan(name.startsWith('loadWeights') ? 100 : 50);
  });
});

describe('the values a save writes are those at the call (read lease)', () => {
  it('setWeights is refused until the copy is complete; a fit started meanwhile waits for it', async () => {
    const model = await trained();
    const before = model.getWeights();
    const state = model.optimizer!.stateDict();
    const dir = path.join(root, 'lease');
    const saving = model.save(dir);
    expect(() => model.setWeights(before)).toThrow(/^Expected no predictAsync or save reading the weights for setWeights/);
    // a training step started while the values are copied runs once the copy is complete
    const fitting = model.fit(dd.tensor(new Float32Array(4 * width).fill(-1), [4, width]), dd.tensor(new Float32Array([3, 2, 1, 0]), [4]), { epochs: 1, batchSize: 4, verbose: 0 } as never);
    const buffer = model.toBuffer(); // starts with the same values: fit is still waiting
    await Promise.all([saving, fitting]);
    expect(same(model.getWeights(), before)).toBe(false);
    const loaded = await dd.loadModel(dir);
    expect(same(loaded.getWeights(), before)).toBe(true);
    expect(sameState(loaded.optimizer!, state)).toBe(true);
    const fromBuffer = await dd.modelFromBuffer(await buffer);
    expect(same(fromBuffer.getWeights(), before)).toBe(true);
    expect(sameState(fromBuffer.optimizer!, state)).toBe(true);
    model.setWeights(before); // the lease is released
    expect(same(model.getWeights(), before)).toBe(true);
  });

  it('a save rejects when its optimizer takes a step while the state is copied (the lease covers the model, not the optimizer)', async () => {
    const model = await trained();
    const optimizer = model.optimizer!;
    const saving = model.save(path.join(root, 'stepped'));
    // another set of parameters of the same sizes (as another model training with this optimizer)
    const params = model.parameters().map((p) => p.data.slice());
    optimizer.step(params, params.map((p) => new Float32Array(p.length)));
    await expect(saving).rejects.toThrow(/^Expected an optimizer that takes no step during model.save but received the Adam optimizer at step 2 \(it was at 1/);
    model.setWeights(model.getWeights()); // the lease was released
  });

  it('saveWeights holds the lease only while it copies, not while it writes', async () => {
    const model = make();
    const before = model.getWeights();
    const file = path.join(root, 'lease.safetensors');
    const changed = before.map((w) => w.map((v) => v + 1));
    let written = false;
    const writing = model.saveWeights(file, { layout: 'torch' }).then(() => { written = true; });
    expect(() => model.setWeights(changed)).toThrow(/^Expected no predictAsync or save reading the weights for setWeights/);
    for (let copied = false; !copied;) {
      await new Promise((resolve) => setImmediate(resolve));
      try {
        model.setWeights(changed);
        copied = true;
      } catch { /* still copying */ }
    }
    expect(written).toBe(false); // released once copied (and transposed), before the write ends
    await writing;
    const other = make(1);
    await dd.loadWeights(other, file, { layout: 'torch' });
    expect(same(other.getWeights(), before)).toBe(true);
  });
});
