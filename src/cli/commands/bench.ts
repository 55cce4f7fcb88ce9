/** `dendrite bench`: the short benchmark suite, as a table and JSON. */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import * as dd from '../../index.js';
import { addOutputOptions, applyRuntime, paragraphs } from '../common.js';
import { jsonNumbers, Output } from '../output.js';
import { ProgressBar } from '../progress.js';
import { makeOutputDirectory, requireOutputDirectory } from '../paths.js';
import { textTable } from '../report/table.js';
import { FULL, QUICK, runBench, type BenchRow } from '../bench/suite.js';

interface BenchFlags {
  quick?: boolean;
  peers: boolean;
  threads?: string;
  out: string;
  quiet?: boolean;
  json?: boolean;
}

/** The `bench` command. */
export function benchCommand(): Command {
  const cmd = new Command('bench')
    .summary('short benchmarks: activations, an optimizer step, MLP training; native cpu vs pure js')
    .description(paragraphs([
      'Time activations (GB/s), one Adam step (ms) and the training of an MLP 784-256-128-10 (samples/s)',
      'on the native cpu backend and the pure-JS backend, plus tfjs and brain.js when they are installed',
      '(in this project or in dendrite\'s bench/ folder). Writes bench.json into --out. About 15 s;',
      '--quick: about 3 s. The full suite with PyTorch and a C roof is `npm run bench` in a dendrite checkout.',
    ]))
    .option('--quick', 'smaller sizes and shorter windows (indicative only)')
    .option('--no-peers', 'skip tfjs and brain.js')
    .option('--threads <n>', 'native threads (default: all cores)')
    .option('--out <dir>', 'directory for bench.json', 'dendrite-out');
  addOutputOptions(cmd);
  return cmd.action((flags: BenchFlags) => runBenchCommand(flags));
}

async function runBenchCommand(flags: BenchFlags): Promise<void> {
  const out = new Output(flags);
  const threads = applyRuntime(flags.threads, undefined);
  await requireOutputDirectory(flags.out, '--out');
  const settings = { ...(flags.quick ? QUICK : FULL), peers: flags.peers };
  const bar = new ProgressBar(out.progress, settings.peers ? 8 : 7, 'bench');
  const t0 = performance.now();
  const { rows, notes } = await runBench(settings, (what) => {
    bar.status(what);
    bar.tick(`bench: ${what}`);
  });
  bar.stop();
  const cpu = dd.backends().find((b) => b.name === 'cpu');
  const result = {
    dendrite: { version: dd.version, isa: cpu?.isa ?? null, threads },
    machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version, platform: `${os.platform()}-${os.arch()}` },
    quick: Boolean(flags.quick),
    seconds: (performance.now() - t0) / 1000,
    rows,
    notes,
  };
  await makeOutputDirectory(flags.out, '--out');
  const file = path.join(flags.out, 'bench.json');
  await writeFile(file, `${JSON.stringify(result, jsonNumbers, 2)}\n`);
  out.result({ ...result, file });
  const peers = (['tfjs', 'brainjs'] as const).filter((p) => rows.some((r) => r[p] !== null));
  const head = ['benchmark', 'unit', `cpu (${cpu?.isa ?? 'n/a'}, ${threads} thr)`, 'js', 'cpu vs js', ...peers.map((p) => (p === 'brainjs' ? 'brain.js' : p))];
  out.print(textTable(head, rows.map((r) => [r.name, r.unit, num(r.cpu), num(r.js), ratio(r), ...peers.map((p) => num(r[p]))])));
  out.print();
  for (const n of notes) out.print(`- ${n}`);
  out.print(`Wrote ${file} (${result.seconds.toFixed(1)} s)`);
}

function num(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '—';
  if (v >= 1e4) return Math.round(v).toLocaleString('en');
  return v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toPrecision(2);
}

/** How many times better cpu is than js (time units invert). */
function ratio(r: BenchRow): string {
  if (r.cpu === null || r.js === null) return '—';
  const x = r.unit === 'ms/step' ? r.js / r.cpu : r.cpu / r.js;
  return `${x >= 10 ? x.toFixed(0) : x.toFixed(1)}x`;
}
