// model.save / dd.loadModel / model.saveWeights / dd.loadWeights: round trips,
// exact resumption of training, the two weight layouts, and clear errors for
// every kind of bad or mismatched file.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { parseSafetensors, serializeSafetensors } from '../../src/io/safetensors.js';
import { setBusy } from '../../src/model/sequential.js';
import { restoreDefaults, rng, variants } from '../helpers.js';

const root = mkdtempSync(path.join(tmpdir(), 'dendrite-io-'));
let dirs = 0;
const tempDir = () => path.join(root, `case-${dirs++}`);
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  restoreDefaults();
});

/** 40 rows of 4 features, 3 classes. */
function data(): { x: dd.Tensor; y: Int32Array } {
  const r = rng(11);
  const x = new Float32Array(40 * 4).map(() => r() * 4 - 2);
  const y = Int32Array.from({ length: 40 }, (_, i) => (x[4 * i] + x[4 * i + 1] > 0 ? 1 : 0) + (x[4 * i + 2] > 1 ? 1 : 0));
  return { x: dd.tensor(x, [40, 4]), y };
}

function mlp(seed = 5): dd.Sequential {
  return dd.sequential([
    dd.layers.dense({ inputSize: 4, units: 8, activation: 'tanh' }),
    dd.layers.dense({ units: 6, activation: { name: 'leakyRelu', alpha: 0.2 }, useBias: false }),
    dd.layers.dense({ units: 3 }),
  ], { seed });
}

async function rejectsWith(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  const err = await promise.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(dd.DendriteError);
  expect((err as Error).message).toMatch(/^Expected .* for .* but received /);
  expect((err as Error).message).toMatch(pattern);
}

const OPTIMIZERS: [string, () => dd.Optimizer][] = [
  ['Adam (amsgrad)', () => new dd.optimizers.Adam({ lr: 0.01, amsgrad: true })],
  ['NAdam (scalar state)', () => new dd.optimizers.NAdam({ lr: 0.01 })],
  ['RMSprop (centered, momentum)', () => new dd.optimizers.RMSprop({ lr: 0.005, centered: true, momentum: 0.9 })],
  ['SGD (Nesterov)', () => new dd.optimizers.SGD({ lr: 0.05, momentum: 0.9, nesterov: true })],
  ['SGD (plain: no state buffers)', () => new dd.optimizers.SGD({ lr: 0.05 })],
  ['Adagrad', () => new dd.optimizers.Adagrad({ lr: 0.05, initialAccumulatorValue: 0.1 })],
];

describe.each(variants())('save and load on $label', (variant) => {
  it('round-trips the architecture, weights, compile options and optimizer state', async () => {
    variant.use();
    const { x, y } = data();
    const model = mlp();
    model.compile({ optimizer: new dd.optimizers.NAdam({ lr: 0.01 }), loss: dd.loss('softmaxCrossEntropy', { labelSmoothing: 0.1 }), metrics: ['accuracy'] });
    await model.fit(x, y, { epochs: 2, batchSize: 16 });
    model.optimizer!.lr = 0.004; // e.g. set by a schedule
    const dir = tempDir();
    await model.save(dir);
    expect(readdirSync(dir).sort()).toEqual(['model.json', 'optimizer.safetensors', 'weights.safetensors']);

    const loaded = await dd.loadModel(dir);
    expect(loaded.getConfig()).toEqual(model.getConfig());
    expect(loaded.getWeights()).toEqual(model.getWeights());
    expect(loaded.getCompileConfig()).toEqual(model.getCompileConfig());
    expect(loaded.getCompileConfig()).toMatchObject({ loss: 'softmaxCrossEntropy', lossOptions: { labelSmoothing: 0.1 }, metrics: ['accuracy'], optimizer: { className: 'NAdam', lr: 0.004 } });
    expect(loaded.optimizer!.stateDict()).toEqual(model.optimizer!.stateDict());
    expect(loaded.predict(x).data).toEqual(model.predict(x).data);
    expect(loaded.evaluate(x, y)).toEqual(model.evaluate(x, y));
  });

  it.each(OPTIMIZERS)('a resumed fit continues the same trajectory: %s', async (_name, makeOptimizer) => {
    variant.use();
    const { x, y } = data();
    const fitOptions = { epochs: 2, batchSize: 8, shuffle: false };
    const straight = mlp();
    straight.compile({ optimizer: makeOptimizer(), loss: 'softmaxCrossEntropy' });
    await straight.fit(x, y, { ...fitOptions, epochs: 4 });

    const first = mlp();
    first.compile({ optimizer: makeOptimizer(), loss: 'softmaxCrossEntropy' });
    await first.fit(x, y, fitOptions);
    const dir = tempDir();
    await first.save(dir);
    const resumed = await dd.loadModel(dir);
    const history = await resumed.fit(x, y, fitOptions);
    expect(resumed.getWeights()).toEqual(straight.getWeights());
    expect(resumed.optimizer!.iterations).toBe(straight.optimizer!.iterations);
    expect(resumed.optimizer!.stateDict()).toEqual(straight.optimizer!.stateDict());
    expect(history.history.loss.length).toBe(2);
  });

  it('with shuffling, save + load + fit equals continuing the same model', async () => {
    variant.use();
    const { x, y } = data();
    const a = mlp();
    a.compile({ optimizer: new dd.optimizers.AdamW({ lr: 0.01 }), loss: 'softmaxCrossEntropy' });
    await a.fit(x, y, { epochs: 2, batchSize: 8, seed: 3 });
    const dir = tempDir();
    await a.save(dir);
    const b = await dd.loadModel(dir);
    await a.fit(x, y, { epochs: 2, batchSize: 8, seed: 3 });
    await b.fit(x, y, { epochs: 2, batchSize: 8, seed: 3 });
    expect(b.getWeights()).toEqual(a.getWeights());
  });
});

