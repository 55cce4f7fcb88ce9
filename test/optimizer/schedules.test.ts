// Golden PyTorch lr schedules (30 epochs each) plus ReduceLROnPlateau and OneCycleLR behaviour.
import { describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { expectClose, golden } from '../helpers.js';

interface Case { name: keyof typeof dd.schedules; baseLr: number | null; params: Record<string, unknown>; lrs: number[] }

describe('golden schedules', () => {
  it.each(golden<Case>('schedules').map((c) => [`${c.name} ${JSON.stringify(c.params)}`, c] as const))('%s', (_, c) => {
    const opt = new dd.optimizers.SGD({ lr: c.baseLr ?? (c.params.maxLr as number) });
    const Sched = dd.schedules[c.name] as unknown as new (o: dd.Optimizer, p: object) => dd.LRSchedule;
    const sched = new Sched(opt, { ...c.params });
    const lrs: number[] = [];
    for (let e = 0; e < c.lrs.length; e++) {
      lrs.push(opt.lr);
      sched.step();
    }
    expectClose(lrs, c.lrs, 1e-12, 1e-12);
  });
});

describe('ReduceLROnPlateau', () => {
  it('reduces after more than patience epochs without improvement, then cools down', () => {
    const opt = new dd.optimizers.Adam({ lr: 1 });
    const plateau = new dd.schedules.ReduceLROnPlateau(opt, { patience: 2, factor: 0.5, cooldown: 1 });
    const lrs = [5, 4, 4, 4, 4, 4, 4, 3].map((loss) => {
      plateau.step(loss);
      return opt.lr;
    });
    expect(lrs).toEqual([1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5]);
    expect(plateau.best).toBe(3);
  });

  it("'max' mode with an absolute threshold and a floor", () => {
    const opt = new dd.optimizers.SGD({ lr: 0.1 });
    const plateau = new dd.schedules.ReduceLROnPlateau(opt, { mode: 'max', patience: 0, threshold: 0.1, thresholdMode: 'abs', minLr: 0.05 });
    for (const acc of [0.5, 0.55, 0.56, 0.57]) plateau.step(acc);
    expect(opt.lr).toBe(0.05);
  });
});

describe('OneCycleLR', () => {
  it('cycles beta1 inversely to the lr and refuses steps past the cycle', () => {
    const opt = new dd.optimizers.Adam();
    const sched = new dd.schedules.OneCycleLR(opt, { maxLr: 0.1, totalSteps: 10 });
    expect(opt.momentum).toBeCloseTo(0.95, 12);
    for (let i = 0; i < 2; i++) sched.step();
    expect(opt.lr).toBeCloseTo(0.1, 12);
    expect(opt.momentum).toBeCloseTo(0.85, 12);
    for (let i = 2; i < 9; i++) sched.step();
    expect(opt.lr).toBeCloseTo(0.1 / 25 / 1e4, 15);
    sched.step(); // torch allows totalSteps calls; the last keeps the final lr
    expect(opt.lr).toBeCloseTo(0.1 / 25 / 1e4, 15);
    expect(() => sched.step()).toThrow('Expected at most 10 calls of step() for OneCycleLR (totalSteps 10) but received call 11');
  });

  it('three phases end at the minimum', () => {
    const opt = new dd.optimizers.SGD({ lr: 1, momentum: 0.9 });
    const sched = new dd.schedules.OneCycleLR(opt, { maxLr: 1, totalSteps: 20, threePhase: true, annealStrategy: 'linear' });
    const lrs = [opt.lr];
    for (let i = 0; i < 19; i++) {
      sched.step();
      lrs.push(opt.lr);
    }
    expect(lrs[5]).toBeCloseTo(1, 12); // peak at pctStart * total - 1
    expect(lrs[10]).toBeCloseTo(1 / 25, 12); // back to the initial lr
    expect(lrs[19]).toBeCloseTo(1 / 25 / 1e4, 15);
  });

  it('needs momentum to cycle', () => {
    expect(() => new dd.schedules.OneCycleLR(new dd.optimizers.SGD(), { maxLr: 1, totalSteps: 5 }))
      .toThrow('Expected an optimizer with momentum > 0 or beta1 for cycleMomentum (or cycleMomentum: false) but received SGD with momentum 0');
    expect(() => new dd.schedules.OneCycleLR(new dd.optimizers.Adagrad(), { maxLr: 1, totalSteps: 5 })).toThrow('received Adagrad');
  });
});

describe('schedule validation', () => {
  it('uses the house message', () => {
    const opt = new dd.optimizers.SGD();
    expect(() => new dd.schedules.StepLR(opt, { stepSize: 0 })).toThrow('Expected an integer >= 1 for stepSize but received 0');
    expect(() => new dd.schedules.ExponentialLR(opt, { gamma: -1 })).toThrow('Expected a finite number >= 0 for gamma but received -1');
    expect(() => new dd.schedules.StepLR({} as never, { stepSize: 1 })).toThrow('Expected a dd.optimizers instance for optimizer but received object');
    expect(() => new dd.schedules.CosineAnnealingLR(opt, { tMax: 5, etamin: 0 } as never)).toThrow("Expected one of the option names 'tMax', 'etaMin' for options.etamin");
    expect(() => new dd.schedules.ReduceLROnPlateau(opt).step(NaN)).toThrow('Expected a finite number for metric but received NaN');
  });
});
