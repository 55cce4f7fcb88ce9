/**
 * dd.data: the public face of src/data. Loaders (CSV, MNIST-format IDX,
 * generated problems), splitting and scaling (scikit-learn style), string
 * labels, and the preprocessing saved with a model. The CLI uses the same code.
 */
import { Tensor } from '../tensor.js';
import { loadCsv, readCsvRows, type CsvDatasetOptions, type CsvOptions, type CsvRows } from './csv.js';
import { sampleShape, type Dataset } from './dataset.js';
import { readIdx } from './idx.js';
import { DATA_SPECS, fashionMnistHint, loadDataset, type LoadDatasetOptions } from './index.js';
import { LabelEncoder } from './label-encoder.js';
import { FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, loadMnistDirectory, type MnistOptions } from './mnist.js';
import { Preprocessing, predictLabels, preprocessingOf, setPreprocessing } from './preprocessing.js';
import { StandardScaler } from './standard-scaler.js';
import { moons, spirals, xor } from './synthetic.js';
import { trainTestSplit } from './train-test-split.js';
import { invalidParameter } from '../errors.js';

/** Options of dd.data.loadFashionMnist. */
export interface FashionMnistOptions extends MnistOptions {
  /** The directory of the IDX files. Default /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist). */
  dataDir?: string;
}

/**
 * Fashion-MNIST (60,000 + 10,000 images of 28x28, pixels in [0, 1], class names in
 * `classNames`) from a directory of its IDX files.
 * @throws DendriteError saying how to get the files when they are missing
 */
function loadFashionMnist(options: FashionMnistOptions = {}): Promise<Dataset> {
  const { dataDir = FASHION_MNIST_DIR, ...rest } = options;
  return loadMnistDirectory(dataDir, { ...publicMnistOptions(rest), name: 'fashion-mnist', subject: 'dataDir', missingHint: fashionMnistHint('pass their directory as { dataDir }') });
}

/** Only the public options reach the loader (no caller-wording fields from outside). */
function publicMnistOptions(options: MnistOptions): MnistOptions {
  return { limit: options.limit, testLimit: options.testLimit, shape: options.shape };
}

/**
 * A split of a Dataset as model inputs and targets: x [rows, ...inputShape] (a view of the
 * split's memory, no copy) and the class indices y.
 * @example const { x, y } = dd.data.toTensors(ds, 'train'); await model.fit(x, y)
 */
function toTensors(data: Dataset, split: 'train' | 'test'): { x: Tensor; y: Int32Array } {
  if (split !== 'train' && split !== 'test') throw invalidParameter('split', "'train' or 'test'", split);
  const part = data[split];
  return { x: new Tensor(part.x, [part.rows, ...sampleShape(data)]), y: part.y };
}

/** dd.data: data sets, splitting, scaling, labels and a model's saved preprocessing (see the README's "Data"). */
export const data = {
  /** Load a data set by its CLI name: 'spirals' | 'moons' | 'xor' | 'fashion-mnist' | 'mnist' (with dataDir) | 'csv:<file>'. */
  loadDataset: (spec: string, options?: LoadDatasetOptions): Promise<Dataset> => loadDataset(spec, options),
  /** A CSV file as a Dataset: a seeded train/test split, features standardised with the training split's statistics (`scaling`). */
  loadCsv: (file: string, options?: CsvDatasetOptions): Promise<Dataset> => loadCsv(file, options),
  /** Every row of a CSV file, unsplit and unscaled (x, y, columns, classNames; labelColumn null: no labels). */
  readCsv: (file: string, options?: CsvOptions): Promise<CsvRows> => readCsvRows(file, options),
  /** A directory of MNIST-format IDX files (train-images-idx3-ubyte[.gz], ...): pixels in [0, 1]; shape 'image': [28, 28, 1]. */
  loadMnist: (dir: string, options: MnistOptions = {}): Promise<Dataset> => loadMnistDirectory(dir, publicMnistOptions(options)),
  loadFashionMnist,
  /** One IDX file (plain or gzipped) as a typed array and its shape. */
  readIdx,
  /** Three interleaved spiral arms (3 classes, 2 features; generated, seeded). */
  spirals,
  /** Two interleaving half circles (scikit-learn's make_moons). */
  moons,
  /** XOR: class 1 where the signs of the two coordinates differ. */
  xor,
  toTensors,
  trainTestSplit,
  StandardScaler,
  LabelEncoder,
  Preprocessing,
  setPreprocessing,
  preprocessingOf,
  predictLabels,
  /** The names loadDataset takes. */
  DATASET_NAMES: DATA_SPECS,
  /** Fashion-MNIST's class names, by label. */
  FASHION_MNIST_CLASSES,
  /** Where Debian's dataset-fashion-mnist package puts the files. */
  FASHION_MNIST_DIR,
};
