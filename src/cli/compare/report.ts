/**
 * compare's outputs: the ranked table (terminal and Markdown), results.json,
 * results.csv, results.md and the plots (SVG, and PNG when a renderer loads).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { jsonNumbers } from '../output.js';
import { makeOutputDirectory } from '../paths.js';
import { svgToPng } from '../plot/png.js';
import { csvText, markdownTable, textTable, type Align } from '../report/table.js';
import { comparePlots, modeLabel } from './plots.js';
import { describeModel, type CompareConfig, type RunResult } from './run.js';
import type { Stat, SummaryRow } from './summary.js';
import type { BackendComparison } from './versus-js.js';

/** Everything compare reports. */
export interface CompareReport {
  /** ranks: processes of a data-parallel job (compare --distributed under mpirun), 1 otherwise. */
  dendrite: { version: string; backend: string; isa?: string; threads: number; ranks?: number };
  data: { name: string; description: string; features: number; inputShape?: number[]; classes: number; trainRows: number; testRows: number };
  config: Omit<CompareConfig, 'data'>;
  interrupted: boolean;
  seconds: number;
  summary: SummaryRow[];
  jsComparison: BackendComparison | null;
  runs: RunResult[];
}

const fixed = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');

/** A Stat as "mean" (one run) or "mean ± std". */
export function formatStat(s: Stat, digits: number, withStd: boolean): string {
  if (s.n === 0) return 'n/a';
  return withStd && s.n > 1 ? `${fixed(s.mean, digits)} ± ${fixed(s.std, digits)}` : fixed(s.mean, digits);
}

/** The header and cells of the ranked table. */
export function tableCells(summary: readonly SummaryRow[], target: number, seeds: number): { head: string[]; rows: string[][]; align: Align[] } {
  const std = seeds > 1;
  const head = ['#', 'activation', 'optimizer', 'mode', 'lr', 'train loss', 'train acc', 'val loss', 'val acc', `epochs to ${Math.round(target * 1000) / 10}%`, 'time (s)'];
  const align: Align[] = ['right', 'left', 'left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'];
  const rows = summary.map((r) => {
    const failed = r.diverged === r.runs ? 'diverged' : null;
    const reached = r.epochsToTarget.n === 0 ? '—'
      : `${fixed(r.epochsToTarget.mean, r.epochsToTarget.n > 1 ? 1 : 0)}${r.epochsToTarget.n < r.runs ? ` (${r.epochsToTarget.n}/${r.runs})` : ''}`;
    const notes = [r.diverged && !failed ? `${r.diverged} diverged` : '', r.aborted ? 'interrupted' : ''].filter(Boolean).join(', ');
    return [
      String(r.rank),
      r.baseline ? 'linear (baseline)' : r.activation,
      r.optimizer,
      r.mode,
      String(r.lr),
      failed ?? formatStat(r.trainLoss, 4, std),
      failed ?? formatStat(r.trainAccuracy, 3, std),
      failed ?? formatStat(r.valLoss, 4, std),
      (failed ?? formatStat(r.valAccuracy, 3, std)) + (notes ? ` (${notes})` : ''),
      reached,
      formatStat(r.seconds, 2, std),
    ];
  });
  return { head, rows, align };
}

/** The ranked table as terminal text. */
export function rankedTable(report: CompareReport): string {
  const { head, rows, align } = tableCells(report.summary, report.config.target, report.config.seeds);
  return textTable(head, rows, align);
}

/** One-paragraph reading of the results: the winner, the baseline, native vs JS. */
export function verdict(report: CompareReport): string[] {
  const lines: string[] = [];
  const best = report.summary[0];
  if (!best) return ['No run finished.'];
  const pct = (v: number) => `${fixed(v * 100, 1)}%`;
  if (report.interrupted) lines.push(`Interrupted: partial results (${report.runs.length} runs; the last one stopped early).`);
  lines.push(`Best: ${best.activation} + ${best.optimizer} (${modeLabel(best.mode, report.config.batchSize)}, lr ${best.lr}): validation accuracy ${pct(best.valAccuracy.mean)}.`);
  const byActivation = new Map<string, SummaryRow>();
  for (const r of report.summary) if (!byActivation.has(r.activation)) byActivation.set(r.activation, r);
  const baseline = byActivation.get('linear');
  if (baseline) {
    const above = [...byActivation.values()].filter((r) => !r.baseline && r.rank < baseline.rank).map((r) => r.activation);
    const why = report.config.model === 'cnn'
      ? 'without an activation the convolutions and dense layers are linear maps, and max pooling is the only non-linearity'
      : 'without a non-linearity, stacked layers collapse into one linear map';
    lines.push(`Linear baseline (no activation) at best ${pct(baseline.valAccuracy.mean)} (rank ${baseline.rank}): ${why}${above.length ? `; ${above.join(', ')} beat it` : ''}.`);
  }
  const vs = report.jsComparison;
  if (vs) {
    lines.push(`Native next to pure JS (${vs.activation} + ${vs.optimizer}, ${vs.rows} rows x ${vs.epochs} epochs): cpu ${fmtRate(vs.cpu.samplesPerSec)} samples/s, js ${fmtRate(vs.js.samplesPerSec)} samples/s: ${fixed(vs.speedup, 1)}x faster; final losses ${fixed(vs.cpu.loss, 5)} vs ${fixed(vs.js.loss, 5)}.`);
  }
  return lines;
}

