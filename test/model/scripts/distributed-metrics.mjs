// Run by test/model/distributed-metrics.test.ts as `node distributed-metrics.mjs <json>` (one
// rank) or under `mpirun -np 2`: a binary fit with precision / recall / auc and a validation
// split; each rank writes <out>/rank<r>.json with its History and evaluate over the training
// and validation rows at the final weights.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import dd from '../../../dist/index.js';

const { out, backend = 'cpu' } = JSON.parse(process.argv[2] ?? '{}');
dd.setBackend(backend);
const dist = dd.distributed.init();
const rows = 301, width = 4;  // odd: uneven validation shares
const x = Float32Array.from({ length: rows * width }, (_, i) => Math.sin(0.7 * i) + Math.cos(0.13 * i * i));
const y = Float32Array.from({ length: rows }, (_, r) => (x[r * width] + x[r * width + 1] > 0.2 ? 1 : 0));
const model = dd.sequential([dd.layers.dense({ inputSize: width, units: 8, activation: 'tanh' }), dd.layers.dense({ units: 1 })], { seed: 3 });
model.compile({ optimizer: new dd.optimizers.Adam({ lr: 0.02 }), loss: 'binaryCrossEntropyWithLogits', metrics: ['accuracy', 'precision', 'recall', 'auc'] });
const history = await model.fit(dd.tensor(x, [rows, width]), y, { epochs: 3, batchSize: 16, validationSplit: 0.2, distributed: dist });
const trained = rows - Math.floor(rows * 0.2);
const train = model.evaluate(dd.tensor(x.subarray(0, trained * width), [trained, width]), y.subarray(0, trained));
const val = model.evaluate(dd.tensor(x.subarray(trained * width), [rows - trained, width]), y.subarray(trained));
mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, `rank${dist.rank}.json`), JSON.stringify({ rank: dist.rank, size: dist.size, history: history.history, train, val }));
