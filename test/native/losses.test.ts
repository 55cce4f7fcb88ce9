// Every native ISA variant's loss kernels (native/kernels/cpu/loss_kernels.inc) against
// the scalar variant's double-precision reference (native/kernels/ref/loss_ref.cc): at
// lengths and row widths around the vector widths, on views at odd offsets, in place
// (grad aliasing the input), with NaN, infinities and extreme logits.
import { afterAll, describe, expect, it } from 'vitest';
import { nativeAddon } from '../../src/native.js';
import * as dd from '../../src/index.js';
import { expectClose, isaVariants, restoreDefaults, rng, variants } from '../helpers.js';

const native = nativeAddon();
// (an empty input is rejected by the binding before any kernel runs)
const LENGTHS = [1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 1000, 1023];
const SHAPES: [number, number][] = [[1, 1], [3, 10], [7, 17], [128, 10], [5, 33], [2, 16], [4, 64], [3, 1000]];
const OFFSETS = [0, 1, 3];
const LOSS_RTOL = 1e-6;
const GRAD = { rtol: 1e-5, atol: 1e-6 };
const EXTREMES = [0, -0, 100, -100, 1e4, -1e4, 30, -30, 88, -88, 1e-30, 5, -5];

function fill(n: number, seed: number, scale: number, extremes = false): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = extremes && i % 3 === 0 ? EXTREMES[(i / 3) % EXTREMES.length | 0] : (r() * 2 - 1) * scale;
  return out;
}
/** A copy of src at element `offset` of a larger buffer (unaligned for offset > 0). */
function view(src: Float32Array, offset: number): Float32Array {
  const v = new Float32Array(src.length + offset + 2).fill(12345).subarray(offset, offset + src.length);
  v.set(src);
  return v;
}
function expectLoss(got: number, ref: number, label: string): void {
  if (Number.isNaN(ref)) return void expect(got, label).toBeNaN();
  if (got === ref) return; // also equal infinities
  expect(Math.abs(got - ref) <= LOSS_RTOL * Math.abs(ref) + 1e-12, `${label}: ${got} vs ${ref}`).toBe(true);
}

interface Run { loss: number; grad: Float32Array }
type Case = (offset: number, inPlace: boolean) => Run;

/** Runs `make` on the reference, then on every variant at every offset, in place and not. */
function compare(label: string, make: Case): void {
  for (const offset of OFFSETS) {
    for (const inPlace of [false, true]) {
      native!.selectIsa('scalar');
      const ref = make(offset, inPlace);
      for (const isa of isaVariants()) {
        native!.selectIsa(isa);
        const got = make(offset, inPlace);
        const where = `${label} on ${isa}, offset ${offset}${inPlace ? ', in place' : ''}`;
        expectLoss(got.loss, ref.loss, where);
        expectClose(got.grad, ref.grad, GRAD.rtol, GRAD.atol, where);
      }
    }
  }
}

afterAll(restoreDefaults);

