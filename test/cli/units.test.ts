// compare's building blocks: flag lists, learning rates, statistics and ranking, plots.
import { describe, expect, it } from 'vitest';
import { learningRate, OPTIMIZERS, parseLearningRates, parseList } from '../../src/cli/compare/grid.js';
import { stat, summarize } from '../../src/cli/compare/summary.js';
import { comparePlots, meanCurve } from '../../src/cli/compare/plots.js';
import { DASHES, fitRange, lineStyle, niceTicks, PALETTE, smallMultiples } from '../../src/cli/plot/svg.js';
import { describeRange, parseIntegerFlag, parseIntegerList, parseNumberFlag, POSITIVE } from '../../src/cli/options.js';
import type { RunResult } from '../../src/cli/compare/run.js';

describe('flag parsing', () => {
  it('expands default and all, keeps order, drops duplicates, matches case-insensitively', () => {
    expect(parseList('relu,default', '--a', ['relu', 'tanh', 'gelu'], ['tanh', 'relu'])).toEqual(['relu', 'tanh']);
    expect(parseList('ALL', '--a', ['relu', 'tanh'], [])).toEqual(['relu', 'tanh']);
    expect(parseList('leakyrelu', '--a', ['leakyRelu'], [])).toEqual(['leakyRelu']);
    expect(() => parseList('relu,,', '--a', ['tanh'], [])).toThrow('Expected a comma-separated list of tanh (or default, all) for --a but received "relu"');
  });

  it('reads --lr as one rate or name=value pairs over the per-mode defaults', () => {
    expect(learningRate('adam', 'minibatch', parseLearningRates(undefined))).toBe(OPTIMIZERS.adam.lr.minibatch);
    expect(learningRate('sgd', 'stochastic', parseLearningRates('0.2'))).toBe(0.2);
    const some = parseLearningRates('adam=0.001, sgd=2');
    expect([learningRate('adam', 'batch', some), learningRate('sgd', 'batch', some), learningRate('rmsprop', 'batch', some)]).toEqual([0.001, 2, OPTIMIZERS.rmsprop.lr.batch]);
    expect([learningRate('adam', 'minibatch', {}, 784), learningRate('sgd', 'stochastic', {}, 784), learningRate('sgd', 'batch', some, 784)]).toEqual([0.003, 0.01, 2]);
    expect(() => parseLearningRates('lion=1')).toThrow(/for --lr but received "lion=1"/);
    expect(() => parseLearningRates('adam=-1')).toThrow('Expected a number > 0 for --lr adam but received "-1"');
    expect(() => parseLearningRates('-1')).toThrow('Expected a number > 0 for --lr but received "-1"');
  });

  it('validates integers and integer lists', () => {
    expect(parseIntegerFlag('12', '--n')).toBe(12);
    expect(() => parseIntegerFlag('1.5', '--n')).toThrow('Expected an integer >= 1 for --n but received "1.5"');
    expect(parseIntegerList('64,32', '--hidden')).toEqual([64, 32]);
    expect(parseIntegerList('none', '--hidden')).toEqual([]);
    expect(() => parseIntegerList('64,x', '--hidden')).toThrow('for --hidden but received "64,x"');
  });

  it('words ranges naturally: "a number > 0", "an integer >= 1", "a number in [0, 1)"', () => {
    expect(describeRange('a number', POSITIVE)).toBe('a number > 0');
    expect(describeRange('an integer', { min: 1 })).toBe('an integer >= 1');
    expect(describeRange('a number', { min: 0, max: 1, maxExclusive: true })).toBe('a number in [0, 1)');
    expect(describeRange('a number', { min: 0, max: 1, minExclusive: true })).toBe('a number in (0, 1]');
    expect(describeRange('a number', { max: 10, maxExclusive: true })).toBe('a number < 10');
    expect(describeRange('a number', {})).toBe('a number');
    expect(parseNumberFlag('0.5', '--lr', POSITIVE)).toBe(0.5);
    expect(() => parseNumberFlag('-1', '--lr', POSITIVE)).toThrow('Expected a number > 0 for --lr but received "-1"');
    expect(() => parseNumberFlag('0', '--lr', POSITIVE)).toThrow('Expected a number > 0 for --lr but received "0"');
    expect(() => parseNumberFlag('Infinity', '--lr', POSITIVE)).toThrow('Expected a number > 0');
    expect(parseNumberFlag('0', '--split', { min: 0, max: 1, maxExclusive: true })).toBe(0);
    expect(() => parseNumberFlag('1', '--split', { min: 0, max: 1, maxExclusive: true })).toThrow('Expected a number in [0, 1) for --split but received "1"');
    expect(() => parseIntegerFlag('0', '--n')).toThrow('Expected an integer >= 1 for --n but received "0"');
    expect(() => parseIntegerFlag('2000', '--threads', 1, 1024)).toThrow('Expected an integer in [1, 1024] for --threads but received "2000"');
  });
});