describe('save options and files', () => {
  it('writes model.json with the architecture, compile options and versions', async () => {
    const model = mlp(9);
    model.compile({ optimizer: new dd.optimizers.Adam({ lr: 0.02 }), loss: 'mse' });
    const dir = tempDir();
    await model.save(dir);
    const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
    expect(json).toMatchObject({
      format: 'dendrite.sequential',
      formatVersion: 1,
      dendriteVersion: dd.version,
      model: { className: 'Sequential', seed: 9, layers: model.getConfig().layers as object[] },
      compile: { optimizer: { className: 'Adam', lr: 0.02, beta1: 0.9, amsgrad: false }, loss: 'mse', lossOptions: {}, metrics: [] },
      includesOptimizer: false, // no steps taken yet
    });
    expect(json.model.layers[1]).toMatchObject({ className: 'dense', units: 6, inputShape: [8], activation: { name: 'leakyRelu', alpha: 0.2 }, useBias: false });
    const weights = parseSafetensors(readFileSync(path.join(dir, 'weights.safetensors')), 'w');
    expect([...weights.tensors.keys()]).toEqual(['layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.2.weight', 'layers.2.bias']);
    expect(weights.tensors.get('layers.0.weight')!.shape).toEqual([4, 8]);
    expect(weights.metadata).toEqual({ layout: 'dendrite', saveId: json.saveId });
    expect(readdirSync(dir).sort()).toEqual(['model.json', 'weights.safetensors']);
  });

  it('writes optimizer.safetensors with the step count, scalars and buffers named <slot>.<paramIndex>', async () => {
    const { x, y } = data();
    const model = mlp();
    model.compile({ optimizer: new dd.optimizers.NAdam(), loss: 'softmaxCrossEntropy' });
    await model.fit(x, y, { epochs: 1, batchSize: 20 });
    const dir = tempDir();
    await model.save(dir);
    const state = parseSafetensors(readFileSync(path.join(dir, 'optimizer.safetensors')), 'o');
    expect(state.metadata).toMatchObject({ className: 'NAdam', step: '2' });
    expect(Number(state.metadata['scalar.muProduct'])).toBe(model.optimizer!.stateDict().scalars.muProduct);
    expect([...state.tensors.keys()].sort()).toEqual(['expAvg.0', 'expAvg.1', 'expAvg.2', 'expAvg.3', 'expAvg.4', 'expAvgSq.0', 'expAvgSq.1', 'expAvgSq.2', 'expAvgSq.3', 'expAvgSq.4']);
    expect(state.tensors.get('expAvg.0')!.shape).toEqual([4, 8]);
  });

  it('includeOptimizer: false leaves the state out (and removes an older one); true needs a compiled model', async () => {
    const { x, y } = data();
    const model = mlp();
    model.compile({ optimizer: new dd.optimizers.Adam(), loss: 'softmaxCrossEntropy' });
    await model.fit(x, y, { batchSize: 40 });
    const dir = tempDir();
    await model.save(dir);
    expect(readdirSync(dir)).toContain('optimizer.safetensors');
    await model.save(dir, { includeOptimizer: false });
    expect(readdirSync(dir).sort()).toEqual(['model.json', 'weights.safetensors']);
    const loaded = await dd.loadModel(dir);
    expect(loaded.optimizer!.iterations).toBe(0);
    expect(loaded.optimizer!.getConfig()).toEqual(model.optimizer!.getConfig());

    const fresh = mlp();
    await rejectsWith(fresh.save(tempDir(), { includeOptimizer: true }), /a compiled model for includeOptimizer: true/);
    await rejectsWith(fresh.save(tempDir(), { includeOptimizer: 1 as never }), /a boolean for includeOptimizer/);
    await rejectsWith(fresh.save(tempDir(), { compress: true } as never), /option names 'includeOptimizer' for options.compress/);
    await rejectsWith(fresh.save('' as never), /a directory path for dir/);
  });

  it('an uncompiled model loads uncompiled; predict works and fit asks for compile', async () => {
    const model = mlp();
    const dir = tempDir();
    await model.save(dir);
    const loaded = await dd.loadModel(dir);
    expect(loaded.optimizer).toBeNull();
    expect(loaded.getCompileConfig()).toBeNull();
    expect(loaded.getWeights()).toEqual(model.getWeights());
  });

  it('save() refuses while a native fit span owns the weights', async () => {
    const model = mlp();
    setBusy(model, true);
    await rejectsWith(model.save(tempDir()), /an idle model for save/);
    await rejectsWith(model.saveWeights(path.join(tempDir(), 'w.safetensors')), /an idle model for saveWeights/);
    setBusy(model, false);
  });

  it('save() from a callback during fit snapshots the weights of that epoch', async () => {
    const { x, y } = data();
    const model = mlp();
    model.compile({ optimizer: new dd.optimizers.Adam({ lr: 0.01 }), loss: 'softmaxCrossEntropy' });
    const dir = tempDir();
    let snapshot: Float32Array[] = [];
    await model.fit(x, y, {
      epochs: 3,
      callbacks: [{ onEpochEnd: async (epoch) => {
        if (epoch === 1) {
          snapshot = model.getWeights();
          await model.save(dir);
        }
      } }],
    });
    expect((await dd.loadModel(dir)).getWeights()).toEqual(snapshot);
  });
});