describe.runIf(native)('loss kernels vs the scalar reference', () => {
  it('mse at lengths around the vector widths', () => {
    for (const n of LENGTHS) {
      const p = fill(n, n + 1, 50), t = fill(n, n + 2, 50);
      compare(`mse n=${n}`, (offset, inPlace) => {
        const pv = view(p, offset), tv = view(t, offset);
        const grad = inPlace ? pv : new Float32Array(n);
        return { loss: native!.mse(pv, tv, grad), grad: Float32Array.from(grad) };
      });
    }
  });

  it('bce with logits, extreme logits and fractional targets', () => {
    for (const n of LENGTHS) {
      const z = fill(n, n + 3, 20, true), y = fill(n, n + 4, 1).map((v) => Math.abs(v));
      compare(`bce n=${n}`, (offset, inPlace) => {
        const zv = view(z, offset), yv = view(y, offset);
        const grad = inPlace ? zv : new Float32Array(n);
        return { loss: native!.bceWithLogits(zv, yv, grad), grad: Float32Array.from(grad) };
      });
    }
  });

  it('softmax cross-entropy over rows around the vector widths, with label smoothing', () => {
    for (const [rows, cols] of SHAPES) {
      for (const smoothing of [0, 0.1]) {
        const z = fill(rows * cols, rows + cols, 30, true);
        const targets = Int32Array.from({ length: rows }, (_, r) => (r * 7 + 3) % cols);
        compare(`softmax CE ${rows}x${cols} eps=${smoothing}`, (offset, inPlace) => {
          const zv = view(z, offset);
          const grad = inPlace ? zv : new Float32Array(rows * cols);
          return { loss: native!.softmaxCrossEntropy(zv, targets, rows, cols, smoothing, grad), grad: Float32Array.from(grad) };
        });
      }
    }
  });

  it('NaN and infinities reach the loss and the gradients as in the reference', () => {
    const specials = [NaN, Infinity, -Infinity];
    for (const special of specials) {
      const z = fill(40, 9, 3);
      z[17] = special;
      const y = fill(40, 10, 1).map((v) => Math.abs(v));
      compare(`bce with ${special}`, () => {
        const grad = new Float32Array(40);
        return { loss: native!.bceWithLogits(z, y, grad), grad };
      });
      compare(`mse with ${special}`, () => {
        const grad = new Float32Array(40);
        return { loss: native!.mse(z, y, grad), grad };
      });
      compare(`softmax CE with ${special}`, () => {
        const grad = new Float32Array(40);
        return { loss: native!.softmaxCrossEntropy(z, new Int32Array([1, 2, 3, 4]), 4, 10, 0.1, grad), grad };
      });
    }
  });

  it('bce gradients keep their relative precision where sigmoid(z) rounds to 1 in float', () => {
    // |z| in [5, 17.6] with the target on z's side: the gradient is -+e^-|z| / n, which the
    // double reference keeps to ~1e-9 (a float sigmoid rounded to 1 would give 0).
    const n = 64;
    const z = Float32Array.from({ length: n }, (_, i) => (i % 2 ? 1 : -1) * (5 + 0.2 * i));
    const y = Float32Array.from({ length: n }, (_, i) => i % 2);
    native!.selectIsa('scalar');
    const ref = new Float32Array(n);
    native!.bceWithLogits(z, y, ref);
    for (const isa of isaVariants()) {
      native!.selectIsa(isa);
      const grad = new Float32Array(n);
      native!.bceWithLogits(z, y, grad);
      expectClose(grad, ref, GRAD.rtol, 0, `bce saturated on ${isa}`);
    }
  });

  it('writes nothing outside the gradient', () => {
    for (const isa of isaVariants()) {
      native!.selectIsa(isa);
      for (let n = 1; n <= 70; n++) {
        for (const offset of [0, 1, 3]) {
          const buf = new Float32Array(n + offset + 17).fill(12345);
          const grad = buf.subarray(offset, offset + n);
          const p = fill(n, n, 5), t = fill(n, n + 1, 1).map((v) => Math.abs(v));
          native!.mse(p, t, grad);
          native!.bceWithLogits(p, t, grad);
          if (n <= 40) native!.softmaxCrossEntropy(p, Int32Array.from({ length: 1 }, () => n - 1), 1, n, 0.1, grad);
          const outside = [...buf.subarray(0, offset), ...buf.subarray(offset + n)];
          expect(outside.every((v) => v === 12345), `${isa} n=${n} offset=${offset}`).toBe(true);
        }
      }
    }
  });

  it('loss only (no gradient) gives the same loss', () => {
    const z = fill(128 * 10, 11, 5);
    const targets = Int32Array.from({ length: 128 }, (_, r) => r % 10);
    for (const isa of isaVariants()) {
      native!.selectIsa(isa);
      const withGrad = native!.softmaxCrossEntropy(z, targets, 128, 10, 0, new Float32Array(1280));
      expect(native!.softmaxCrossEntropy(z, targets, 128, 10, 0, null)).toBe(withGrad);
    }
  });
});

describe('softmax cross-entropy with a -inf logit (a masked class), as torch', () => {
  // torch.nn.functional.cross_entropy(tensor([[0., -inf, 1.]]), tensor([0])) = log(1 + e) = 1.3132617
  const cases = variants();
  for (const v of cases) {
    it(`is finite without label smoothing on ${v.label}`, () => {
      v.use();
      const loss = dd.loss('softmaxCrossEntropy');
      const logits = dd.tensor(new Float32Array([0, -Infinity, 1]), [1, 3]);
      const value = loss.forward(logits, new Int32Array([0]));
      expect(Math.abs(value - Math.log(1 + Math.E))).toBeLessThan(1e-6);
      // with smoothing the masked class gets probability mass eps / C: torch gives +inf too
      expect(dd.loss('softmaxCrossEntropy', { labelSmoothing: 0.1 }).forward(logits, new Int32Array([0]))).toBe(Infinity);
    });
  }
  afterAll(restoreDefaults);
});
