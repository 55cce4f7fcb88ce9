// Saves that survive kill -9, and readers that never see a half switch (issue 16, item 5).
// A child process (dist/, see hardening-saver.cjs) saves generation after generation of a
// model whose every weight is its generation number; the parent kills it with SIGKILL at
// random moments and checks that the directory always loads as one complete generation,
// and that the next successful save leaves no temporary file. Another child saves while
// the parent loads in a loop: every load gives one complete generation.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';

const root = mkdtempSync(path.join(tmpdir(), 'dendrite-crash-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const saver = path.join(__dirname, 'hardening-saver.cjs');
const FILES = ['model.json', 'optimizer.safetensors', 'weights.safetensors'];

if (!existsSync(path.join(__dirname, '..', '..', 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build:ts` before the crash tests');

/** Seeded generator (mulberry32) for reproducible kill times. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Child {
  process: ChildProcess;
  ready: Promise<void>;
  /** The last generation whose save resolved. */
  saved: () => number;
  exit: Promise<void>;
  stderr: () => string;
}

function startSaver(dir: string, from: number, count = 1e9): Child {
  const child = spawn(process.execPath, [saver, dir, String(from), String(count)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let saved = from - 1;
  let stderr = '';
  let out = '';
  let onReady: () => void;
  const ready = new Promise<void>((resolve) => { onReady = resolve; });
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    const lines = out.split('\n');
    out = lines.pop()!;
    for (const line of lines) {
      if (line === 'ready') onReady();
      const m = /^saved (\d+)$/.exec(line);
      if (m) saved = Number(m[1]);
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const exit = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return { process: child, ready, saved: () => saved, exit, stderr: () => stderr };
}

/** The generation of a loaded model: every weight must be the same number (a complete save). */
function generationOf(model: dd.Sequential): number {
  const weights = model.getWeights();
  const g = weights[0][0];
  for (const w of weights) {
    for (let i = 0; i < w.length; i++) if (w[i] !== g) throw new Error(`a mixed save: ${w[i]} next to ${g}`);
  }
  return g;
}

function saverModel(g: number): dd.Sequential {
  const model = dd.sequential([dd.layers.dense({ inputSize: 64, units: 256 }), dd.layers.dense({ units: 128 })]);
  model.compile({ optimizer: new dd.optimizers.SGD({ lr: 0.1, momentum: 0.9 }), loss: 'mse' });
  model.setWeights(model.getWeights().map((w) => w.fill(g)));
  return model;
}

describe('kill -9 during model.save', () => {
  it('after each of 40 kills at random moments, the directory loads as a complete old or new save; the next save removes every temporary file', async () => {
    const dir = path.join(root, 'killed');
    await saverModel(0).save(dir, { includeOptimizer: true });
    const r = random(16);
    let next = 1;
    let midSave = 0;
    for (let kill = 0; kill < 40; kill++) {
      const child = startSaver(dir, next);
      await child.ready;
      await new Promise((resolve) => setTimeout(resolve, r() * 120));
      child.process.kill('SIGKILL');
      await child.exit;
      const confirmed = child.saved();
      const leftovers = readdirSync(dir).filter((f) => !FILES.includes(f));
      if (leftovers.length > 0) midSave++;

      const g = generationOf(await dd.loadModel(dir));
      // the last confirmed save, or the one it was writing (once committed)
      expect([Math.max(confirmed, next - 1), confirmed + 1], child.stderr()).toContain(g);

      next = Math.max(confirmed, g) + 1;
      await saverModel(next).save(dir, { includeOptimizer: true }); // the next successful save: it finishes or discards the dead one
      expect(readdirSync(dir).sort()).toEqual(FILES);
      expect(generationOf(await dd.loadModel(dir))).toBe(next);
      next++;
    }
    console.log(`kill -9 test: 40 kills, ${midSave} left a save in progress (temporary files, a record or a lock); every one loaded complete`);
    expect(midSave).toBeGreaterThan(0); // the kills did land inside saves
  });

  it('a stale lock of a dead process and temporary files of dead saves are removed by the next save', async () => {
    const dir = path.join(root, 'stale');
    await saverModel(1).save(dir, { includeOptimizer: true });
    writeFileSync(path.join(dir, '.dendrite-save.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname() }));
    writeFileSync(path.join(dir, '.dendrite-00000000-0000-4000-8000-000000000000.weights.safetensors.tmp'), 'partial');
    writeFileSync(path.join(dir, '.weights.safetensors.999999999.0123456789ab.tmp'), 'partial (the earlier writer)');
    writeFileSync(path.join(dir, 'notes.txt'), 'not ours');
    await saverModel(2).save(dir, { includeOptimizer: true });
    expect(readdirSync(dir).sort()).toEqual([...FILES, 'notes.txt'].sort());
    expect(generationOf(await dd.loadModel(dir))).toBe(2);
  });
});

describe('loadModel while another process saves', () => {
  it('every load in a loop gives one complete save: 0 failures', async () => {
    const dir = path.join(root, 'concurrent');
    await saverModel(0).save(dir, { includeOptimizer: true });
    const child = startSaver(dir, 1, 150);
    await child.ready;
    let running = true;
    void child.exit.then(() => { running = false; });
    let loads = 0;
    const failures: string[] = [];
    let last = 0;
    while (running) {
      try {
        const g = generationOf(await dd.loadModel(dir));
        if (g < last) failures.push(`generation ${g} after ${last}`);
        last = g;
      } catch (err) {
        failures.push((err as Error).message);
      }
      loads++;
    }
    console.log(`concurrent loads: ${loads} while 150 saves ran in another process, ${failures.length} failures`);
    expect(child.stderr()).toBe('');
    expect(failures).toEqual([]);
    expect(loads).toBeGreaterThan(20);
    expect(last).toBeGreaterThan(0);
  });

  it('two processes saving into one directory at once are serialised by the lock', async () => {
    const dir = path.join(root, 'two-savers');
    const a = startSaver(dir, 1, 30);
    const b = startSaver(dir, 1001, 30);
    await Promise.all([a.exit, b.exit]);
    expect(a.stderr() + b.stderr()).toBe('');
    expect(readdirSync(dir).sort()).toEqual(FILES);
    expect([30, 1030]).toContain(generationOf(await dd.loadModel(dir)));
  });
});
