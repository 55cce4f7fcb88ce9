// compare's building blocks: flag lists, learning rates, statistics and ranking, plots.
import { describe, expect, it } from 'vitest';
import { learningRate, OPTIMIZERS, parseLearningRates, parseList } from '../../src/cli/compare/grid.js';
import { stat, summarize } from '../../src/cli/compare/summary.js';
import { meanCurve } from '../../src/cli/compare/plots.js';
import { niceTicks, smallMultiples } from '../../src/cli/plot/svg.js';
import { parseIntegerFlag, parseIntegerList } from '../../src/cli/options.js';
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
    expect(() => parseLearningRates('adam=-1')).toThrow('Expected a positive number for --lr adam but received "-1"');
  });

  it('validates integers and integer lists', () => {
    expect(parseIntegerFlag('12', '--n')).toBe(12);
    expect(() => parseIntegerFlag('1.5', '--n')).toThrow('Expected an integer >= 1 for --n but received "1.5"');
    expect(parseIntegerList('64,32', '--hidden')).toEqual([64, 32]);
    expect(parseIntegerList('none', '--hidden')).toEqual([]);
    expect(() => parseIntegerList('64,x', '--hidden')).toThrow('for --hidden but received "64,x"');
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

  it('picks round ticks', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(1, 100, 5)).toEqual([20, 40, 60, 80, 100]);
  });
});
