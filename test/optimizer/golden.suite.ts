// Every golden PyTorch optimizer trajectory (25 steps, incl. a zero-gradient and
// a x1e4 gradient step) on every backend and ISA variant, float32 tolerance
// rtol 1e-4 / atol 1e-5. NAdam follows the corrected PyTorch >= 2.0 formula.
// The suite runs on any backend variant: test/*/golden.test.ts (js, cpu ISA variants)
// and test/gpu/suites.ts (cuda, and the CUDA device math on the CPU).
import { it } from 'vitest';
import * as dd from '../../src/index.js';
import { expectClose, golden, type Variant } from '../helpers.js';

interface Case {
  name: string; optimizer: string; hyper: Record<string, unknown>; initialParams: number[];
  grads: number[][]; trajectory: number[][]; trajectoryFixedNadam?: number[][];
}
const CLASS: Record<string, keyof typeof dd.optimizers> = {
  sgd: 'SGD', adagrad: 'Adagrad', adadelta: 'Adadelta', rmsprop: 'RMSprop', adam: 'Adam', adamw: 'AdamW', adamax: 'Adamax', nadam: 'NAdam', radam: 'RAdam',
};
const cases = golden<Case>('optimizers');

export function optimizerGolden(variant: Variant): void {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    variant.use();
    const Cls = dd.optimizers[CLASS[c.optimizer]] as new (o: object) => dd.Optimizer;
    const opt = new Cls({ ...c.hyper });
    const p = new Float32Array(c.initialParams);
    const trajectory = c.optimizer === 'nadam' ? c.trajectoryFixedNadam! : c.trajectory;
    c.grads.forEach((g, s) => {
      opt.step([p], [new Float32Array(g)]);
      expectClose(p, trajectory[s], 1e-4, 1e-5, `step ${s}`);
    });
  });
}
