// PyTorch interop for real, with /usr/bin/python3 and torch (skipped with a note
// otherwise): torch's weights load into dendrite (layout 'torch') and predict what
// torch predicts; dendrite's torch-layout weights load into torch's nn.Sequential
// and predict what dendrite predicts. For an MLP, a CNN (conv2d, batch norm with its
// running statistics, max pooling, flatten of an image, dense, layer norm) and an
// embedding model. test/io/torch_interop.py is the torch side.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { parseSafetensors } from '../../src/io/safetensors.js';
import { expectClose, restoreDefaults, rng } from '../helpers.js';

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

type ModelName = 'mlp' | 'cnn' | 'embedding';

/** The dendrite twins of torch_interop.py's nn.Sequential models. */
const MODELS: Record<ModelName, (seed: number) => dd.Sequential> = {
  // Linear(5, 16), Tanh, Linear(16, 8), ReLU, Linear(8, 3)
  mlp: (seed) => dd.sequential([
    dd.layers.dense({ inputSize: 5, units: 16, activation: 'tanh' }),
    dd.layers.dense({ units: 8, activation: 'relu' }),
    dd.layers.dense({ units: 3 }),
  ], { seed }),
  // Conv2d(2, 4, 3, padding=1), ReLU, BatchNorm2d(4), MaxPool2d(2), Conv2d(4, 6, 3), Flatten, Linear(24, 5), LayerNorm(5), Linear(5, 3)
  cnn: (seed) => dd.sequential([
    dd.layers.conv2d({ inputShape: [8, 8, 2], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
    dd.layers.batchNorm(),
    dd.layers.maxPool2d({ poolSize: 2 }),
    dd.layers.conv2d({ filters: 6, kernelSize: 3 }),
    dd.layers.flatten(),
    dd.layers.dense({ units: 5 }),
    dd.layers.layerNorm(),
    dd.layers.dense({ units: 3 }),
  ], { seed }),
  // Embedding(12, 4), Flatten, Linear(20, 3)
  embedding: (seed) => dd.sequential([
    dd.layers.embedding({ inputDim: 12, outputDim: 4, inputShape: [5] }),
    dd.layers.flatten(),
    dd.layers.dense({ units: 3 }),
  ], { seed }),
};

type Data = Record<ModelName, { x: number[][]; y: number[][] }> & { half: (number | string)[]; bf16: (number | string)[] };

const available = (backend: 'js' | 'cpu') => dd.backends().find((b) => b.name === backend)?.available;

describe.skipIf(!hasTorch)('PyTorch interop (torch at /usr/bin/python3)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dendrite-torch-'));
  let data: Data;
  beforeAll(() => {
    execFileSync(PYTHON, [SCRIPT, 'export', dir], { stdio: 'pipe' });
    data = JSON.parse(readFileSync(path.join(dir, 'data.json'), 'utf8'));
  }, 60_000);
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    restoreDefaults();
  });

  it("torch -> dendrite: an nn.Sequential's state dict (0.weight, 2.weight, ...) predicts the same", async () => {
    const file = path.join(dir, 'torch_mlp.safetensors');
    const bytes = readFileSync(file);
    expect((8 + Number(bytes.readBigUInt64LE(0))) % 4).toBe(1); // the script wrote unaligned data
    for (const backend of ['js', 'cpu'] as const) {
      if (!available(backend)) continue;
      dd.setBackend(backend);
      const model = MODELS.mlp(123);
      await dd.loadWeights(model, file, { layout: 'torch' });
      const predictions = model.predict(data.mlp.x);
      expect(predictions.shape).toEqual([7, 3]);
      expectClose(predictions.data, data.mlp.y.flat(), 1e-5, 1e-5, `${backend} predictions`);
    }
  });

  it.each(['cnn', 'embedding'] as const)('torch -> dendrite: the %s (trained in torch) predicts the same', async (name) => {
    const file = path.join(dir, `torch_${name}.safetensors`);
    const names = [...parseSafetensors(readFileSync(file), file).tensors.keys()];
    expect(names).toEqual(name === 'cnn'
      ? ['0.weight', '0.bias', '2.weight', '2.bias', '2.running_mean', '2.running_var', '2.num_batches_tracked', '4.weight', '4.bias', '6.weight', '6.bias', '7.weight', '7.bias', '8.weight', '8.bias']
      : ['0.weight', '2.weight', '2.bias']);
    for (const backend of ['js', 'cpu'] as const) {
      if (!available(backend)) continue;
      dd.setBackend(backend);
      const model = MODELS[name](5);
      await dd.loadWeights(model, file, { layout: 'torch' });
      const predictions = model.predict(data[name].x);
      expect(predictions.shape).toEqual([7, 3]);
      expectClose(predictions.data, data[name].y.flat(), 1e-5, 1e-5, `${name} ${backend} predictions`);
      if (name === 'cnn') {
        // torch trained it: its running statistics are not the initial 0 and 1
        const bn = model.layers[1];
        expect(Array.from(bn.tensor('movingMean')!.data).every((v) => v !== 0)).toBe(true);
        expect(Array.from(bn.tensor('movingVariance')!.data).every((v) => v !== 1)).toBe(true);
      }
    }
  });

  it('torch -> dendrite: F64 weights are converted to float32', async () => {
    const model = MODELS.mlp(7);
    await dd.loadWeights(model, path.join(dir, 'torch_mlp_f64.safetensors'), { layout: 'torch' });
    expectClose(model.predict(data.mlp.x).data, data.mlp.y.flat(), 1e-5, 1e-5, 'F64 predictions');
  });

  it("F16 and BF16 values convert exactly as torch's .float() does", () => {
    const halves = parseSafetensors(readFileSync(path.join(dir, 'halves.safetensors')), 'halves.safetensors');
    const expected = (values: (number | string)[]) => values.map((v) => (v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number)));
    expect(Array.from(halves.tensors.get('half')!.data)).toEqual(expected(data.half));
    expect(Array.from(halves.tensors.get('bf16')!.data)).toEqual(expected(data.bf16));
  });

  /** torch's predictions (and num_batches_tracked values) for dendrite's torch-layout file. */
  function torchPredicts(name: ModelName, file: string): { y: number[][]; num_batches_tracked: Record<string, number> } {
    return JSON.parse(execFileSync(PYTHON, [SCRIPT, 'import', name, file, path.join(dir, 'data.json')], { encoding: 'utf8' }));
  }

  it("dendrite -> torch: saveWeights(file, { layout: 'torch' }) loads into nn.Sequential and predicts the same", async () => {
    const model = MODELS.mlp(42);
    // give the biases non-zero values so they are checked too
    for (const layer of model.layers as dd.Dense[]) layer.bias!.data.forEach((_, i, b) => { b[i] = Math.sin(i + layer.units); });
    const file = path.join(dir, 'dendrite_mlp.safetensors');
    await model.saveWeights(file, { layout: 'torch' });
    const torch = torchPredicts('mlp', file);
    expectClose(model.predict(data.mlp.x).data, torch.y.flat(), 1e-5, 1e-5, 'torch predictions of dendrite weights');
  });

  it.each(['cnn', 'embedding'] as const)('dendrite -> torch: the %s, trained in dendrite, predicts the same in torch (eval mode, NCHW)', async (name) => {
    const model = MODELS[name](11);
    const r = rng(3);
    const rows = 24;
    const x = name === 'cnn'
      ? dd.tensor(Float32Array.from({ length: rows * 8 * 8 * 2 }, () => r() * 2 - 1), [rows, 8, 8, 2])
      : dd.tensor(Float32Array.from({ length: rows * 5 }, () => Math.floor(r() * 12)), [rows, 5]);
    const y = Int32Array.from({ length: rows }, () => Math.floor(r() * 3));
    model.compile({ optimizer: new dd.optimizers.Adam({ lr: 0.02 }), loss: 'softmaxCrossEntropy' });
    await model.fit(x, y, { epochs: 2, batchSize: 8 });
    expect(model.optimizer!.iterations).toBe(6);
    const file = path.join(dir, `dendrite_${name}.safetensors`);
    await model.saveWeights(file, { layout: 'torch' });
    const torch = torchPredicts(name, file);
    expectClose(model.predict(data[name].x).data, torch.y.flat(), 1e-5, 1e-5, `torch predictions of dendrite's ${name}`);
    // batch norm's num_batches_tracked: the model's training steps
    expect(torch.num_batches_tracked).toEqual(name === 'cnn' ? { '2.num_batches_tracked': 6 } : {});
  });
});