function run(activation: string, optimizer: string, seed: number, valAccuracy: number, status: RunResult['status'] = 'ok'): RunResult {
  return {
    mode: 'minibatch', activation, optimizer, lr: 0.01, seed, status, epochs: 3, seconds: 0.1,
    final: { loss: 0.5, accuracy: valAccuracy, valLoss: 1 - valAccuracy, valAccuracy },
    epochsToTarget: valAccuracy > 0.9 ? seed : null, curves: { loss: [1, 0.7, 0.5], accuracy: [], valLoss: [], valAccuracy: [] },
  };
}

describe('summary', () => {
  it('computes mean and sample std of finite values', () => {
    expect(stat([1, 3])).toEqual({ mean: 2, std: Math.SQRT2, n: 2 });
    expect(stat([2, NaN])).toEqual({ mean: 2, std: 0, n: 1 });
    expect(stat([]).n).toBe(0);
  });

  it('groups seeds and ranks by validation accuracy, diverged runs last', () => {
    const rows = summarize([
      run('linear', 'adam', 1, 0.4), run('relu', 'adam', 1, 0.95), run('relu', 'adam', 2, 0.99),
      run('tanh', 'sgd', 1, NaN, 'diverged'), run('linear', 'adam', 2, 0.42),
    ]);
    expect(rows.map((r) => [r.rank, r.activation, r.runs])).toEqual([[1, 'relu', 2], [2, 'linear', 2], [3, 'tanh', 1]]);
    expect(rows[0].valAccuracy.mean).toBeCloseTo(0.97);
    expect(rows[0].epochsToTarget).toEqual({ mean: 1.5, std: Math.SQRT1_2, n: 2 });
    expect(rows[1].baseline).toBe(true);
    expect(rows[2].diverged).toBe(1);
  });
});

