/** Shared test helpers: golden fixtures, tolerance checks, backend/ISA variants. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as dd from '../src/index.js';
import { nativeAddon } from '../src/native.js';
import { Random } from '../src/random.js';

const GOLDEN_DIR = path.join(__dirname, 'fixtures', 'golden');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function golden<T = any>(family: string): T[] {
  return JSON.parse(readFileSync(path.join(GOLDEN_DIR, `${family}.json`), 'utf8')).cases as T[];
}

/** First index where |got - exp| > atol + rtol*|exp| (NaN must match NaN), or -1. */
export function firstMismatch(got: ArrayLike<number>, exp: ArrayLike<number>, rtol: number, atol: number): number {
  if (got.length !== exp.length) return 0;
  for (let i = 0; i < exp.length; i++) {
    const g = got[i];
    const e = exp[i];
    if (Number.isNaN(e) || Number.isNaN(g)) {
      if (Number.isNaN(e) !== Number.isNaN(g)) return i;
      continue;
    }
    if (g === e) continue; // also covers equal infinities
    if (!(Math.abs(g - e) <= atol + rtol * Math.abs(e))) return i;
  }
  return -1;
}

/** Throws a readable error when arrays differ beyond tolerance. */
export function expectClose(got: ArrayLike<number>, exp: ArrayLike<number>, rtol: number, atol: number, label = ''): void {
  const i = firstMismatch(got, exp, rtol, atol);
  if (i >= 0) {
    const msg = got.length !== exp.length
      ? `length ${got.length} != ${exp.length}`
      : `at [${i}]: got ${got[i]}, expected ${exp[i]} (|diff| ${Math.abs(got[i] - exp[i])}, tol ${atol + rtol * Math.abs(exp[i])})`;
    throw new Error(`${label} ${msg}`);
  }
}

export interface Variant {
  /** e.g. 'js', 'cpu/avx2', 'cpu/scalar' */
  label: string;
  /** Makes this variant active. */
  use(): void;
}

/** Every CPU kernel variant dendrite has, best first (native/dispatch/dispatch.cc). */
export const ALL_ISAS = ['avx512', 'avx2', 'scalar'] as const;
let missingNoted = false;

/** The variants this CPU supports; prints once per test file which ones it lacks (their cases do not run here). */
function supportedIsas(): string[] {
  const available = nativeAddon()?.isaVariants() ?? [];
  const missing = ALL_ISAS.filter((isa) => !available.includes(isa));
  if (nativeAddon() && missing.length && !missingNoted) {
    missingNoted = true;
    console.log(`note: this CPU does not support the ${missing.join(', ')} kernel variant(s): their cases are skipped here ` +
      '(avx512 needs AVX-512 F/DQ/BW/VL with the OS saving the ZMM state; avx2 needs AVX2 + FMA)');
  }
  return available;
}

/** Every backend and every native ISA variant available on this machine. */
export function variants(): Variant[] {
  const out: Variant[] = [{ label: 'js', use: () => dd.setBackend('js') }];
  const native = nativeAddon();
  if (native) {
    for (const isa of supportedIsas()) {
      out.push({
        label: `cpu/${isa}`,
        use: () => {
          dd.setBackend('cpu');
          native.selectIsa(isa);
        },
      });
    }
  }
  return out;
}

/** Back to the defaults: the cpu backend (if available) on its best ISA variant. */
export function restoreDefaults(): void {
  const native = nativeAddon();
  if (native) {
    native.selectIsa('auto');
    dd.setBackend('cpu');
  } else {
    dd.setBackend('js');
  }
}

/** Native ISA variants only (for kernel-vs-reference tests). */
export function isaVariants(): string[] {
  return supportedIsas();
}

/** Deterministic uniform [0, 1) numbers for reproducible random inputs (the library's seeded generator). */
export function rng(seed: number): () => number {
  const r = new Random(seed);
  return () => r.next();
}

/** Golden activation names (torch, snake_case) -> dendrite name and options. */
export function activationFromGolden(name: string, params: Record<string, unknown>): dd.Activation {
  switch (name) {
    case 'leaky_relu': return dd.activation('leakyRelu', { alpha: params.negativeSlope as number });
    case 'elu': return dd.activation('elu', { alpha: params.alpha as number });
    case 'gelu': return dd.activation('gelu', { approximate: 'none' });
    case 'gelu_tanh': return dd.activation('gelu', { approximate: 'tanh' });
    case 'silu': return dd.activation('silu');
    case 'softplus': return dd.activation('softplus', { beta: params.beta as number, threshold: params.threshold as number });
    case 'hardsigmoid': return dd.activation('hardSigmoid');
    case 'hardswish': return dd.activation('hardSwish');
    case 'log_softmax': return dd.activation('logSoftmax');
    default: return dd.activation(name as dd.ActivationName);
  }
}

/**
 * Whether the mpirun tests can run here: `mpirun` on PATH and a build with MPI;
 * otherwise why not (printed as the skip note).
 */
export function mpiSupport(): { ok: boolean; reason: string } {
  let mpirun = true;
  try {
    execFileSync('mpirun', ['--version'], { stdio: 'ignore' });
  } catch {
    mpirun = false;
  }
  if (!mpirun) return { ok: false, reason: 'mpirun not found (apt-get install openmpi-bin libopenmpi-dev)' };
  if (!dd.distributed.compiled) return { ok: false, reason: 'this dendrite build has no MPI (DENDRITE_MPI)' };
  return { ok: true, reason: '' };
}
