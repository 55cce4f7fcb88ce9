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

/** Run a Python bench script that prints one JSON document (in peerEnv(): see openblasSetup). */
export function runPython(py, script, args, extraEnv = {}) {
  const out = execFileSync(py, [path.join(benchDir, script), ...args], { encoding: 'utf8', maxBuffer: 1 << 26, env: peerEnv(extraEnv) });
  return JSON.parse(out);
}

/** Every result file says which OpenBLAS kernels the peers ran on (see openblasSetup). */
export function writeResults(name, data) {
  const dir = path.join(benchDir, 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ machine: machine(), date: new Date().toISOString(), openblas: openblasReport(), ...data }, null, 2));
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

// ---------------------------------------------------------------------------
// The machine's own facts the peers and the peak depend on.

/** The CPU's feature flags from /proc/cpuinfo (an empty set off Linux). */
export function cpuFlags() {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags'));
    return new Set(line ? line.split(':')[1].trim().split(/\s+/) : []);
  } catch {
    return new Set();
  }
}

/** The first line of `cc --version`, or null when there is no such compiler. */
export function ccVersion(cc = process.env.CC || 'cc') {
  try {
    return execFileSync(cc, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0];
  } catch {
    return null;
  }
}

const built = new Map();
/**
 * Compile a bench C helper (`rel`, relative to bench/) into the build/ folder beside it,
 * as `name` (default: the file's name without .c), once per process and flag set:
 * { bin, compiler, flags } or { skipped }.
 */
export function buildHelper(rel, flags, libs = [], name = path.basename(rel, '.c')) {
  const key = [rel, name, ...flags, ...libs].join(' ');
  if (built.has(key)) return built.get(key);
  const cc = process.env.CC || 'cc';
  const compiler = ccVersion(cc);
  const src = path.join(benchDir, rel);
  const bin = path.join(path.dirname(src), 'build', name);
  let result;
  if (!compiler) {
    result = { skipped: `no C compiler (${cc})` };
  } else {
    mkdirSync(path.dirname(bin), { recursive: true });
    try {
      execFileSync(cc, [...flags, src, '-o', bin, ...libs], { stdio: ['ignore', 'ignore', 'pipe'] });
      result = { bin, compiler, flags: [...flags, ...libs].join(' ') };
    } catch (err) {
      result = { skipped: `${cc} could not build bench/${rel}: ${String(err.stderr || err.message).split('\n')[0]}` };
    }
  }
  built.set(key, result);
  return result;
}

// ---------------------------------------------------------------------------
// OpenBLAS for the peers.
//
// This machine's environment sets OPENBLAS_CORETYPE=Haswell and OPENBLAS_L2_SIZE, which
// pin OpenBLAS (and so Debian's PyTorch, which multiplies on the same system OpenBLAS)
// to its AVX2 kernels. On an AVX-512 CPU that runs the OpenBLAS peers at half their
// strength, and a benchmark against a hobbled peer is not an honest one. The peers' child
// processes (and only theirs: this process, the tests and CI keep the environment as it
// is) get the environment without those variables, once OpenBLAS's own kernel choice on
// this CPU has passed a correctness check (bench/openblas/openblas_check.c: cblas_sgemm
// on odd sizes, plain and transposed, 1 and 2 threads, against a double reference). If
// the check fails, or cannot run, the variables stay as set and the output says so.

const FORCED_VARS = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'];
const MAX_REL_ERR = 1e-3; // of the largest |reference| entry; a sound fp32 kernel is near 1e-6 here
let openblas = null;

function envWithout(names) {
  const env = { ...process.env };
  for (const n of names) delete env[n];
  return env;
}

/**
 * Which OpenBLAS the peers run on, checked once per process (cached):
 * { removed, forcedVars, corename, config, corenameWithVars, check, note }.
 * `removed`: the peers' environment lacks FORCED_VARS; `corename` / `config`: what
 * OpenBLAS reports in the environment the peers get.
 */