/** 12345 → "12.3k". */
export function fmtRate(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  return v.toFixed(0);
}

/**
 * Write results.json, results.csv, results.md and the plots into `dir`.
 * @returns the paths written, and a note when PNG rendering is unavailable
 */
export async function writeCompareFiles(dir: string, report: CompareReport, plots = true): Promise<{ files: string[]; note?: string }> {
  await makeOutputDirectory(dir, '--out');
  const files: string[] = [];
  const put = async (name: string, data: string | Uint8Array) => {
    const file = path.join(dir, name);
    await writeFile(file, data);
    files.push(file);
  };
  await put('results.json', `${JSON.stringify(report, jsonNumbers, 2)}\n`);
  await put('results.csv', resultsCsv(report));
  let note: string | undefined;
  const drawn = plots ? comparePlots(report.runs, report.data.name, report.config.seeds) : [];
  for (const plot of drawn) {
    await put(`${plot.name}.svg`, plot.svg);
    const png = svgToPng(plot.svg);
    if (png) await put(`${plot.name}.png`, png);
    else note = 'PNG plots skipped: @resvg/resvg-js could not be loaded on this platform (the SVG plots were written)';
  }
  await put('results.md', resultsMarkdown(report, drawn.map((p) => p.name)));
  return { files, note };
}

function resultsCsv(report: CompareReport): string {
  const head = ['rank', 'mode', 'activation', 'optimizer', 'lr', 'runs', 'train_loss', 'train_loss_std', 'train_accuracy', 'train_accuracy_std',
    'val_loss', 'val_loss_std', 'val_accuracy', 'val_accuracy_std', 'epochs_to_target', 'runs_reaching_target', 'seconds', 'diverged', 'interrupted'];
  const num = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(6)) : '');
  const rows = report.summary.map((r) => [
    r.rank, r.mode, r.activation, r.optimizer, r.lr, r.runs,
    num(r.trainLoss.mean), num(r.trainLoss.std), num(r.trainAccuracy.mean), num(r.trainAccuracy.std),
    num(r.valLoss.mean), num(r.valLoss.std), num(r.valAccuracy.mean), num(r.valAccuracy.std),
    num(r.epochsToTarget.mean), r.epochsToTarget.n, num(r.seconds.mean), r.diverged, r.aborted,
  ]);
  return csvText(head, rows);
}

function resultsMarkdown(report: CompareReport, plots: string[]): string {
  const { head, rows, align } = tableCells(report.summary, report.config.target, report.config.seeds);
  const c = report.config;
  const lines = [
    `# dendrite compare: ${report.data.name}`,
    '',
    `${report.data.description}; ${report.data.trainRows} training rows, ${report.data.testRows} validation rows.`,
    '',
    `${describeModel(c.model ?? 'mlp', report.data, c.hidden)} (softmax cross-entropy), ${c.epochs} epochs, `
      + `${c.seeds} seed${c.seeds > 1 ? 's' : ''}, modes: ${c.modes.map((m) => modeLabel(m, c.batchSize)).join(', ')}. `
      + `dendrite ${report.dendrite.version}, backend ${report.dendrite.backend}${report.dendrite.isa ? ` (${report.dendrite.isa})` : ''}, ${report.dendrite.threads} thread(s)`
      + `${(report.dendrite.ranks ?? 1) > 1 ? ` x ${report.dendrite.ranks} data-parallel ranks (batch size per rank)` : ''}; ${report.seconds.toFixed(1)} s in all.`
      + (report.interrupted ? ' **Interrupted**: partial results.' : ''),
    '',
    `Ranked by validation accuracy${c.seeds > 1 ? ' (mean ± std over seeds)' : ''}; "epochs to" is the first epoch reaching ${c.target * 100}% validation accuracy.`,
    '',
    markdownTable(head, rows, align),
    '',
    ...verdict(report).map((l) => `- ${l}`),
    '',
    ...plots.map((p) => `![${p}](${p}.svg)`),
    '',
  ];
  return lines.join('\n');
}
