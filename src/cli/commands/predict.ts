/**
 * `dendrite predict`: load a model saved by `dendrite train` (or model.save)
 * and predict a data set: the held-out test split of a named data set, or
 * every row of a CSV file (with or without its label column). Writes
 * predictions.csv and reports the accuracy when labels are known.
 */
import { writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { Command } from 'commander';
import * as dd from '../../index.js';
import { applyScaling, argumentError, dataError, readCsvRows, splitCsvLine, type Split } from '../../data/index.js';
import { addOutputOptions, applyRuntime, loadFromFlags, paragraphs } from '../common.js';
import { parseIntegerFlag } from '../options.js';
import { makeOutputDirectory, requireDirectory, requireFile, requireOutputDirectory } from '../paths.js';
import { Output } from '../output.js';
import { csvText, textTable } from '../report/table.js';
import { readDataFile, DATA_FILE, type SavedData } from '../train/data-file.js';

interface PredictFlags {
  model: string;
  data?: string;
  dataDir?: string;
  labelColumn?: string;
  limit?: string;
  out: string;
  backend?: string;
  threads?: string;
  quiet?: boolean;
  json?: boolean;
}

/** predict's default --out: its own folder under dendrite-out, where compare and bench write. */
export const PREDICT_OUT = path.join('dendrite-out', 'predict');

/** The `predict` command. */
export function predictCommand(): Command {
  const cmd = new Command('predict')
    .summary('predict a data set with a saved model')
    .description(paragraphs([
      'Load a model saved by `dendrite train --save` and predict --data: the test split of a named data set',
      '(spirals, fashion-mnist, ...), or every row of csv:<file>, with or without its label column (the',
      'features are scaled as in training). Writes predictions.csv into --out (default dendrite-out/predict,',
      'next to compare\'s and bench\'s results in dendrite-out); prints the accuracy when labels are known.',
      'Default --data: the data set the model was trained on.',
    ]))
    .requiredOption('--model <dir>', 'directory written by `dendrite train --save` (or model.save)')
    .option('--data <name>', 'data set (default: the one recorded at training)')
    .option('--data-dir <dir>', 'directory of MNIST-format IDX files')
    .option('--label-column <column>', 'csv: the label column (default: as in training)')
    .option('--limit <rows>', 'predict at most this many rows')
    .option('--out <dir>', 'directory for predictions.csv', PREDICT_OUT)
    .option('--backend <name>', 'cpu (native, default) or js')
    .option('--threads <n>', 'native threads (default: all cores)');
  addOutputOptions(cmd);
  return cmd.action((flags: PredictFlags) => runPredict(flags));
}

async function runPredict(flags: PredictFlags): Promise<void> {
  const out = new Output(flags);
  applyRuntime(flags.threads, flags.backend);
  const limit = flags.limit === undefined ? undefined : parseIntegerFlag(flags.limit, '--limit');
  await requireDirectory(flags.model, '--model');
  await requireOutputDirectory(flags.out, '--out');
  const model = await dd.loadModel(flags.model);
  const saved = (await readDataFile(flags.model)) ?? savedPreprocessing(model);
  const spec = flags.data ?? saved?.data;
  if (!spec) throw argumentError('--data', `a data set (the model directory has no ${DATA_FILE} recording one)`, 'none');
  const { split, classNames, labeled } = await rowsToPredict(spec, flags, saved, limit);
  if (model.inputSize !== split.x.length / Math.max(1, split.rows)) {
    throw dataError(`--data ${spec}`, `rows of ${model.inputSize} features (the model's input size)`, `rows of ${split.x.length / Math.max(1, split.rows)} features`);
  }
  const t0 = performance.now();
  const logits = await model.predictAsync(dd.tensor(split.x, [split.rows, model.inputSize]), { batchSize: 1024 });
  const seconds = (performance.now() - t0) / 1000;
  const probs = dd.activation('softmax').forward(logits).data;
  const classes = model.outputSize;
  const predictions = Array.from({ length: split.rows }, (_, r) => {
    let best = 0;
    for (let c = 1; c < classes; c++) if (probs[r * classes + c] > probs[r * classes + best]) best = c;
    return { predicted: best, confidence: probs[r * classes + best], label: labeled ? split.y[r] : null };
  });
  const correct = predictions.filter((p) => p.label === p.predicted).length;
  const accuracy = labeled && split.rows > 0 ? correct / split.rows : null;
  const name = (c: number | null) => (c === null ? '' : classNames?.[c] ?? String(c));
  await makeOutputDirectory(flags.out, '--out');
  const file = path.join(flags.out, 'predictions.csv');
  await writeFile(file, csvText(['row', 'predicted', 'predicted_name', 'confidence', 'label', 'label_name'],
    predictions.map((p, r) => [r, p.predicted, name(p.predicted), p.confidence.toFixed(5), p.label ?? '', name(p.label)])));

  out.result({ model: path.resolve(flags.model), data: spec, rows: split.rows, accuracy, seconds, file, predictions });
  out.print(`Predicted ${split.rows} rows of ${spec} in ${(seconds * 1000).toFixed(1)} ms (predictAsync, backend ${dd.getBackend()})`);
  if (accuracy !== null) out.print(`accuracy: ${(accuracy * 100).toFixed(2)}% (${correct}/${split.rows})`);
  out.print();
  out.print(textTable(['row', 'predicted', 'confidence', ...(labeled ? ['label'] : [])],
    predictions.slice(0, 8).map((p, r) => [String(r), name(p.predicted), p.confidence.toFixed(3), ...(labeled ? [name(p.label)] : [])]), ['right', 'left', 'right', 'left']));
  if (split.rows > 8) out.print(`… ${split.rows - 8} more in ${file}`);
  else out.print(`Wrote ${file}`);
}

/**
 * A model saved from the library (no dendrite-data.json) may carry its preprocessing in
 * model.json (dd.data.setPreprocessing): its feature scaling and class names apply the same way.
 */
function savedPreprocessing(model: dd.Sequential): SavedData | null {
  const p = dd.data.preprocessingOf(model);
  if (!p) return null;
  const scaling = p.scaler ? p.scaler.toJSON() : undefined;
  return { data: '', features: model.inputSize, classes: model.outputSize, classNames: p.labels?.classes, scaling };
}

/** The rows to predict: a CSV file's rows (scaled as in training) or a named data set's test split. */
async function rowsToPredict(spec: string, flags: PredictFlags, saved: SavedData | null, limit: number | undefined): Promise<{ split: Split; classNames?: string[]; labeled: boolean }> {
  if (spec.startsWith('csv:')) {
    const file = spec.slice(4);
    await requireFile(file, '--data');
    const width = await csvWidth(file);
    const unlabeled = saved !== null && width === saved.features;
    const rows = await readCsvRows(file, {
      labelColumn: unlabeled ? null : flags.labelColumn ?? saved?.labelColumn, limit, classNames: saved?.classNames,
    }, '--label-column');
    if (saved?.scaling && rows.features === saved.features) applyScaling(rows, rows.features, saved.scaling);
    return { split: rows, classNames: rows.classNames.length ? rows.classNames : saved?.classNames, labeled: rows.labeled };
  }
  const data = await loadFromFlags({ data: spec, dataDir: flags.dataDir ?? (spec === saved?.data ? saved?.dataDir : undefined), testLimit: flags.limit });
  return { split: data.test, classNames: data.classNames, labeled: true };
}

/** Number of columns on the first non-empty line of a CSV file. */
async function csvWidth(file: string): Promise<number> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  try {
    for await (const line of lines) if (line.trim() !== '') return splitCsvLine(line).length;
  } catch (err) {
    throw dataError(`--data csv:${file}`, 'a readable CSV file', `${JSON.stringify(file)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  } finally {
    lines.close();
  }
  return 0;
}
