/**
 * How model.save(dir) replaces a save so that a kill at any moment leaves a loadable
 * one, and readers in other processes never see a half switch, while the files stay
 * where PyTorch users look for them (model.json, weights.safetensors and
 * optimizer.safetensors directly in dir).
 *
 * A save (under the directory's lock, see save-lock.ts):
 * 1. writes each new file to `.dendrite-<saveId>.<file>.tmp` and fsyncs it;
 * 2. commits: writes the record `.dendrite-save.json` ({ saveId, files, remove })
 *    atomically (temp, fsync, rename, fsync the directory). From here on the new save
 *    is the current one;
 * 3. renames the temps over the live names and removes the files the new save does not
 *    have (an older optimizer.safetensors), fsyncs the directory;
 * 4. removes the record.
 * A kill before 2 leaves the old save (and temps, removed by the next save); after 2,
 * readers follow the record and the next save rolls it forward first (finishes 3 and 4).
 *
 * A reader takes, for each file, the record's temp while it exists, else the live file,
 * opens every file before reading, and checks that they carry one saveId (a save may
 * switch between its opens: it then tries again).
 */
import { randomUUID } from 'node:crypto';
import { readdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { isPlainObject } from '../validate.js';
import { syncDirectory, writeAndSync } from './atomic.js';
import { openFileSource, type ByteSource } from './byte-source.js';
import type { Chunks } from './chunks.js';
import { fileError, fsError } from './file-error.js';
import { parseJsonGuarded } from './json-guard.js';
import { alive } from './save-lock.js';
import { MODEL_FILE, OPTIMIZER_FILE, WEIGHTS_FILE } from './model-json.js';

/** The commit record's name in a save directory. */
export const RECORD_FILE = '.dendrite-save.json';
const RECORD_FORMAT = 'dendrite.save-commit';
const SAVE_FILES: readonly string[] = [WEIGHTS_FILE, OPTIMIZER_FILE, MODEL_FILE];
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** The temporary files of saves (and of broken locks): names only dendrite writes. */
const TEMP = new RegExp(`^\\.dendrite-(${UUID})\\.(model\\.json|weights\\.safetensors|optimizer\\.safetensors|record|lock)\\.tmp$`);
/** Temporary files of the earlier writer (`.<file>.<pid>.<hex>.tmp`), removed when their process is gone. */
const OLD_TEMP = /^\.(model\.json|weights\.safetensors|optimizer\.safetensors)\.(\d+)\.[0-9a-f]{12}\.tmp$/;

/** A commit record: the save that is current, the files it wrote, and those it removes. */
export interface SaveRecord {
  saveId: string;
  files: string[];
  remove: string[];
}

/** The temporary name of `file` in the save `saveId`. */
export function tempName(saveId: string, file: string): string {
  return `.dendrite-${saveId}.${file}.tmp`;
}

/** A new save id (a UUID: the pattern of the temporary names relies on it). */
export function newSaveId(): string {
  return randomUUID();
}

/**
 * The commit record of `dir`, or null when there is none (no save in progress or dead).
 * @throws DendriteError naming the record when it is not one dendrite wrote
 */
export async function readRecord(dir: string): Promise<SaveRecord | null> {
  const file = path.join(dir, RECORD_FILE);
  const source = await openFileSource(file, true);
  if (source === null) return null;
  try {
    if (source.size > 64 * 1024) throw fileError(file, 'a save commit record of at most 64 KiB', `${source.size} bytes`);
    const bytes = new Uint8Array(source.size);
    await source.read(bytes, 0);
    const json = parseJsonGuarded(new TextDecoder().decode(bytes), file, 'a save commit record (JSON)', 3);
    const names = (v: unknown) => Array.isArray(v) && v.every((n) => typeof n === 'string' && SAVE_FILES.includes(n));
    if (!isPlainObject(json) || json.format !== RECORD_FORMAT || typeof json.saveId !== 'string' || !new RegExp(`^${UUID}$`).test(json.saveId)
      || !names(json.files) || !names(json.remove)) {
      throw fileError(file, `a save commit record written by model.save() (format '${RECORD_FORMAT}')`, 'another file');
    }
    return { saveId: json.saveId, files: json.files as string[], remove: json.remove as string[] };
  } finally {
    await source.close();
  }
}

/**
 * Open the file `name` of the current save of `dir` for reading: the record's temp
 * while it exists, else the live file; null when the save has no such file.
 */
export async function openSaveFile(dir: string, record: SaveRecord | null, name: string): Promise<ByteSource | null> {
  if (record?.remove.includes(name)) return null;
  if (record?.files.includes(name)) {
    const temp = await openFileSource(path.join(dir, tempName(record.saveId, name)), true);
    if (temp !== null) return renamed(temp, path.join(dir, name));
  }
  return openFileSource(path.join(dir, name), true);
}

/** A temp file's source, named in errors as the live file it becomes. */
function renamed(source: ByteSource, name: string): ByteSource {
  return { name, size: source.size, read: (into, at) => source.read(into, at), close: () => source.close() };
}

/**
 * Finish the save a dead process committed (its record exists: rename its temps over the
 * live files, remove what it removed, drop the record), then remove the temporary files
 * of dead saves. Call it holding the directory's lock.
 */
export async function recoverDirectory(dir: string): Promise<void> {
  const record = await readRecord(dir).catch(() => null);
  if (record !== null) {
    await finishCommit(dir, record);
  } else {
    await unlink(path.join(dir, RECORD_FILE)).catch(() => undefined); // unreadable: not a committed save
  }
  const names = await readdir(dir).catch((err) => { throw fsError(err, dir, 'a readable directory'); });
  await Promise.all(names.map(async (name) => {
    const old = OLD_TEMP.exec(name);
    if (TEMP.test(name) || (old && !alive(Number(old[2])))) await unlink(path.join(dir, name)).catch(() => undefined);
  }));
}

/** One file of a save to write. */
export interface SaveFile {
  name: string;
  data: Chunks;
}

/**
 * Write a whole save into `dir` (steps 1-4 above); `remove` lists the live files the
 * new save does not have. Call it holding the directory's lock, after recoverDirectory.
 * A failure before the commit removes the temps and leaves the old save as it was; a
 * failure after it leaves the record, so readers and the next save see the new save.
 */
export async function commitSave(dir: string, saveId: string, files: readonly SaveFile[], remove: readonly string[]): Promise<void> {
  const written: string[] = [];
  try {
    for (const f of files) {
      const temp = path.join(dir, tempName(saveId, f.name));
      written.push(temp);
      await writeAndSync(temp, f.data, path.join(dir, f.name));
    }
    const record = JSON.stringify({ format: RECORD_FORMAT, saveId, files: files.map((f) => f.name), remove });
    const recordTemp = path.join(dir, tempName(saveId, 'record'));
    written.push(recordTemp);
    await writeAndSync(recordTemp, record, path.join(dir, RECORD_FILE));
    await syncDirectory(dir);
    await rename(recordTemp, path.join(dir, RECORD_FILE)).catch((err) => { throw fsError(err, path.join(dir, RECORD_FILE), 'a file that can be replaced'); });
  } catch (err) {
    await Promise.all(written.map((t) => unlink(t).catch(() => undefined)));
    throw err;
  }
  // Committed: from here on a failure leaves the record for readers and the next save.
  await syncDirectory(dir);
  await finishCommit(dir, { saveId, files: files.map((f) => f.name), remove: [...remove] });
}

/** Steps 3 and 4: the temps renamed over the live files, removed files unlinked, the record dropped. */
async function finishCommit(dir: string, record: SaveRecord): Promise<void> {
  for (const name of record.files) {
    const target = path.join(dir, name);
    await rename(path.join(dir, tempName(record.saveId, name)), target).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw fsError(err, target, 'a file that can be replaced'); // ENOENT: renamed already
    });
  }
  for (const name of record.remove) await unlink(path.join(dir, name)).catch(() => undefined);
  await syncDirectory(dir);
  await unlink(path.join(dir, RECORD_FILE)).catch(() => undefined);
  await syncDirectory(dir);
}
