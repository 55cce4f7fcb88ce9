/**
 * Native next to pure JS: the same model (same seed, same batches) trained
 * on the `js` backend for about `budgetSeconds`, then on `cpu` for the same
 * number of epochs. Reports samples/s of each and the difference of their
 * final losses (the backends compute the same thing).
 */
import * as dd from '../../index.js';
import { headRows, sampleShape, type Dataset } from '../../data/index.js';
import { batchSizeOf, learningRate, OPTIMIZERS, type Mode } from './grid.js';
import { buildModel, type ModelKind } from './run.js';

/** The result of compareWithJs. */
export interface BackendComparison {
  mode: Mode;
  activation: string;
  optimizer: string;
  lr: number;
  rows: number;
  epochs: number;
  cpu: BackendTiming;
  js: BackendTiming;
  /** cpu samples/s over js samples/s. */
  speedup: number;
  /** |final training loss on cpu - on js|. */
  lossDifference: number;
}

/** Time and throughput of one backend. */
export interface BackendTiming {
  seconds: number;
  samplesPerSec: number;
  loss: number;
}

/** What to train: the data, the MLP, the cell and the learning-rate overrides. */
export interface VersusJsConfig {
  data: Dataset;
  /** Default 'mlp'. */
  model?: ModelKind;
  hidden: number[];
  batchSize: number;
  lr: Record<string, number>;
  mode: Mode;
  activation: string;
  optimizer: string;
  /** Most epochs to run (the compare budget). */
  maxEpochs: number;
}

/**
 * Train on `js` for whole epochs until about `budgetSeconds` have passed (at
 * least one), then the same epochs on `cpu`. At most `maxRows` training rows are used
 * (default 2048; 1024 for the CNN, whose js epochs are slower).
 * @returns null when the native backend is unavailable
 */
export async function compareWithJs(c: VersusJsConfig, options: { budgetSeconds?: number; maxRows?: number; signal?: AbortSignal } = {}): Promise<BackendComparison | null> {
  if (!dd.backends().find((b) => b.name === 'cpu')?.available) return null;
  const { budgetSeconds = 2, maxRows = c.model === 'cnn' ? 1024 : 2048 } = options;
  const split = headRows(c.data.train, c.data.features, maxRows);
  const x = dd.tensor(split.x, [split.rows, ...sampleShape(c.data)]);
  const lr = learningRate(c.optimizer, c.mode, c.lr, c.data.features);
  const previous = dd.getBackend();
  const train = async (backend: 'js' | 'cpu', epochs: number, stopAfter?: number): Promise<BackendTiming & { epochs: number }> => {
    dd.setBackend(backend);
    const model = buildModel(c.data, c.hidden, c.activation, 1, c.model);
    model.compile({ optimizer: OPTIMIZERS[c.optimizer].make(lr), loss: 'softmaxCrossEntropy' });
    const t0 = performance.now();
    const stopper: dd.Callback = {
      onEpochEnd(_epoch, _logs, control) {
        if (stopAfter !== undefined && performance.now() - t0 >= stopAfter * 1000) control.stopTraining = true;
      },
    };
    const history = await model.fit(x, split.y, {
      epochs, batchSize: batchSizeOf(c.mode, c.batchSize), shuffle: true, seed: 1, callbacks: [stopper], signal: options.signal, verbose: 0,
    });
    const seconds = (performance.now() - t0) / 1000;
    const ran = history.history.loss.length;
    return { seconds, samplesPerSec: (split.rows * ran) / seconds, loss: history.history.loss[ran - 1], epochs: ran };
  };
  try {
    const js = await train('js', c.maxEpochs, budgetSeconds);
    const cpu = await train('cpu', js.epochs);
    return {
      mode: c.mode, activation: c.activation, optimizer: c.optimizer, lr, rows: split.rows, epochs: js.epochs,
      cpu: { seconds: cpu.seconds, samplesPerSec: cpu.samplesPerSec, loss: cpu.loss },
      js: { seconds: js.seconds, samplesPerSec: js.samplesPerSec, loss: js.loss },
      speedup: cpu.samplesPerSec / js.samplesPerSec,
      lossDifference: Math.abs(cpu.loss - js.loss),
    };
  } finally {
    dd.setBackend(previous);
  }
}