describe('saveWeights / loadWeights', () => {
  it('round-trips in the dendrite layout (the default)', async () => {
    const a = mlp(1);
    const b = mlp(2);
    const file = path.join(root, 'round-trip.safetensors');
    await a.saveWeights(file);
    await dd.loadWeights(b, file);
    expect(b.getWeights()).toEqual(a.getWeights());
  });

  it("writes the torch layout: layers.<k>.weight [out, in] (transposed) and bias, and reads it back", async () => {
    const a = mlp(1);
    const dir = tempDir();
    const file = path.join(dir, 'w.safetensors');
    mkdirSync(dir);
    await a.saveWeights(file, { layout: 'torch' });
    const parsed = parseSafetensors(readFileSync(file), file);
    expect(parsed.metadata).toEqual({ format: 'pt', layout: 'torch' });
    expect([...parsed.tensors.keys()]).toEqual(['layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.2.weight', 'layers.2.bias']);
    const w0 = parsed.tensors.get('layers.0.weight')!;
    expect(w0.shape).toEqual([8, 4]);
    const original = (a.layers[0] as dd.Dense).weight.data; // [4, 8]
    expect(w0.data[1 * 4 + 3]).toBe(original[3 * 8 + 1]);
    const b = mlp(2);
    await dd.loadWeights(b, file, { layout: 'torch' });
    expect(b.getWeights()).toEqual(a.getWeights());
    await rejectsWith(dd.loadWeights(b, file), /a weights file in the 'dendrite' layout for .*w\.safetensors but received one whose __metadata__ says layout 'torch' \(pass \{ layout: 'torch' \}\)/);
  });

  it('reads torch state-dict names (module indices, activations included) and other <prefix><n> names', async () => {
    const model = mlp();
    const dir = tempDir();
    mkdirSync(dir);
    const torch = (names: string[]) => {
      // Linear k of the model: weight [out, in] with distinct values
      const tensors = new Map<string, { data: Float32Array; shape: number[] }>();
      (model.layers as dd.Dense[]).forEach((layer, k) => {
        const [out, inp] = [layer.units, layer.inputSize];
        tensors.set(`${names[k]}.weight`, { data: Float32Array.from({ length: out * inp }, (_, i) => k * 100 + i), shape: [out, inp] });
        if (layer.useBias) tensors.set(`${names[k]}.bias`, { data: Float32Array.from({ length: out }, (_, i) => -i - k), shape: [out] });
      });
      return tensors;
    };
    for (const names of [['0', '2', '4'], ['layers.0', 'layers.1', 'layers.2'], ['net.1', 'net.3', 'net.10']]) {
      const file = path.join(dir, `${names[0]}.safetensors`);
      writeFileSync(file, serializeSafetensors(torch(names)));
      await dd.loadWeights(model, file, { layout: 'torch' });
      const w2 = (model.layers[2] as dd.Dense).weight; // [6, 3] = torch [3, 6] transposed
      expect(w2.shape).toEqual([6, 3]);
      expect(w2.data[5 * 3 + 2]).toBe(200 + 2 * 6 + 5);
      expect(Array.from((model.layers[2] as dd.Dense).bias!.data)).toEqual([-2, -3, -4]);
    }
  });

  it('reads F64 weights (converted to float32)', async () => {
    const source = mlp(8);
    const names = ['layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.2.weight', 'layers.2.bias'];
    const header: Record<string, unknown> = {};
    const blobs = source.getWeights().map((w) => new Uint8Array(Float64Array.from(w).buffer));
    let offset = 0;
    blobs.forEach((blob, i) => {
      header[names[i]] = { dtype: 'F64', shape: source.parameters()[i].shape, data_offsets: [offset, (offset += blob.length)] };
    });
    const json = Buffer.from(JSON.stringify(header));
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(json.length));
    const file = path.join(root, 'f64.safetensors');
    writeFileSync(file, Buffer.concat([length, json, ...blobs]));
    const model = mlp();
    await dd.loadWeights(model, file);
    expect(model.getWeights()).toEqual(source.getWeights());
  });
});

