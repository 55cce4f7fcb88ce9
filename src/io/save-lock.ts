/**
 * The lock that serialises saves into one directory, across processes:
 * `dir/.dendrite-save.lock`, holding the saver's pid and host, created atomically (written
 * under a temporary name, then hard-linked: link fails when the lock exists, as O_EXCL).
 * A lock whose process is dead (same host, the pid gone) is stale and broken by the
 * next saver: renamed away first (only one breaker can win the rename), then checked
 * to be the lock it judged stale. Readers never take it.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { link, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DendriteError } from '../errors.js';
import { fsError } from './file-error.js';

/** The lock file's name in a save directory. */
export const LOCK_FILE = '.dendrite-save.lock';

/** How long a save waits for another one to finish before giving up. */
const WAIT_MS = 120_000;
/** A lock without a readable owner (its writer died between create and write) is stale after this. */
const UNREADABLE_STALE_MS = 5_000;

/** The codes of link() on file systems without hard links. */
const NO_LINKS = ['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV'];

interface Owner {
  pid: number;
  host: string;
}

/** True while a process of this pid exists (EPERM: it exists, owned by someone else). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseOwner(text: string): Owner | null {
  try {
    const o = JSON.parse(text) as Partial<Owner>;
    return Number.isSafeInteger(o.pid) && typeof o.host === 'string' ? { pid: o.pid!, host: o.host } : null;
  } catch {
    return null;
  }
}

/**
 * Take the save lock of `dir` (waiting while a live process holds it); resolves with
 * the function that releases it.
 * @throws DendriteError (ERR_DENDRITE_FILE_SYSTEM) when the directory is unusable or another save holds it too long
 */
export async function acquireSaveLock(dir: string): Promise<() => Promise<void>> {
  const file = path.join(dir, LOCK_FILE);
  const me = JSON.stringify({ pid: process.pid, host: hostname() });
  const started = Date.now();
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    // Written whole under a temporary name, then linked: the lock never exists without its owner.
    const temp = path.join(dir, `.dendrite-${randomUUID()}.lock.tmp`);
    try {
      await writeFile(temp, me, { flag: 'wx' });
      await link(temp, file).catch(async (err: NodeJS.ErrnoException) => {
        if (!NO_LINKS.includes(err.code ?? '')) throw err;
        await writeFile(file, me, { flag: 'wx' }); // a file system without hard links: O_EXCL
      });
      return () => unlink(file).catch(() => undefined);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // ENOENT: the saver holding the lock removed our temporary file as a dead save's: try again
      if (code !== 'EEXIST' && code !== 'ENOENT') throw fsError(err, file, 'a directory where a save can create its lock file');
    } finally {
      await unlink(temp).catch(() => undefined);
    }
    const text = await readFile(file, 'utf8').catch(() => null);
    if (text === null) continue; // released meanwhile
    if (await isStale(file, text)) {
      await breakLock(dir, file, text);
      continue;
    }
    if (Date.now() - started > WAIT_MS) {
      throw new DendriteError(`Expected no other save into ${dir} for more than ${WAIT_MS / 1000} s but received a lock held by ${text} (${file})`, 'ERR_DENDRITE_FILE_SYSTEM');
    }
    await sleep(wait);
  }
}

async function isStale(file: string, text: string): Promise<boolean> {
  const owner = parseOwner(text);
  if (owner === null) {
    const age = await stat(file).then((s) => Date.now() - s.mtimeMs, () => 0);
    return age > UNREADABLE_STALE_MS;
  }
  return owner.host === hostname() && !alive(owner.pid);
}

/** Remove a stale lock, unless another saver broke it and took a new one meanwhile (then put that one back). */
async function breakLock(dir: string, file: string, staleText: string): Promise<void> {
  const aside = path.join(dir, `.dendrite-${randomUUID()}.lock.tmp`);
  try {
    await rename(file, aside);
  } catch {
    return; // someone else broke or released it
  }
  const text = await readFile(aside, 'utf8').catch(() => null);
  if (text !== null && text !== staleText) await link(aside, file).catch(() => undefined); // a live lock: restore it (never over a newer one)
  await unlink(aside).catch(() => undefined);
}