describe('plots', () => {
  it('averages curves of different lengths', () => {
    expect(meanCurve([[1, 2, 3], [3, 4]])).toEqual([2, 3, 3]);
  });

  it('draws panels with a shared legend, skipping non-finite points', () => {
    const svg = smallMultiples([
      { title: 'relu', series: [{ name: 'adam', values: [1, 0.1, NaN, 0.01] }, { name: 'sgd', values: [1, 0.5] }] },
      { title: 'tanh <&>', series: [{ name: 'adam', values: [0.9, 0.3] }] },
    ], { title: 'Loss', xLabel: 'epoch', yLabel: 'loss', logY: true });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('tanh &lt;&amp;&gt;');
    expect(svg.match(/<path /g)).toHaveLength(3);
    expect(svg).not.toContain('NaN');
    expect(svg.match(/<line x1="\d+(\.\d+)?" y1="[\d.]+" x2="[\d.]+" y2="[\d.]+" stroke="#/g)!.length).toBeGreaterThanOrEqual(2);
  });

  it('fits the accuracy axis to the data: round limits, a small margin, within [0, 1]', () => {
    expect(fitRange(0.33, 0.98, [0, 1])).toEqual({ lo: 0.2, hi: 1 });
    expect(fitRange(0.85, 0.89, [0, 1])).toEqual({ lo: 0.845, hi: 0.895 });
    expect(fitRange(1, 1, [0, 1])).toEqual({ lo: 0.95, hi: 1 });
    expect(fitRange(0, 0, [0, 1])).toEqual({ lo: 0, hi: 0.05 });
    expect(fitRange(2, 7)).toEqual({ lo: 1, hi: 8 });
    for (const [min, max] of [[0.12, 0.91], [0.5, 0.51], [0.9, 1]]) {
      const { lo, hi } = fitRange(min, max, [0, 1]);
      expect(lo).toBeLessThanOrEqual(min);
      expect(hi).toBeGreaterThanOrEqual(max);
      expect(hi - lo).toBeLessThan((max - min) * 1.6 + 0.011);
    }
    // the chart's ticks follow the fitted range, not 0..1
    const svg = smallMultiples([{ title: 'relu', series: [{ name: 'adam', values: [0.81, 0.86, 0.88] }] }], { title: 'Accuracy', xLabel: 'epoch', yLabel: 'accuracy', yBounds: [0, 1] });
    const ticks = [...svg.matchAll(/text-anchor="end" fill="#555">([\d.]+)</g)].map((m) => Number(m[1]));
    expect(Math.min(...ticks)).toBeGreaterThanOrEqual(0.8);
    expect(Math.max(...ticks)).toBeLessThanOrEqual(0.9);
  });

  it('gives every optimizer of a compare grid its own (colour, dash) pair, the same in every panel', () => {
    const optimizers = Object.keys(OPTIMIZERS);
    const runs: RunResult[] = ['linear', 'relu', 'tanh'].flatMap((activation) => optimizers.map((optimizer, i) => ({
      ...run(activation, optimizer, 1, 0.5 + i / 40), curves: { loss: [1, 0.5], accuracy: [0.4, 0.6], valLoss: [1, 0.6], valAccuracy: [0.45, 0.5 + i / 40] },
    })));
    for (const plot of comparePlots(runs, 'spirals', 1)) {
      const legend = [...plot.svg.matchAll(/<line [^>]*?stroke="(#[0-9a-f]{6})"(?: stroke-dasharray="([\d. ]+)")? stroke-width="2.5"\/>\n<text [^>]*>([^<]+)</g)]
        .map((m) => ({ name: m[3], style: `${m[1]}|${m[2] ?? ''}` }));
      expect(legend.map((l) => l.name)).toEqual(optimizers);
      expect(new Set(legend.map((l) => l.style)).size).toBe(optimizers.length);
      const lines = [...plot.svg.matchAll(/<path d="[^"]*" fill="none" stroke="(#[0-9a-f]{6})"(?: stroke-dasharray="([\d. ]+)")?[^>]*><title>([^<]+)</g)];
      expect(lines).toHaveLength(3 * optimizers.length);
      for (const m of lines) expect(`${m[1]}|${m[2] ?? ''}`).toBe(legend.find((l) => l.name === m[3])!.style);
    }
    // the fixed palette, cycled deterministically: distinct pairs well beyond the 11 optimizers
    const pairs = Array.from({ length: PALETTE.length * DASHES.length }, (_, i) => `${lineStyle(i).color}|${lineStyle(i).dash}`);
    expect(new Set(pairs).size).toBe(pairs.length);
    expect(lineStyle(pairs.length)).toEqual(lineStyle(0));
    expect(new Set(Array.from({ length: PALETTE.length }, (_, i) => lineStyle(i).color)).size).toBe(PALETTE.length);
  });

  it('picks round ticks', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(1, 100, 5)).toEqual([20, 40, 60, 80, 100]);
  });
});