describe('loading rejects bad or mismatched files with a DendriteError naming the file', () => {
  async function saved(): Promise<{ dir: string; model: dd.Sequential }> {
    const { x, y } = data();
    const model = mlp();
    model.compile({ optimizer: new dd.optimizers.Adam(), loss: 'softmaxCrossEntropy' });
    await model.fit(x, y, { batchSize: 40 });
    const dir = tempDir();
    await model.save(dir);
    return { dir, model };
  }
  const edit = (file: string, change: (json: Record<string, any>) => void) => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const json = JSON.parse(readFileSync(file, 'utf8'));
    change(json);
    writeFileSync(file, JSON.stringify(json));
  };

  it('a directory without model.json', async () => {
    const dir = tempDir();
    await rejectsWith(dd.loadModel(dir), /a directory written by model\.save\(\) \(with model\.json\) for .*case-\d+ but received a path without .*model\.json/);
    await rejectsWith(dd.loadModel(42 as never), /a directory path for dir/);
  });

  it('a truncated or corrupt weights file', async () => {
    const { dir } = await saved();
    const file = path.join(dir, 'weights.safetensors');
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.length - 10));
    await rejectsWith(dd.loadModel(dir), /weights\.safetensors but received \[\d+, \d+\] \(the file is truncated/);
    writeFileSync(file, bytes.subarray(0, 5));
    await rejectsWith(dd.loadModel(dir), /for .*weights\.safetensors but received a file of 5 bytes \(truncated\)/);
    writeFileSync(file, bytes.subarray(0, 100));
    await rejectsWith(dd.loadModel(dir), /header length of at most 92 bytes .*weights\.safetensors/);
  });

  it('a truncated optimizer state file', async () => {
    const { dir } = await saved();
    const file = path.join(dir, 'optimizer.safetensors');
    writeFileSync(file, readFileSync(file).subarray(0, 200));
    await rejectsWith(dd.loadModel(dir), /optimizer\.safetensors/);
  });

  it('model.json: bad JSON, another format, a newer version, bad fields, bad layer or optimizer configs', async () => {
    const { dir } = await saved();
    const file = path.join(dir, 'model.json');
    const good = readFileSync(file, 'utf8');
    const cases: [(json: Record<string, any>) => void, RegExp][] = [ // eslint-disable-line @typescript-eslint/no-explicit-any
      [(j) => { j.format = 'keras'; }, /a model\.json written by model\.save\(\) \(format 'dendrite\.sequential'\) for .*model\.json but received format "keras"/],
      [(j) => { j.formatVersion = 2; }, /a format version from 1 to 1 \(newer files need a newer dendrite\) for formatVersion in .*model\.json but received 2/],
      [(j) => { j.model.layers = 'dense'; }, /for model in .*model\.json/],
      [(j) => { j.compile = { optimizer: 'adam' }; }, /null or an object \{ optimizer, loss, lossOptions, metrics \} for compile in/],
      [(j) => { j.includesOptimizer = 'yes'; }, /a boolean for includesOptimizer in/],
      [(j) => { j.model.layers[1].units = 0; }, /a layer config \(className and options\) for model\.layers\[1\] in .*model\.json but received one that fails with: Expected an integer >= 1 for units but received 0/],
      [(j) => { j.model.layers[0].className = 'conv2d'; }, /for model\.layers\[0\] in .*fails with: Expected one of the option names 'filters'.* for options\.units but received "units"/],
      [(j) => { j.model.layers[2].inputShape = [7]; }, /a Sequential config for model in .*fails with: Expected \[7\] \(as configured\) for inputShape but received \[6\] from the previous layer/],
      [(j) => { j.compile.optimizer.className = 'Lion'; }, /for compile\.optimizer in .*model\.json but received one that fails with: Expected one of SGD/],
      [(j) => { j.compile.optimizer.beta1 = 2; }, /for compile\.optimizer in .*fails with: Expected a finite number >= 0 and < 1 for beta1 but received 2/],
      [(j) => { j.compile.loss = 'hinge'; }, /for compile\.loss in .*fails with/],
      [(j) => { j.compile.metrics = ['f1']; }, /for compile\.metrics in .*fails with/],
      [(j) => { j.compile = null; }, /false for a model saved without compile options for includesOptimizer in/],
    ];
    for (const [change, pattern] of cases) {
      writeFileSync(file, good);
      edit(file, change);
      await rejectsWith(dd.loadModel(dir), pattern);
    }
    writeFileSync(file, '{"format": ');
    await rejectsWith(dd.loadModel(dir), /a JSON model description for .*model\.json but received invalid JSON/);
  });

  it('weights that do not fit the architecture: missing, unexpected, wrong shape', async () => {
    const model = mlp();
    const file = path.join(root, 'mismatch.safetensors');
    const write = (tensors: [string, number[]][]) => writeFileSync(file, serializeSafetensors(new Map(tensors.map(([name, shape]) => [name, { data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape }]))));
    const full: [string, number[]][] = [['layers.0.weight', [4, 8]], ['layers.0.bias', [8]], ['layers.1.weight', [8, 6]], ['layers.2.weight', [6, 3]], ['layers.2.bias', [3]]];
    write(full.filter(([n]) => n !== 'layers.2.bias'));
    await rejectsWith(dd.loadWeights(model, file), /a tensor 'layers\.2\.bias' \(layer 2\) for .*mismatch\.safetensors but received a file without it/);
    write([...full, ['layers.1.bias', [6]]]);
    await rejectsWith(dd.loadWeights(model, file), /only the tensors of the model's 3 layers for .*mismatch\.safetensors but received unexpected tensors 'layers\.1\.bias'/);
    write(full.map(([n, s]) => [n, n === 'layers.0.weight' ? [8, 4] : s]));
    await rejectsWith(dd.loadWeights(model, file), /shape \[4, 8\] \(layer 0\) for tensor 'layers\.0\.weight' in .*mismatch\.safetensors but received \[8, 4\]/);
    write(full.map(([n, s]) => [n, n === 'layers.2.bias' ? [1, 3] : s]));
    await rejectsWith(dd.loadWeights(model, file), /shape \[3\] \(layer 2\) for tensor 'layers\.2\.bias'/);
    // torch layout: count of Linear layers, shapes [out, in], names
    write([['0.weight', [8, 4]], ['0.bias', [8]], ['2.weight', [6, 8]]]);
    await rejectsWith(dd.loadWeights(model, file, { layout: 'torch' }), /3 Linear layers \(one per Dense layer\) for .* but received 2: '0', '2'/);
    write([['0.weight', [8, 4]], ['0.bias', [8]], ['2.weight', [6, 8]], ['4.weight', [6, 3]], ['4.bias', [3]]]);
    await rejectsWith(dd.loadWeights(model, file, { layout: 'torch' }), /shape \[3, 6\] \(layer 2\) for tensor '4\.weight'/);
    write([['0.weight', [8, 4]], ['0.bias', [8]], ['2.weight', [6, 8]], ['4.weight', [3, 6]], ['4.bias', [3]], ['5.running_mean', [3]]]);
    await rejectsWith(dd.loadWeights(model, file, { layout: 'torch' }), /torch Linear tensor names .* but received '5\.running_mean'/);
    write([['0.weight', [8, 4]], ['0.bias', [8]], ['layers.2.weight', [6, 8]], ['4.weight', [3, 6]], ['4.bias', [3]]]);
    await rejectsWith(dd.loadWeights(model, file, { layout: 'torch' }), /like the others .* but received 'layers\.2\.weight'/);
    await rejectsWith(dd.loadWeights(model, file, { layout: 'onnx' as never }), /one of 'dendrite', 'torch' for layout but received "onnx"/);
    await rejectsWith(dd.loadWeights({} as never, file), /a model from dd\.sequential for model/);
  });

  it('optimizer state that does not fit the model or the optimizer', async () => {
    const { dir } = await saved();
    const file = path.join(dir, 'optimizer.safetensors');
    const original = parseSafetensors(readFileSync(file), file);
    const rewrite = (change: (tensors: Map<string, { data: Float32Array; shape: readonly number[] }>, metadata: Record<string, string>) => void) => {
      const tensors = new Map([...original.tensors].map(([k, v]) => [k, { data: v.data, shape: v.shape }]));
      const metadata = { ...original.metadata };
      change(tensors, metadata);
      writeFileSync(file, serializeSafetensors(tensors, metadata));
    };
    rewrite((t) => t.delete('expAvgSq.3'));
    await rejectsWith(dd.loadModel(dir), /a tensor 'expAvgSq\.3' \(optimizer state of parameter 3\) for .*optimizer\.safetensors but received a file without it/);
    rewrite((t) => t.set('expAvg.9', { data: new Float32Array(1), shape: [1] }));
    await rejectsWith(dd.loadModel(dir), /paramIndex < 5 .* for tensor 'expAvg\.9' in .*optimizer\.safetensors/);
    rewrite((t) => t.set('expAvg.2', { data: new Float32Array(3), shape: [3] }));
    await rejectsWith(dd.loadModel(dir), /48 values like parameter 2 \(shape \[8, 6\]\) for tensor 'expAvg\.2' in .* but received shape \[3\]/);
    rewrite((t) => {
      for (let i = 0; i < 5; i++) t.set(`momentumBuffer.${i}`, t.get(`expAvg.${i}`)!);
    });
    await rejectsWith(dd.loadModel(dir), /the state of the compiled Adam for the optimizer state in .*optimizer\.safetensors but received one that fails with: Expected the buffers expAvg, expAvgSq/);
    rewrite((_, m) => { m.className = 'SGD'; });
    await rejectsWith(dd.loadModel(dir), /fails with: Expected 'Adam' for state\.className but received "SGD"/);
    rewrite((_, m) => { m.step = '1.5'; });
    await rejectsWith(dd.loadModel(dir), /a step count \(an integer >= 0\) for __metadata__\.step in .* but received "1\.5"/);
    rewrite((_, m) => { m['scalar.muProduct'] = 'abc'; });
    await rejectsWith(dd.loadModel(dir), /a finite number for __metadata__\.scalar\.muProduct in .* but received "abc"/);
  });

  it('files of different saves (an interrupted commit) are detected by their saveId', async () => {
    const { dir, model } = await saved();
    const other = tempDir();
    await model.save(other);
    writeFileSync(path.join(dir, 'weights.safetensors'), readFileSync(path.join(other, 'weights.safetensors')));
    await rejectsWith(dd.loadModel(dir), /a file of the same save as model\.json \(saveId [\w-]+\) for .*weights\.safetensors but received saveId [\w-]+ \(files of different saves are mixed\)/);
  });
});
