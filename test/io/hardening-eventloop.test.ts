// The event loop keeps running while models are saved and loaded (issue 16, item 8): the
// reads and writes are asynchronous and chunked, transposes and copies run in slices with
// yields between them, a loaded model is not initialised only to be overwritten. The only
// synchronous part left is the snapshot copy of the values when save() is called. Measured
// with perf_hooks.monitorEventLoopDelay; the bound is loose (a noisy 2-core machine).
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
  const start = performance.now();
  await work();
  const wall = performance.now() - start;
  await new Promise((resolve) => setTimeout(resolve, 5));
  h.disable();
  return { max: h.max / 1e6, wall };
}

describe('event-loop delay of save and load', () => {
  it('a 2048-2048-2048-10 model (8.4M parameters): save, saveWeights torch, toBuffer, loadModel, loadWeights torch', async () => {
    const width = 2048;
    const model = dd.sequential([
      dd.layers.dense({ inputSize: width, units: width, activation: 'relu' }),
      dd.layers.dense({ units: width, activation: 'relu' }),
      dd.layers.dense({ units: 10 }),
    ]);
    const dir = path.join(root, 'model');
    const torch = path.join(root, 'torch.safetensors');
    const figures: Record<string, { max: number; wall: number }> = {};
    figures.save = await maxDelay(() => model.save(dir));
    figures['save (replacing)'] = await maxDelay(() => model.save(dir));
    figures["saveWeights({ layout: 'torch' })"] = await maxDelay(() => model.saveWeights(torch, { layout: 'torch' }));
    figures.toBuffer = await maxDelay(() => model.toBuffer());
    let loaded: dd.Sequential | null = null;
    figures.loadModel = await maxDelay(async () => { loaded = await dd.loadModel(dir); });
    const other = dd.sequential([dd.layers.dense({ inputSize: width, units: width, activation: 'relu' }), dd.layers.dense({ units: width, activation: 'relu' }), dd.layers.dense({ units: 10 })], { seed: 1 });
    figures["loadWeights({ layout: 'torch' })"] = await maxDelay(() => dd.loadWeights(other, torch, { layout: 'torch' }));
    console.log(`event-loop delay (max) / wall time, ${width}-${width}-${width}-10 model:\n${Object.entries(figures).map(([k, v]) => `  ${k}: ${v.max.toFixed(1)} ms / ${v.wall.toFixed(0)} ms`).join('\n')}`);
    const same = (a: dd.Sequential, b: dd.Sequential) => a.getWeights().every((w, i) => Buffer.from(w.buffer).equals(Buffer.from(b.getWeights()[i].buffer)));
    expect(same(loaded!, model)).toBe(true);
    expect(same(other, model)).toBe(true);
    for (const [name, { max }] of Object.entries(figures)) expect(max, name).toBeLessThan(100);
  });
});
