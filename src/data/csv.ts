/**
 * CSV classification data: one row per line, numeric feature columns and one
 * label column (a class name or a non-negative integer). Read line by line
 * from a stream; every line is validated (column count, numbers) and errors
 * name the file, the line and the column.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { DendriteError } from '../errors.js';
import { LabelEncoder } from './label-encoder.js';
import { applyScaling, argumentError, dataError, fitScaling, splitRows, type Dataset, type Scaling, type Split } from './dataset.js';

/** Options of the CSV readers. */
export interface CsvOptions {
  /** The label column: a header name or a 0-based index; null for a file without labels (every column a feature). Default: the last column. */
  labelColumn?: string | number | null;
  /** Read at most this many data rows. */
  limit?: number;
  /** Class names, in class-index order, to map string labels with (default: the sorted distinct labels). */
  classNames?: string[];
}

/** The rows of a CSV file. */
export interface CsvRows extends Split {
  features: number;
  /** Feature column names (the header's, or column indices). */
  columns: string[];
  /** The label column's name ('' without labels). */
  labelName: string;
  /** False when read with labelColumn null (y is all -1). */
  labeled: boolean;
  /** Class names by index (strings as found, or the integers). */
  classNames: string[];
  classes: number;
}

/**
 * Read every row of a CSV file. A first line whose feature cells are not all
 * numbers is taken as the header.
 * @throws DendriteError naming the file and line for a wrong column count, a non-numeric feature,
 *   an empty label, an unknown label column or an empty file
 */
export async function readCsvRows(file: string, options: CsvOptions = {}, labelColumnWord = 'labelColumn'): Promise<CsvRows> {
  try {
    return await parseCsvRows(file, options, labelColumnWord);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (err instanceof DendriteError || typeof code !== 'string') throw err;
    throw dataError(file, 'a readable CSV file', `${code === 'ENOENT' ? 'a missing file' : code === 'EISDIR' ? 'a directory' : code}`);
  }
}

async function parseCsvRows(file: string, options: CsvOptions, labelColumnWord: string): Promise<CsvRows> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let header: string[] | null = null;
  let width = -1;
  let labelIndex = -1;
  let lineNo = 0;
  const values: number[] = [];
  const labels: string[] = [];
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === '') continue;
    const cells = splitCsvLine(line);
    if (width < 0) {
      width = cells.length;
      const minimum = options.labelColumn === null ? 1 : 2;
      if (width < minimum) throw dataError(`line ${lineNo} of ${file}`, `at least ${minimum} columns (features${minimum === 2 ? ' and a label' : ''})`, `${width}`);
      const named = cells.some((c) => !isNumber(c));
      labelIndex = resolveLabelColumn(options.labelColumn, named ? cells : null, width, labelColumnWord);
      const featureCells = cells.filter((_, i) => i !== labelIndex);
      if (featureCells.some((c) => !isNumber(c))) {
        header = cells.map((c) => c.trim());
        continue;
      }
    }
    if (cells.length !== width) throw dataError(`line ${lineNo} of ${file}`, `${width} columns`, `${cells.length}`);
    for (let i = 0; i < width; i++) {
      if (i === labelIndex) continue;
      const cell = cells[i].trim();
      if (!isNumber(cell)) throw dataError(`column ${JSON.stringify(header?.[i] ?? String(i))} on line ${lineNo} of ${file}`, 'a number', JSON.stringify(cell));
      values.push(Number(cell));
    }
    if (labelIndex < 0) {
      labels.push('');
      if (options.limit !== undefined && labels.length >= options.limit) break;
      continue;
    }
    const label = cells[labelIndex].trim();
    if (label === '') throw dataError(`the label on line ${lineNo} of ${file}`, 'a class name or index', 'an empty cell');
    labels.push(label);
    if (options.limit !== undefined && labels.length >= options.limit) break;
  }
  lines.close();
  if (labels.length === 0) throw dataError(file, 'a CSV file with at least one data row', 'none');
  const features = labelIndex < 0 ? width : width - 1;
  const columns = Array.from({ length: width }, (_, i) => header?.[i] ?? String(i)).filter((_, i) => i !== labelIndex);
  const { y, classNames } = labelIndex < 0
    ? { y: new Int32Array(labels.length).fill(-1), classNames: options.classNames ?? [] }
    : encodeLabels(labels, options.classNames, file);
  return {
    x: Float32Array.from(values), y, rows: labels.length, features, columns,
    labelName: labelIndex < 0 ? '' : header?.[labelIndex] ?? String(labelIndex), classNames, classes: classNames.length, labeled: labelIndex >= 0,
  };
}

