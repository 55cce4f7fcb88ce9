/** Runs the `dendrite` command the way a user does: `npx --no-install dendrite …` from the repository root. */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const root = path.join(__dirname, '..', '..');
const main = path.join(root, 'dist', 'cli', 'main.js');

/** The outcome of one command. */
export interface Ran {
  code: number;
  /** The signal that ended the process, if any (npm re-raises SIGINT on itself once its child exits). */
  signal?: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function assertBuilt(): void {
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build:ts\` before the CLI tests`);
}

/** `npx --no-install dendrite ...args` in the repository root. */
export function dendrite(args: string[], timeoutMs = 60_000): Promise<Ran> {
  assertBuilt();
  return new Promise((resolve) => {
    execFile('npx', ['--no-install', 'dendrite', ...args], { cwd: root, timeout: timeoutMs, env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' }, maxBuffer: 1 << 26 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

/** `node dist/cli/bin.js ...args` in another working directory (for defaults relative to it, such as --out). */
export function dendriteIn(cwd: string, args: string[], timeoutMs = 60_000): Promise<Ran> {
  assertBuilt();
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(root, 'dist', 'cli', 'bin.js'), ...args], { cwd, timeout: timeoutMs, env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' }, maxBuffer: 1 << 26 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

/** `mpirun --oversubscribe -np <ranks> npx --no-install dendrite ...args` in the repository root (allowed as root). */
export function mpiDendrite(ranks: number, args: string[], timeoutMs = 60_000): Promise<Ran> {
  assertBuilt();
  const env = { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1' };
  return new Promise((resolve) => {
    execFile('mpirun', ['--oversubscribe', '-np', String(ranks), 'npx', '--no-install', 'dendrite', ...args], { cwd: root, timeout: timeoutMs, env, maxBuffer: 1 << 26 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

/**
 * Start `npx --no-install dendrite ...args` in its own process group, wait until stderr matches
 * `ready`, wait `delayMs`, then send SIGINT to the group (what Ctrl-C in a terminal does).
 */
export function interrupted(args: string[], ready: RegExp, delayMs = 500, timeoutMs = 60_000): Promise<Ran> {
  assertBuilt();
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['--no-install', 'dendrite', ...args], { cwd: root, detached: true, env: { ...process.env, FORCE_COLOR: '0' } });
    let stdout = '';
    let stderr = '';
    let sent = false;
    const timer = setTimeout(() => { process.kill(-child.pid!, 'SIGKILL'); reject(new Error(`timed out; stderr: ${stderr}`)); }, timeoutMs);
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => {
      stderr += d;
      if (!sent && ready.test(stderr)) {
        sent = true;
        setTimeout(() => process.kill(-child.pid!, 'SIGINT'), delayMs);
      }
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128, signal, stdout, stderr });
    });
  });
}

/** A fresh temporary directory. */
export function tempDir(prefix = 'dendrite-cli-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}
