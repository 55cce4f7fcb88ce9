/**
 * What `dendrite train` records next to a saved model (dendrite-data.json) so
 * that `dendrite predict` reads data the same way: the data set, its class
 * names and the feature scaling.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { dataError, type Dataset, type Scaling } from '../../data/index.js';

export const DATA_FILE = 'dendrite-data.json';

/** The contents of dendrite-data.json. */
export interface SavedData {
  /** The --data value used for training. */
  data: string;
  dataDir?: string;
  labelColumn?: string;
  features: number;
  classes: number;
  classNames?: string[];
  scaling?: Scaling;
}

/** Write dendrite-data.json into a model directory. */
export async function writeDataFile(dir: string, spec: { data: string; dataDir?: string; labelColumn?: string }, data: Dataset): Promise<void> {
  const saved: SavedData = { ...spec, features: data.features, classes: data.classes, classNames: data.classNames, scaling: data.scaling };
  await writeFile(path.join(dir, DATA_FILE), `${JSON.stringify(saved, null, 2)}\n`);
}

/** Read dendrite-data.json from a model directory (null when the model was not saved by `dendrite train`). */
export async function readDataFile(dir: string): Promise<SavedData | null> {
  const file = path.join(dir, DATA_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  try {
    const saved = JSON.parse(text) as SavedData;
    if (typeof saved.data !== 'string' || !Number.isInteger(saved.features) || !Number.isInteger(saved.classes)) throw new Error('missing data, features or classes');
    return saved;
  } catch (err) {
    throw dataError(file, `the ${DATA_FILE} written by dendrite train`, `a malformed file (${(err as Error).message})`);
  }
}