/** Options of loadCsv. */
export interface CsvDatasetOptions extends Omit<CsvOptions, 'labelColumn'> {
  /** The label column: a header name or a 0-based index. Default: the last column. */
  labelColumn?: string | number;
  /** Fraction of the (shuffled) rows held out as the test split. Default 0.2. */
  testFraction?: number;
  /** Seed of the split. Default 0. */
  seed?: number;
}

/** A CSV file as a Dataset: a seeded train/test split, features standardised with the training split's statistics. */
export async function loadCsv(file: string, options: CsvDatasetOptions = {}, labelColumnWord = 'labelColumn'): Promise<Dataset> {
  const rows = await readCsvRows(file, { ...options, labelColumn: options.labelColumn ?? undefined }, labelColumnWord);
  if (rows.rows < 2) throw dataError(file, 'at least 2 data rows (a training and a test split)', `${rows.rows}`);
  const { train, test } = splitRows(rows.x, rows.y, rows.features, options.testFraction ?? 0.2, options.seed ?? 0);
  const scaling: Scaling = fitScaling(train, rows.features);
  applyScaling(train, rows.features, scaling);
  applyScaling(test, rows.features, scaling);
  return {
    name: `csv:${file}`,
    description: `${rows.rows} rows of ${rows.features} features and label column ${JSON.stringify(rows.labelName)} (${rows.classes} classes) from ${file}`,
    features: rows.features,
    classes: rows.classes,
    classNames: rows.classNames,
    train,
    test,
    targetAccuracy: 0.9,
    scaling,
  };
}

function resolveLabelColumn(column: string | number | null | undefined, header: string[] | null, width: number, word: string): number {
  if (column === null) return -1;
  if (column === undefined) return width - 1;
  if (typeof column === 'number' || /^\d+$/.test(column)) {
    const index = Number(column);
    if (index >= width) throw argumentError(word, `a column index in [0, ${width - 1}]`, String(column));
    return index;
  }
  const index = header ? header.findIndex((h) => h.trim() === column) : -1;
  if (index < 0) {
    const names = header ? `one of ${header.map((h) => JSON.stringify(h.trim())).join(', ')}` : 'a column index (the file has no header)';
    throw argumentError(word, names, JSON.stringify(column));
  }
  return index;
}

/** Labels to class indices: integers are used as they are, other strings map to their sorted order (a LabelEncoder), or to the given names. */
function encodeLabels(labels: string[], known: string[] | undefined, file: string): { y: Int32Array; classNames: string[] } {
  const y = new Int32Array(labels.length);
  if (known) {
    const index = new Map(known.map((name, i) => [name, i]));
    labels.forEach((label, i) => {
      const c = index.get(label);
      if (c === undefined) throw dataError(`label ${JSON.stringify(label)} in ${file}`, `one of the classes the model knows (${known.join(', ')})`, 'an unknown class');
      y[i] = c;
    });
    return { y, classNames: known };
  }
  if (labels.every((l) => /^\d+$/.test(l))) {
    let max = 0;
    labels.forEach((l, i) => { y[i] = Number(l); max = Math.max(max, y[i]); });
    if (max > 65535) throw dataError(`the labels of ${file}`, 'class indices up to 65535', String(max));
    return { y, classNames: Array.from({ length: max + 1 }, (_, i) => String(i)) };
  }
  const encoder = new LabelEncoder().fit(labels);
  return { y: encoder.transform(labels), classNames: encoder.classes };
}

function isNumber(cell: string): boolean {
  const t = cell.trim();
  return t !== '' && Number.isFinite(Number(t));
}

/** Split one CSV line on commas, honouring double quotes ("a,b" and "" escapes). */
export function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cell += '"'; i++; } else if (ch === '"') quoted = false; else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { cells.push(cell); cell = ''; } else cell += ch;
  }
  cells.push(cell);
  return cells;
}
