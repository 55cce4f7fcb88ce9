// PyTorch interop for real, with /usr/bin/python3 and torch (skipped with a note
// otherwise): torch's weights load into dendrite (layout 'torch') and predict what
// torch predicts; dendrite's torch-layout weights load into torch's nn.Sequential
// and predict what dendrite predicts. test/io/torch_interop.py is the torch side.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { parseSafetensors } from '../../src/io/safetensors.js';
import { expectClose, restoreDefaults } from '../helpers.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(__dirname, 'torch_interop.py');

function torchAvailable(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import torch, numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const hasTorch = torchAvailable();
if (!hasTorch) console.warn(`[test/io/torch-interop] SKIPPED: ${PYTHON} cannot import torch and numpy`);

/** The torch model's architecture: nn.Sequential(Linear(5, 16), Tanh(), Linear(16, 8), ReLU(), Linear(8, 3)). */
function mlp(seed = 0): dd.Sequential {
  return dd.sequential([
    dd.layers.dense({ inputSize: 5, units: 16, activation: 'tanh' }),
    dd.layers.dense({ units: 8, activation: 'relu' }),
    dd.layers.dense({ units: 3 }),
  ], { seed });
}

describe.skipIf(!hasTorch)('PyTorch interop (torch at /usr/bin/python3)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dendrite-torch-'));
  let data: { x: number[][]; y: number[][]; half: (number | string)[]; bf16: (number | string)[] };
  beforeAll(() => {
    execFileSync(PYTHON, [SCRIPT, 'export', dir], { stdio: 'pipe' });
    data = JSON.parse(readFileSync(path.join(dir, 'data.json'), 'utf8'));
  }, 60_000);
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    restoreDefaults();
  });

  it("torch -> dendrite: an nn.Sequential's state dict (0.weight, 2.weight, ...) predicts the same", async () => {
    const file = path.join(dir, 'torch_f32.safetensors');
    const bytes = readFileSync(file);
    expect((8 + Number(bytes.readBigUInt64LE(0))) % 4).toBe(1); // the script wrote unaligned data
    for (const backend of ['js', 'cpu'] as const) {
      if (!dd.backends().find((b) => b.name === backend)?.available) continue;
      dd.setBackend(backend);
      const model = mlp(123);
      await dd.loadWeights(model, file, { layout: 'torch' });
      const predictions = model.predict(data.x);
      expect(predictions.shape).toEqual([7, 3]);
      expectClose(predictions.data, data.y.flat(), 1e-5, 1e-5, `${backend} predictions`);
    }
  });

  it('torch -> dendrite: F64 weights are converted to float32', async () => {
    const model = mlp(7);
    await dd.loadWeights(model, path.join(dir, 'torch_f64.safetensors'), { layout: 'torch' });
    expectClose(model.predict(data.x).data, data.y.flat(), 1e-5, 1e-5, 'F64 predictions');
  });

  it("F16 and BF16 values convert exactly as torch's .float() does", () => {
    const halves = parseSafetensors(readFileSync(path.join(dir, 'halves.safetensors')), 'halves.safetensors');
    const expected = (values: (number | string)[]) => values.map((v) => (v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number)));
    expect(Array.from(halves.tensors.get('half')!.data)).toEqual(expected(data.half));
    expect(Array.from(halves.tensors.get('bf16')!.data)).toEqual(expected(data.bf16));
  });

  it("dendrite -> torch: saveWeights(file, { layout: 'torch' }) loads into nn.Sequential and predicts the same", async () => {
    const model = mlp(42);
    // give the biases non-zero values so they are checked too
    for (const layer of model.layers as dd.Dense[]) layer.bias!.data.forEach((_, i, b) => { b[i] = Math.sin(i + layer.units); });
    const file = path.join(dir, 'dendrite_torch.safetensors');
    await model.saveWeights(file, { layout: 'torch' });
    const out = execFileSync(PYTHON, [SCRIPT, 'import', file, path.join(dir, 'data.json')], { encoding: 'utf8' });
    const torchPredictions = (JSON.parse(out) as number[][]).flat();
    expectClose(model.predict(data.x).data, torchPredictions, 1e-5, 1e-5, 'torch predictions of dendrite weights');
  });
});