export function openblasSetup() {
  if (openblas) return openblas;
  const forcedVars = Object.fromEntries(FORCED_VARS.filter((n) => process.env[n] !== undefined).map((n) => [n, process.env[n]]));
  const forced = Object.keys(forcedVars).length > 0;
  const helper = buildHelper('openblas/openblas_check.c', ['-std=c11', '-O2'], ['-lopenblas', '-lm']);
  if (helper.skipped) {
    openblas = { removed: false, forcedVars, corename: null, config: null, corenameWithVars: null, check: null,
      note: `not checked (${helper.skipped})${forced ? `: the peers keep ${Object.keys(forcedVars).join(', ')} as set` : ''}` };
    return openblas;
  }
  const run = (env) => {
    try {
      return JSON.parse(execFileSync(helper.bin, [], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60e3 }));
    } catch (err) {
      // e.g. killed by SIGILL: a kernel this CPU cannot run
      return { failed: err.signal ? `killed by ${err.signal}` : String(err.stderr || err.message).split('\n')[0] };
    }
  };
  const given = run(process.env);
  const own = forced ? run(envWithout(FORCED_VARS)) : given;
  const summary = (r) => (r.failed ? { passed: false, failed: r.failed } : {
    passed: r.cases.every((c) => c.relErr < MAX_REL_ERR),
    maxAbsErr: Math.max(...r.cases.map((c) => c.maxAbsErr)),
    maxRelErr: Math.max(...r.cases.map((c) => c.relErr)),
    cases: r.cases.map((c) => `${c.m}x${c.n}x${c.k} ${c.transA ? 'T' : 'N'}${c.transB ? 'T' : 'N'} ${c.threads}thr`),
  });
  const check = summary(own);
  const removed = forced && check.passed;
  const peers = removed ? own : given;
  const vars = Object.entries(forcedVars).map(([k, v]) => `${k}=${v}`).join(' ');
  const why = check.failed ?? `max error ${check.maxAbsErr.toExponential(1)}, ${check.maxRelErr.toExponential(1)} of the largest entry (limit ${MAX_REL_ERR})`;
  let note;
  if (removed) note = `${own.corename} (OpenBLAS's own choice on this CPU; ${vars} removed from the peers' environment after its sgemm check passed: ${why}; with them: ${given.corename ?? '?'})`;
  else if (forced) note = `${given.corename ?? '?'} (WARNING: OpenBLAS's own choice, ${own.corename ?? '?'}, failed the sgemm check: ${why}; so the peers keep ${vars})`;
  else note = `${own.corename ?? '?'} (no OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE set; sgemm check ${check.passed ? 'passed' : 'FAILED'}: ${why})`;
  openblas = {
    removed, forcedVars, corename: peers.corename ?? null, config: peers.config ?? null,
    corenameWithVars: forced ? given.corename ?? null : null, corenameOwn: own.corename ?? null, check, note,
  };
  return openblas;
}

/** The environment for a child process that runs OpenBLAS or PyTorch: see openblasSetup. */
export function peerEnv(extra = {}) {
  return { ...(openblasSetup().removed ? envWithout(FORCED_VARS) : process.env), ...extra };
}

/** The results files' `openblas` entry. */
export function openblasReport() {
  const { removed, forcedVars, corename, config, corenameWithVars, corenameOwn, check, note } = openblasSetup();
  return { corename, config, removedVars: removed ? Object.keys(forcedVars) : [], forcedVars, corenameWithVars, corenameOwn, check, note };
}

/** The header line every suite prints. */
export function openblasLine() {
  const o = openblasSetup();
  return `OpenBLAS of the peers: ${o.note}${o.config ? `; ${o.config}` : ''}`;
}

// ---------------------------------------------------------------------------
// FMA peak.

/**
 * The fp32 FMA peak at every vector width this CPU has (bench/peak/fma_peak.c, a
 * register-only loop of independent FMA chains per thread), at each thread count:
 * { gflops: { avx2: { 1: x, 2: y }, avx512: {...} }, widest, peak: gflops[widest], compiler, flags },
 * or { skipped }. "% of peak" uses the widest width: it is what the core can do.
 * The binary holds both widths (per-function target attributes, no -m flags) and is
 * asked only for those /proc/cpuinfo lists. One call measures once (~1 s): a suite
 * that runs several rounds keeps the best of its calls (bestPeak).
 */
