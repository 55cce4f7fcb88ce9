/**
 * MNIST-format directories: train-images-idx3-ubyte, train-labels-idx1-ubyte,
 * t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each plain or gzipped
 * (.gz). Fashion-MNIST ships in this format; Debian's `dataset-fashion-mnist`
 * package installs it in /usr/share/datasets/fashion-mnist. Images come as rows of
 * pixels ([N, 784] for 28x28) or, with `shape: 'image'`, as channels-last images
 * ([N, 28, 28, 1]: the dataset's inputShape is [28, 28, 1], the input of dd.layers.conv2d).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { argumentError, dataError, type Dataset, type Split } from './dataset.js';
import { readIdx, type IdxArray } from './idx.js';

/** Where Debian's dataset-fashion-mnist package puts the files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Fashion-MNIST's class names, by label. */
export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze(['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']);

/** How loaded images are shaped: 'flat' rows of pixels, or 'image' [H, W, 1] (channels-last, one channel). */
export type ImageShape = 'flat' | 'image';

/** The values of the `shape` option. */
export const IMAGE_SHAPES: readonly ImageShape[] = ['flat', 'image'];

/** Options of dd.data.loadMnist. */
export interface MnistOptions {
  /** Read only the first `limit` training images. */
  limit?: number;
  /** Read only the first `testLimit` test images. */
  testLimit?: number;
  /**
   * 'flat' (default): each image is a row of H*W pixels (inputShape absent, features H*W);
   * 'image': channels-last [H, W, 1] (inputShape [H, W, 1]), so that
   * `dd.tensor(train.x, [train.rows, ...data.inputShape])` is [N, H, W, 1] for dd.layers.conv2d.
   * The values are the same either way.
   */
  shape?: ImageShape;
}

/** Options of loadMnistDirectory: the public ones and how callers word errors. */
export interface MnistDirectoryOptions extends MnistOptions {
  /** Name of the data set in results ('fashion-mnist', 'mnist'). */
  name?: string;
  /** What to tell the user when the files are missing (how to get them). */
  missingHint?: string;
  /** How the caller named the directory in errors: e.g. '--data fashion-mnist' (the CLI), 'dataDir'. Default 'dir'. */
  subject?: string;
}

/** Check a `shape` option: 'flat' (also for undefined) or 'image'. */
export function checkImageShape(shape: unknown, name = 'shape'): ImageShape {
  if (shape === undefined) return 'flat';
  if (typeof shape !== 'string' || !(IMAGE_SHAPES as readonly string[]).includes(shape)) {
    throw argumentError(name, `one of ${IMAGE_SHAPES.map((s) => `'${s}'`).join(', ')}`, JSON.stringify(shape) ?? String(shape));
  }
  return shape as ImageShape;
}

const PARTS = {
  trainImages: ['train-images-idx3-ubyte', 'train-images.idx3-ubyte'],
  trainLabels: ['train-labels-idx1-ubyte', 'train-labels.idx1-ubyte'],
  testImages: ['t10k-images-idx3-ubyte', 't10k-images.idx3-ubyte'],
  testLabels: ['t10k-labels-idx1-ubyte', 't10k-labels.idx1-ubyte'],
} as const;

/** The four files of an MNIST-format directory, or the names that are missing. */
export function findMnistFiles(dir: string): { files: Record<keyof typeof PARTS, string> | null; missing: string[] } {
  const files: Partial<Record<keyof typeof PARTS, string>> = {};
  const missing: string[] = [];
  for (const [part, names] of Object.entries(PARTS) as [keyof typeof PARTS, readonly string[]][]) {
    const found = names.flatMap((n) => [n, `${n}.gz`]).map((n) => path.join(dir, n)).find((f) => existsSync(f));
    if (found) files[part] = found;
    else missing.push(`${names[0]}[.gz]`);
  }
  return { files: missing.length ? null : (files as Record<keyof typeof PARTS, string>), missing };
}

/**
 * Load an MNIST-format directory: 28x28 (any size) uint8 images scaled to [0, 1]
 * as float32 rows (with `shape: 'image'`: images [H, W, 1]), uint8 labels as class indices.
 * @throws DendriteError naming the directory and the missing files (with `missingHint`), or a malformed file
 */
export async function loadMnistDirectory(dir: string, options: MnistDirectoryOptions = {}): Promise<Dataset> {
  const name = options.name ?? 'mnist';
  const shape = checkImageShape(options.shape);
  const { files, missing } = findMnistFiles(dir);
  if (!files) {
    const hint = options.missingHint ? `. ${options.missingHint}` : '';
    throw dataError(options.subject ?? 'dir', `a directory with the MNIST-format IDX files ${missing.join(', ')}`, `${JSON.stringify(dir)}, which lacks them${hint}`);
  }
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all([
    readIdx(files.trainImages, { limit: options.limit }),
    readIdx(files.trainLabels, { limit: options.limit }),
    readIdx(files.testImages, { limit: options.testLimit }),
    readIdx(files.testLabels, { limit: options.testLimit }),
  ]);
  const train = toSplit(trainImages, trainLabels, files.trainImages, files.trainLabels);
  const test = toSplit(testImages, testLabels, files.testImages, files.testLabels);
  const dims = trainImages.shape.slice(1);
  const features = dims.reduce((a, b) => a * b, 1);
  if (test.x.length !== test.rows * features) {
    throw dataError(files.testImages, `images of ${trainImages.shape.slice(1).join('x')} pixels (as in the training images)`, `shape [${testImages.shape.join(', ')}]`);
  }
  let maxLabel = 0;
  for (const split of [train, test]) for (const label of split.y) maxLabel = Math.max(maxLabel, label);
  const classes = Math.max(10, maxLabel + 1);
  const fashion = name === 'fashion-mnist';
  if (shape === 'image' && dims.length !== 2) {
    throw dataError(files.trainImages, "2-dimensional images (IDX shape [N, H, W]) for shape 'image'", `shape [${trainImages.shape.join(', ')}]`);
  }
  return {
    name,
    description: `${train.rows} training and ${test.rows} test images of ${dims.join('x')} pixels from ${dir}`,
    features,
    ...(shape === 'image' ? { inputShape: [...dims, 1] } : {}),
    classes,
    classNames: fashion ? [...FASHION_MNIST_CLASSES] : Array.from({ length: classes }, (_, i) => String(i)),
    train,
    test,
    targetAccuracy: fashion ? 0.85 : 0.97,
  };
}

function toSplit(images: IdxArray, labels: IdxArray, imageFile: string, labelFile: string): Split {
  if (images.type !== 'uint8' || images.shape.length < 2) {
    throw dataError(imageFile, 'uint8 images (IDX type 08, at least 2 dimensions)', `${images.type} of shape [${images.shape.join(', ')}]`);
  }
  if (labels.type !== 'uint8' || labels.shape.length !== 1) {
    throw dataError(labelFile, 'uint8 labels (IDX type 08, 1 dimension)', `${labels.type} of shape [${labels.shape.join(', ')}]`);
  }
  const rows = images.shape[0];
  if (labels.shape[0] !== rows) throw dataError(labelFile, `${rows} labels (one per image in ${path.basename(imageFile)})`, `${labels.shape[0]}`);
  const pixels = images.data as Uint8Array;
  const x = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) x[i] = pixels[i] / 255;
  return { x, y: Int32Array.from(labels.data as Uint8Array), rows };
}
