/**
 * Data sets for the `dendrite` command and the examples: generated problems
 * (spirals, moons, xor), MNIST-format IDX directories (Fashion-MNIST from
 * Debian's dataset-fashion-mnist package, or any directory) and CSV files.
 */
import { loadCsv } from './csv.js';
import { argumentError, headRows, type Dataset } from './dataset.js';
import { checkImageShape, FASHION_MNIST_DIR, loadMnistDirectory, type ImageShape } from './mnist.js';
import { moons, spirals, xor, SYNTHETIC_NAMES } from './synthetic.js';

export { readIdx } from './idx.js';
export type { IdxArray, IdxType, ReadIdxOptions } from './idx.js';
export { loadMnistDirectory, findMnistFiles, checkImageShape, FASHION_MNIST_DIR, FASHION_MNIST_CLASSES, IMAGE_SHAPES } from './mnist.js';
export type { MnistOptions, ImageShape } from './mnist.js';
export { loadCsv, readCsvRows, splitCsvLine } from './csv.js';
export type { CsvOptions, CsvRows, CsvDatasetOptions } from './csv.js';
export { spirals, moons, xor, SYNTHETIC_NAMES } from './synthetic.js';
export type { SyntheticOptions, SyntheticName } from './synthetic.js';
export { applyScaling, fitScaling, headRows, permutation, sampleShape, dataError, argumentError } from './dataset.js';
export type { Dataset, Split, Scaling } from './dataset.js';

/** The values `--data` accepts. */
export const DATA_SPECS = [...SYNTHETIC_NAMES, 'fashion-mnist', 'mnist', 'csv:<file>'] as const;

/** How to get Fashion-MNIST when it is missing. */
export function fashionMnistHint(passDir: string): string {
  return 'Install it with `sudo apt-get install dataset-fashion-mnist` (Debian/Ubuntu), '
    + `or download the four *-ubyte.gz files from https://github.com/zalandoresearch/fashion-mnist and ${passDir}`;
}

/** How errors name loadDataset's inputs: the library's words, or the CLI's flags (CLI_WORDS). */
export interface OptionWords {
  spec: string;
  dataDir: string;
  labelColumn: string;
  /** The directory of an IDX data set, e.g. '--data mnist'. */
  dirOf: (name: string) => string;
  /** How to give the directory, ending the hint for missing files. */
  passDir: string;
}
export const LIBRARY_WORDS: OptionWords = {
  spec: 'spec', dataDir: 'dataDir', labelColumn: 'labelColumn', dirOf: (name) => `dataDir of '${name}'`, passDir: 'pass their directory as { dataDir }',
};
export const CLI_WORDS: OptionWords = {
  spec: '--data', dataDir: '--data-dir', labelColumn: '--label-column', dirOf: (name) => `--data ${name}`, passDir: 'pass --data-dir <dir>',
};

/** Options of loadDataset. */
export interface LoadDatasetOptions {
  /** Directory of the IDX files (fashion-mnist: default /usr/share/datasets/fashion-mnist; mnist: required). */
  dataDir?: string;
  /** CSV label column (name or 0-based index; default the last column). */
  labelColumn?: string;
  /** Use at most this many training rows. */
  limit?: number;
  /** Use at most this many test rows. */
  testLimit?: number;
  /** Seed of generated points and of CSV splits. Default 0. */
  seed?: number;
  /**
   * fashion-mnist, mnist: 'flat' rows of pixels (default) or 'image' (inputShape [28, 28, 1],
   * channels-last, for conv layers). Other data sets have no image shape: 'image' is an error.
   */
  shape?: ImageShape;
}

/**
 * Load a data set by its `--data` name: 'spirals' | 'moons' | 'xor' (generated),
 * 'fashion-mnist', 'mnist' (IDX files in `dataDir`) or 'csv:<file>'.
 * @throws DendriteError for an unknown name, missing files (saying how to get them) or malformed files
 */
export async function loadDataset(spec: string, options: LoadDatasetOptions = {}, words: OptionWords = LIBRARY_WORDS): Promise<Dataset> {
  const { seed = 0 } = options;
  const shape = checkImageShape(options.shape);
  if (shape === 'image' && spec !== 'fashion-mnist' && spec !== 'mnist') {
    throw argumentError(`shape 'image'`, 'an image data set (fashion-mnist, mnist)', JSON.stringify(spec));
  }
  let data: Dataset;
  if (spec === 'spirals') data = spirals({ seed });
  else if (spec === 'moons') data = moons({ seed });
  else if (spec === 'xor') data = xor({ seed });
  else if (spec === 'fashion-mnist') {
    data = await loadMnistDirectory(options.dataDir ?? FASHION_MNIST_DIR, {
      name: 'fashion-mnist', limit: options.limit, testLimit: options.testLimit, shape,
      subject: words.dirOf('fashion-mnist'), missingHint: fashionMnistHint(words.passDir),
    });
  } else if (spec === 'mnist') {
    if (!options.dataDir) throw argumentError(words.dataDir, `a directory of MNIST-format IDX files (${words.spec} 'mnist' needs one)`, 'none');
    data = await loadMnistDirectory(options.dataDir, { name: 'mnist', limit: options.limit, testLimit: options.testLimit, shape, subject: words.dirOf('mnist') });
  } else if (spec.startsWith('csv:') && spec.length > 4) {
    data = await loadCsv(spec.slice(4), { labelColumn: options.labelColumn, seed }, words.labelColumn);
  } else {
    throw argumentError(words.spec, `one of ${DATA_SPECS.join(', ')}`, JSON.stringify(spec));
  }
  if (options.limit !== undefined) data.train = headRows(data.train, data.features, options.limit);
  if (options.testLimit !== undefined) data.test = headRows(data.test, data.features, options.testLimit);
  return data;
}