export function fmaPeak(threads = [1, 2]) {
  const flags = cpuFlags();
  const widths = [];
  if (flags.has('avx2') && flags.has('fma')) widths.push('avx2');
  if (flags.has('avx512f')) widths.push('avx512');
  if (!widths.length) return { skipped: 'no AVX2+FMA on this CPU, no peak measured' };
  const helper = buildHelper('peak/fma_peak.c', ['-std=c11', '-O2', '-pthread']);
  if (helper.skipped) return { skipped: helper.skipped };
  try {
    const gflops = JSON.parse(execFileSync(helper.bin, [threads.join(','), ...widths], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
    const widest = widths.at(-1);
    return { gflops, widest, peak: gflops[widest], compiler: helper.compiler, flags: helper.flags };
  } catch (err) {
    return { skipped: `bench/peak/fma_peak failed: ${String(err.stderr || err.message).split('\n')[0]}` };
  }
}

/** The better of two fmaPeak() results, per width and thread count. */
export function bestPeak(a, b) {
  if (!a || a.skipped) return b;
  if (!b || b.skipped) return a;
  const gflops = Object.fromEntries(Object.entries(a.gflops).map(([w, byT]) =>
    [w, Object.fromEntries(Object.entries(byT).map(([t, v]) => [t, Math.max(v, b.gflops[w]?.[t] ?? 0)]))]));
  return { ...a, gflops, peak: gflops[a.widest] };
}

const WIDTH_BITS = { avx2: 256, avx512: 512 };
/** "FMA peak ...": both widths at each thread count, and which one the percentages use. */
export function peakLine(p) {
  if (!p || p.skipped) return `FMA peak: n/a (${p?.skipped ?? 'not measured'})`;
  const widths = Object.entries(p.gflops).map(([w, byT]) =>
    `${w} (${WIDTH_BITS[w]}-bit) ${Object.values(byT).map((v) => fmt(v, 1)).join(' / ')}`);
  const threads = Object.keys(p.gflops[p.widest]).join(' / ');
  return `FMA peak, GFLOP/s at ${threads} thread(s): ${widths.join(', ')}; % of peak against ${p.widest}`;
}

// ---------------------------------------------------------------------------

/**
 * `--isa=NAME`: run dendrite's native kernels on that variant (one of
 * native.isaVariants(), best first, e.g. avx512, avx2, scalar); the default is the
 * best. Returns the active variant as dd.backends() reports it.
 */
export function selectIsaFromArgs(dd, native) {
  const arg = process.argv.find((a) => a.startsWith('--isa='));
  if (arg) {
    const name = arg.slice('--isa='.length);
    if (!native.isaVariants().includes(name) || !native.selectIsa(name)) {
      throw new Error(`--isa=${name}: this build on this CPU has ${native.isaVariants().join(', ')}`);
    }
  }
  return dd.backends().find((b) => b.name === 'cpu').isa;
}

/**
 * The cache-line round trip between CPUs 0 and 1 in ns (bench/peak/core_latency.c), or
 * null where it cannot be measured (one CPU, no compiler). On a VM it tells how far apart
 * the host placed the two vCPUs, which every 2-thread figure depends on.
 */
export function coreToCoreNs() {
  if (os.cpus().length < 2) return null;
  const helper = buildHelper('peak/core_latency.c', ['-std=c11', '-O2', '-pthread']);
  if (helper.skipped) return null;
  try {
    const r = JSON.parse(execFileSync(helper.bin, [], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 30e3 }));
    return r.ns ?? null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------
// Seeded synthetic training data shared by the training benchmarks

/** A 32-bit LCG (Numerical Recipes constants): next() returns uint32 values. */
export function lcg(seed) {
  let a = seed >>> 0;
  return () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return a;
  };
}

/** rows x width uniform [-1, 1) floats and rows random classes in [0, classes), seeded. */
export function syntheticData(rows, width, classes, seed = 12345) {
  const next = lcg(seed);
  const x = new Float32Array(rows * width);
  for (let i = 0; i < x.length; i++) x[i] = (next() >>> 8) / 16777216 * 2 - 1;
  const y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) y[i] = (next() >>> 8) % classes;
  return { x, y };
}

/** A seeded permutation of 0..n-1 (Fisher-Yates). */
export function permutation(n, seed) {
  const next = lcg(seed);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = next() % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}
