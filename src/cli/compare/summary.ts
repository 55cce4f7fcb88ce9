/**
 * Aggregation of compare's runs: one row per (mode, activation, optimizer)
 * with mean ± std over seeds, ranked by validation accuracy.
 */
import type { RunResult } from './run.js';
import type { Mode } from './grid.js';

/** Mean, sample standard deviation (0 for one value) and count of the finite values. */
export interface Stat {
  mean: number;
  std: number;
  n: number;
}

/** One ranked row of the compare table. */
export interface SummaryRow {
  rank: number;
  mode: Mode;
  activation: string;
  optimizer: string;
  lr: number;
  /** Runs (seeds) aggregated. */
  runs: number;
  trainLoss: Stat;
  trainAccuracy: Stat;
  valLoss: Stat;
  valAccuracy: Stat;
  /** Epochs to reach the target validation accuracy, over the runs that reached it (n = how many). */
  epochsToTarget: Stat;
  seconds: Stat;
  diverged: number;
  aborted: number;
  /** The linear baseline (no non-linearity). */
  baseline: boolean;
}

/** Mean and sample std of the finite values. */
export function stat(values: readonly number[]): Stat {
  const finite = values.filter((v) => Number.isFinite(v));
  const n = finite.length;
  if (n === 0) return { mean: NaN, std: NaN, n: 0 };
  const mean = finite.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(finite.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std, n };
}

/** Group the runs by (mode, activation, optimizer) and rank: validation accuracy, then validation loss, then time. */
export function summarize(runs: readonly RunResult[]): SummaryRow[] {
  const groups = new Map<string, RunResult[]>();
  for (const r of runs) {
    const key = `${r.mode}\u0000${r.activation}\u0000${r.optimizer}`;
    const list = groups.get(key);
    if (list) list.push(r);
    else groups.set(key, [r]);
  }
  const rows: SummaryRow[] = [...groups.values()].map((g) => ({
    rank: 0,
    mode: g[0].mode,
    activation: g[0].activation,
    optimizer: g[0].optimizer,
    lr: g[0].lr,
    runs: g.length,
    trainLoss: stat(g.map((r) => r.final.loss)),
    trainAccuracy: stat(g.map((r) => r.final.accuracy)),
    valLoss: stat(g.map((r) => r.final.valLoss)),
    valAccuracy: stat(g.map((r) => r.final.valAccuracy)),
    epochsToTarget: stat(g.map((r) => r.epochsToTarget ?? NaN)),
    seconds: stat(g.map((r) => r.seconds)),
    diverged: g.filter((r) => r.status === 'diverged').length,
    aborted: g.filter((r) => r.status === 'aborted').length,
    baseline: g[0].activation === 'linear',
  }));
  const orNeg = (v: number) => (Number.isFinite(v) ? v : -Infinity);
  const orPos = (v: number) => (Number.isFinite(v) ? v : Infinity);
  rows.sort((a, b) => orNeg(b.valAccuracy.mean) - orNeg(a.valAccuracy.mean)
    || orPos(a.valLoss.mean) - orPos(b.valLoss.mean)
    || a.seconds.mean - b.seconds.mean);
  rows.forEach((r, i) => { r.rank = i + 1; });
  return rows;
}
