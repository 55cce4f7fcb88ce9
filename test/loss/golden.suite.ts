// Every golden PyTorch loss case (value and gradient) on every backend and ISA
// variant, with every accepted form of class targets.
// The suite runs on any backend variant: test/*/golden.test.ts (js, cpu ISA variants)
// and test/gpu/suites.ts (cuda, and the CUDA device math on the CPU).
import { expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { expectClose, golden, type Variant } from '../helpers.js';

interface Case { name: string; params: Record<string, unknown>; shape: number[]; predictions?: number[]; logits?: number[]; targets: number[]; loss: number; grad: number[] }
const cases = golden<Case>('losses');
const RTOL = 1e-5;
const ATOL = 1e-6;

function lossFor(c: Case): dd.Loss {
  if (c.name === 'mse') return dd.loss('mse');
  if (c.name === 'bce_with_logits') return dd.loss('binaryCrossEntropyWithLogits');
  return dd.loss('softmaxCrossEntropy', { labelSmoothing: c.params.labelSmoothing as number });
}

function targetForms(c: Case): [string, () => unknown][] {
  if (c.name !== 'softmax_cross_entropy') return [['Tensor', () => dd.tensor(new Float32Array(c.targets), c.shape)]];
  return [
    ['Int32Array', () => Int32Array.from(c.targets)],
    ['number[]', () => c.targets.slice()],
    ['Float32 Tensor [N]', () => dd.tensor(new Float32Array(c.targets), [c.targets.length])],
    ['Uint8Array', () => Uint8Array.from(c.targets)],
  ];
}

export function lossGolden(variant: Variant): void {
  for (const c of cases) {
    for (const [form, make] of targetForms(c)) {
      it(`${c.name} ${JSON.stringify(c.params)} targets as ${form}`, () => {
        variant.use();
        const loss = lossFor(c);
        const p = dd.tensor(new Float32Array(c.predictions ?? c.logits ?? []), c.shape);
        const targets = make() as dd.ClassTargets;
        const value = loss.forward(p, targets);
        expect(typeof value).toBe('number');
        expectClose([value], [c.loss], RTOL, ATOL, 'loss');
        const grad = loss.backward(p, targets);
        expect(grad.shape).toEqual(c.shape);
        expectClose(grad.data, c.grad, RTOL, ATOL, 'grad');
      });
    }
  }
}
