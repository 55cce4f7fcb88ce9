// Every golden PyTorch activation case, forward and backward, on every backend
// and every native ISA variant, at rtol 1e-5 / atol 1e-6 (the acceptance bar).
// The suite runs on any backend variant: test/*/golden.test.ts (js, cpu ISA variants)
// and test/gpu/suites.ts (cuda, and the CUDA device math on the CPU).
import { expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { activationFromGolden, expectClose, golden, type Variant } from '../helpers.js';

interface Case { name: string; params: Record<string, unknown>; shape: number[]; x: number[]; upstream: number[]; y: number[]; grad: number[] }
const cases = golden<Case>('activations');
const RTOL = 1e-5;
const ATOL = 1e-6;

export function activationGolden(variant: Variant): void {
  it.each(cases.map((c) => [`${c.name} ${JSON.stringify(c.params)}`, c] as const))('%s', (_, c) => {
    variant.use();
    const act = activationFromGolden(c.name, c.params);
    const x = dd.tensor(new Float32Array(c.x), c.shape);
    const dy = dd.tensor(new Float32Array(c.upstream), c.shape);
    const y = act.forward(x);
    expect(y.shape).toEqual(c.shape);
    expectClose(y.data, c.y, RTOL, ATOL, 'forward');
    expectClose(act.backward(x, dy).data, c.grad, RTOL, ATOL, 'backward');
  });
}
