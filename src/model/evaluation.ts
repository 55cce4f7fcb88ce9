/**
 * A forward pass in eval mode over rows of a data set: the mean loss and the compiled
 * metrics (evaluate, fit's validation, and fit's training-set metrics other than accuracy).
 */
import { collective, type Distributed } from '../distributed/communicator.js';
import { validationKey } from '../metrics/index.js';
import type { Targets } from './data.js';
import type { Objective } from './objective.js';
import { computeBackend, forEachBatch, forwardAsync, forwardRows, identity, type Sequential } from './sequential.js';

/** Sums over the rows of a forward pass: the loss (weighted by rows) and accuracy's correct predictions. */
export interface EvaluationSums {
  loss: number;
  correct: number;
}

/**
 * The sums over `rows` rows of data (copying the outputs into `outputs` when given, for the
 * metrics that need every row's output at once).
 */
export function evaluateRows(model: Sequential, objective: Objective, data: Float32Array, rows: number, targets: Targets, batchSize: number,
  outputs: Float32Array | null = null): EvaluationSums {
  const { sums, visit } = summing(model, objective, rows, targets, outputs);
  forEachBatch(model, data, rows, batchSize, visit);
  return sums;
}

/**
 * The visitor of a pass's batch outputs (rows start..start+count of `rows`) that adds their loss and correct
 * predictions to `sums` (and copies the outputs into `outputs` when given).
 */
function summing(model: Sequential, objective: Objective, rows: number, targets: Targets, outputs: Float32Array | null):
  { sums: EvaluationSums; visit: (output: Float32Array, start: number, count: number) => void } {
  const units = model.outputSize;
  const backend = computeBackend(model);
  const sums = { loss: 0, correct: 0 };
  const buffers = new Map<number, Int32Array | Float32Array>();
  const order = identity(rows);
  const visit = (output: Float32Array, start: number, count: number): void => {
    let buf = buffers.get(count);
    if (!buf) buffers.set(count, (buf = objective.buffer(count, units)));
    objective.gather(buf, targets, units, order, start, count);
    const batch = output.subarray(0, count * units);
    sums.loss += objective.batchLoss(backend, batch, buf, count, units, null) * count;
    if (objective.accuracy) sums.correct += objective.correct(batch, buf, count, units);
    outputs?.set(batch, start * units);
  };
  return { sums, visit };
}

// fit's passes over a data set (validation, the training-set metrics) run off the event loop in
// chunks of whole batches of at most about this many output values: the loss and metrics of a
// chunk are then computed here, in well under a millisecond per chunk.
const CHUNK_OUTPUTS = 1 << 16;
// The js backend computes on the event loop: it yields at least this often (ms).
const YIELD_EVERY_MS = 8;

/**
 * evaluateRows without blocking the event loop (fit's validation and training-set metrics): on
 * native backends the forward pass runs on the predictAsync path (a native worker thread) in
 * chunks of whole batches; on `js` batch by batch with yields. Same batches, same sums.
 */
export async function evaluateRowsAsync(model: Sequential, objective: Objective, data: Float32Array, rows: number, targets: Targets,
  batchSize: number, outputs: Float32Array | null = null): Promise<EvaluationSums> {
  const units = model.outputSize;
  const width = model.inputSize;
  const { sums, visit } = summing(model, objective, rows, targets, outputs);
  const chunkRows = Math.min(rows, batchSize * Math.max(1, Math.floor(CHUNK_OUTPUTS / (batchSize * units))));
  const chunk = new Float32Array(chunkRows * units);
  for (let start = 0; start < rows; start += chunkRows) {
    const count = Math.min(chunkRows, rows - start);
    const out = chunk.subarray(0, count * units);
    const pass = forwardAsync(model, data.subarray(start * width, (start + count) * width), count, batchSize, out);
    if (!pass) return evaluateRowsJs(model, data, rows, batchSize, visit, sums);
    await pass;
    for (let b = 0; b < count; b += batchSize) {
      const n = Math.min(batchSize, count - b);
      visit(out.subarray(b * units, (b + n) * units), start + b, n);
    }
  }
  return sums;
}

/** The js backend's forward passes, batch by batch, yielding to the event loop between batches. */
async function evaluateRowsJs(model: Sequential, data: Float32Array, rows: number, batchSize: number,
  visit: (output: Float32Array, start: number, count: number) => void, sums: EvaluationSums): Promise<EvaluationSums> {
  let lastYield = performance.now();
  for (let start = 0; start < rows; start += batchSize) {
    const count = Math.min(batchSize, rows - start);
    visit(forwardRows(model, data, start, count), start, count);
    if (performance.now() - lastYield > YIELD_EVERY_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      lastYield = performance.now();
    }
  }
  return sums;
}

/** `{ loss, <metric>: value ... }` in compile order, from the sums and (for the metrics other than accuracy) every row's output. */
export function metricLogs(objective: Objective, units: number, rows: number, sums: EvaluationSums, outputs: Float32Array | null,
  targets: Targets): Record<string, number> {
  const logs: Record<string, number> = { loss: sums.loss / rows };
  for (const metric of objective.metrics) {
    logs[metric.name] = metric.name === 'accuracy'
      ? sums.correct / (rows * objective.perRow(units))
      : metric.compute(outputs!, targets.data, rows, units);
  }
  return logs;
}

/**
 * The loss and metrics over a data set. In a distributed fit each rank runs a contiguous
 * share of the rows and the sums are reduced; the metrics that need every output (auc,
 * precision ...) get them all on every rank: each rank fills its share of a zeroed buffer and a
 * sum-allreduce gathers them (adding zeros is exact, so every rank computes the same values).
 */
export async function evaluateSet(model: Sequential, objective: Objective, data: Float32Array, rows: number, targets: Targets, batchSize: number,
  parallel: Distributed | null): Promise<Record<string, number>> {
  const units = model.outputSize;
  const outputs = objective.wholeSet.length ? new Float32Array(rows * units) : null;
  if (!parallel) return metricLogs(objective, units, rows, await evaluateRowsAsync(model, objective, data, rows, targets, batchSize, outputs), outputs, targets);
  const width = model.inputSize;
  const share = Math.ceil(rows / parallel.size);
  const start = Math.min(rows, parallel.rank * share);
  const end = Math.min(rows, start + share);
  const sums = new Float64Array(2);  // loss sum, correct predictions
  if (end > start) {
    const part: Targets = targets.kind === 'classes'
      ? { kind: 'classes', data: targets.data.subarray(start, end) }
      : { kind: 'values', data: targets.data.subarray(start * units, end * units) };
    const s = await evaluateRowsAsync(model, objective, data.subarray(start * width, end * width), end - start, part, batchSize,
      outputs?.subarray(start * units, end * units) ?? null);
    sums[0] = s.loss;
    sums[1] = s.correct;
  }
  await collective(parallel, sums, 'sum');
  if (outputs) await collective(parallel, outputs, 'sum');
  return metricLogs(objective, units, rows, { loss: sums[0], correct: sums[1] }, outputs, targets);
}

/** The same logs with validation keys: valLoss, valAccuracy, valAuc ... */
export function validationLogs(logs: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(logs).map(([k, v]) => [validationKey(k), v]));
}
