// Shared benchmark helpers: timing, machine facts, tables, JSON results.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const benchDir = path.dirname(fileURLToPath(import.meta.url));
export const rootDir = path.join(benchDir, '..');

/**
 * Best throughput of `fn` over batches lasting about `batchSeconds`, after a
 * warm-up: seconds per call (the fastest batch, the least disturbed). The same
 * timing as `dendrite bench` (src/cli/bench/timing.ts), from the built package.
 */
export const { timeCall } = createRequire(import.meta.url)('../dist/cli/bench/timing.js');

export function machine() {
  const cpus = os.cpus();
  return { cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, node: process.version, platform: `${os.platform()}-${os.arch()}` };
}

/** The python3 with PyTorch (Debian's python3-torch lives at /usr/bin/python3), or null. */
export function torchPython() {
  for (const py of ['/usr/bin/python3', 'python3']) {
    try {
      execFileSync(py, ['-c', 'import torch'], { stdio: 'ignore' });
      return py;
    } catch { /* try the next one */ }
  }
  return null;
}

/** Run a Python bench script that prints one JSON document. */
export function runPython(py, script, args) {
  const out = execFileSync(py, [path.join(benchDir, script), ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  return JSON.parse(out);
}

export function writeResults(name, data) {
  const dir = path.join(benchDir, 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ machine: machine(), date: new Date().toISOString(), ...data }, null, 2));
  return file;
}

/** Print rows (arrays of cells) as an aligned plain-text table. */
export function printTable(header, rows) {
  const cells = [header, ...rows].map((r) => r.map((c) => String(c)));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(cells[0]));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells.slice(1)) console.log(line(r));
}

export const fmt = (v, digits = 2) => (v === null || v === undefined ? 'n/a' : v.toFixed(digits));

export function packageVersion() {
  return JSON.parse(readFileSync(path.join(rootDir, 'package.json'), 'utf8')).version;
}

/** CPU ticks of the whole machine and of this process and its finished children (Linux /proc), or null. */
export function cpuTicks() {
  try {
    const all = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const self = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ').slice(11, 15).map(Number);
    return { idle: all[3] + (all[4] || 0), total: all.reduce((a, b) => a + b, 0), self: self.reduce((a, b) => a + b, 0) };
  } catch {
    return null;
  }
}

/** Average cores kept busy by other processes between two cpuTicks() samples, or null. */
export function otherCores(a, b) {
  if (!a || !b || b.total <= a.total) return null;
  const perCore = (b.total - a.total) / os.cpus().length;
  return Math.max(0, (b.total - a.total - (b.idle - a.idle) - (b.self - a.self)) / perCore);
}
