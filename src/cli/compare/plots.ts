/**
 * compare's curves: for each mode, training loss and validation accuracy per
 * epoch, one panel per activation and one line per optimizer (means over seeds).
 * Every optimizer keeps one colour and dash pattern across the panels (lineStyle,
 * by its place in the grid); the accuracy axis is fitted to the data within [0, 1].
 */
import { smallMultiples, type Panel } from '../plot/svg.js';
import type { Curves, RunResult } from './run.js';
import type { Mode } from './grid.js';

/** One plot: its file stem and SVG text. */
export interface Plot {
  name: string;
  svg: string;
}

/** Element-wise mean of curves of possibly different lengths (NaN where no run has a value). */
export function meanCurve(curves: readonly (readonly number[])[]): number[] {
  const length = Math.max(0, ...curves.map((c) => c.length));
  return Array.from({ length }, (_, i) => {
    const values = curves.map((c) => c[i]).filter((v) => Number.isFinite(v));
    return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
  });
}

/** The loss and accuracy plots of every mode in the runs. */
export function comparePlots(runs: readonly RunResult[], dataName: string, seeds: number): Plot[] {
  const modes = [...new Set(runs.map((r) => r.mode))];
  const plots: Plot[] = [];
  for (const mode of modes) {
    const ofMode = runs.filter((r) => r.mode === mode);
    const what = `${dataName}, ${modeLabel(mode)}${seeds > 1 ? `, mean of ${seeds} seeds` : ''}`;
    plots.push({
      name: `loss-${mode}`,
      svg: smallMultiples(panels(ofMode, 'loss'), {
        title: `Training loss per epoch (${what})`, subtitle: 'one panel per activation, one line per optimizer; log scale',
        xLabel: 'epoch', yLabel: 'cross-entropy loss', logY: true,
      }),
    });
    plots.push({
      name: `accuracy-${mode}`,
      svg: smallMultiples(panels(ofMode, 'valAccuracy'), {
        title: `Validation accuracy per epoch (${what})`, subtitle: 'one panel per activation, one line per optimizer; y axis fitted to the data',
        xLabel: 'epoch', yLabel: 'accuracy', yBounds: [0, 1],
      }),
    });
  }
  return plots;
}

function panels(runs: readonly RunResult[], key: keyof Curves): Panel[] {
  const activations = [...new Set(runs.map((r) => r.activation))];
  const optimizers = [...new Set(runs.map((r) => r.optimizer))];
  return activations.map((activation) => ({
    title: activation === 'linear' ? 'linear (baseline: no activation)' : activation,
    series: optimizers.map((optimizer) => ({
      name: optimizer,
      values: meanCurve(runs.filter((r) => r.activation === activation && r.optimizer === optimizer).map((r) => r.curves[key])),
    })),
  }));
}

/** 'minibatch' → 'mini-batch GD (128 rows)' style labels. */
export function modeLabel(mode: Mode, batchSize?: number): string {
  if (mode === 'batch') return 'batch GD';
  if (mode === 'stochastic') return 'stochastic GD';
  return batchSize ? `mini-batch GD (${batchSize} rows)` : 'mini-batch GD';
}
