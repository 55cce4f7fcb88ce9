/**
 * dd.callbacks.csvLogger: one CSV row per epoch (Keras' CSVLogger), written as each epoch
 * ends, so that a crashed or running training can be read (or plotted) at any time.
 */
import { mkdir, readFile, appendFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DendriteError, invalidParameter } from '../errors.js';
import type { Callback } from '../model/callbacks.js';
import { checkBoolean, checkOptions } from '../validate.js';

/** Options of dd.callbacks.csvLogger. */
export interface CsvLoggerOptions {
  /** Between the fields: a non-empty string without quotes or line breaks. Default ','. */
  separator?: string;
  /**
   * Add to an existing file (resuming a training) instead of replacing it at the start of fit.
   * Its header is kept and gives the columns; logs entries it lacks reject fit. Default false.
   */
  append?: boolean;
}

/**
 * Log every epoch to a CSV file (Keras' CSVLogger): a header row `epoch` then every logs entry
 * in the logs' order (loss, accuracy, ..., valLoss, valAccuracy, ..., time), then one row per
 * epoch (epoch counted from 0, as Keras and the callbacks; numbers as JavaScript writes them,
 * shortest round-trip; an entry missing from an epoch's logs is an empty field), each appended
 * and closed as its epoch ends. Without `append` the file is replaced when fit starts. The
 * parent directory is created. In a distributed fit only rank 0 writes.
 */
export function csvLogger(file: string, options: CsvLoggerOptions = {}): Callback {
  if (typeof file !== 'string' || file === '') throw invalidParameter('file', 'a file path', file);
  const o = checkOptions(options, ['separator', 'append']);
  const separator = o.separator ?? ',';
  if (typeof separator !== 'string' || separator === '' || /["\r\n]/.test(separator)) {
    throw invalidParameter('separator', 'a non-empty string without quotes or line breaks', separator);
  }
  const append = checkBoolean(o.append ?? false, 'append');
  // The columns: from the existing header (append) or the first epoch's logs.
  let columns: string[] | null = null;
  // An existing file whose last line has no line break (the first row must not join it).
  let lineBreak = '';
  return {
    async onTrainBegin(control) {
      columns = null;
      lineBreak = '';
      // Every rank of a distributed fit checks the columns (so a mismatch rejects fit on
      // every rank instead of ending the job); only rank 0 writes. In append mode each rank
      // reads the header, so the file must be visible to them (one machine or a shared filesystem).
      if (control.isRoot) await mkdir(path.dirname(path.resolve(file)), { recursive: true });
      if (!append) {
        if (control.isRoot) await writeFile(file, '');
        return;
      }
      const existing = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return '';
        throw err;
      });
      const header = existing.split(/\r?\n/, 1)[0];
      if (header !== '') columns = splitRow(header, separator);
      if (existing !== '' && !existing.endsWith('\n')) lineBreak = '\n';
    },
    async onEpochEnd(epoch, logs, control) {
      let text = lineBreak;
      lineBreak = '';
      if (!columns) {
        columns = ['epoch', ...Object.keys(logs)];
        text = joinRow(columns, separator);
      }
      const unknown = Object.keys(logs).filter((k) => !columns!.includes(k));
      if (unknown.length > 0) {
        throw new DendriteError(`Expected logs entries among the columns ${columns.map((c) => `'${c}'`).join(', ')} of ${file} for csvLogger `
          + `but received ${unknown.map((k) => `'${k}'`).join(', ')}${append ? ' (append keeps the existing header: use another file)' : ''}`);
      }
      text += joinRow(columns.map((c) => (c === 'epoch' ? String(epoch) : logs[c] === undefined ? '' : String(logs[c]))), separator);
      if (control.isRoot) await appendFile(file, text);
    },
  };
}

/** One CSV line; fields holding the separator, a quote or a line break are quoted (RFC 4180). */
function joinRow(fields: string[], separator: string): string {
  return `${fields.map((f) => (f.includes(separator) || /["\r\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(separator)}\n`;
}

/** The fields of one CSV line (quoted fields unquoted). */
function splitRow(line: string, separator: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      for (i++; i < line.length; i++) {
        if (line[i] !== '"') field += line[i];
        else if (line[i + 1] === '"') field += line[i++];
        else break;
      }
      i++;  // the closing quote
    }
    const next = line.indexOf(separator, i);
    field += line.slice(i, next === -1 ? line.length : next);
    fields.push(field);
    if (next === -1) return fields;
    i = next + separator.length;
  }
}
