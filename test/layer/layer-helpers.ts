/**
 * Shared by the layer battery (test/layer/*.test.ts): the backends a layer runs on (js, every
 * cpu ISA variant, and the CUDA device math run on the CPU), seeded random data, and one
 * layer's forward + backward on a backend from fixed weights.
 */
import * as dd from '../../src/index.js';
import { createNativeBackend } from '../../src/backend/native-ops.js';
import { useBackendObject } from '../../src/backend/registry.js';
import { nativeAddon } from '../../src/native.js';
import { rng, variants, type Variant } from '../helpers.js';

const native = nativeAddon();
/** The cuda Backend adapter over the `deviceMath` op table: layers and fit run the CUDA device math on the host. */
export const deviceMath = native ? createNativeBackend('cuda', native.deviceMath) : null;

/** js, every cpu ISA variant this machine has, and the CUDA device math on the CPU (label 'deviceMath'). */
export function layerVariants(): Variant[] {
  const out = variants();
  if (deviceMath) out.push({ label: 'deviceMath', use: () => { dd.setBackend('cpu'); useBackendObject(deviceMath); } });
  return out;
}

/** The native variants only (everything but js). */
export function nativeVariants(): Variant[] {
  return layerVariants().filter((v) => v.label !== 'js');
}

export const jsVariant: Variant = { label: 'js', use: () => dd.setBackend('js') };

/** n uniform values in [lo, hi). */
export function uniform(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

/** n integer ids in [0, vocab). */
export function randomIds(n: number, vocab: number, seed: number): Int32Array {
  const r = rng(seed);
  return Int32Array.from({ length: n }, () => Math.floor(r() * vocab));
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * Random values for every tensor of a built layer: kernels U(±1/√fanIn) (outputs of order 1),
 * biases and beta U(±0.5), gamma U(0.5, 1.5), running means U(±0.5), running variances U(0.5, 1.5),
 * embedding tables U(±1).
 */
export function randomWeights(layer: dd.Layer, seed: number): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  layer.tensors().forEach((t, i) => {
    const { name, shape } = layer.specs()[i];
    const s = seed + 101 * i;
    const fanIn = shape.length > 1 ? sizeOf(shape.slice(0, -1)) : 1;
    switch (name) {
      case 'weight': out[name] = layer.takesIds ? uniform(t.size, s) : uniform(t.size, s, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn)); break;
      case 'gamma': case 'movingVariance': out[name] = uniform(t.size, s, 0.5, 1.5); break;
      default: out[name] = uniform(t.size, s, -0.5, 0.5);
    }
  });
  return out;
}

/** What one layer computed on one backend. */
export interface LayerRun {
  y: Float32Array;
  dx: Float32Array | null;
  /** Gradients of the trainable tensors, by name. */
  grads: Record<string, Float32Array>;
  /** Every tensor after the forward pass (batch norm's running statistics). */
  after: Record<string, Float32Array>;
  /** The dropout step counter after forward and backward. */
  counter?: number;
}

/**
 * A fresh layer from `make` (with `weights` set) on `variant`: forward(x, { training }), then
 * backward(x, dy, { training }).
 */
export function runLayer(variant: Variant, make: () => dd.Layer, weights: Record<string, Float32Array>,
  x: dd.Tensor | Int32Array, dy: Float32Array, training: boolean): LayerRun {
  variant.use();
  const layer = make();
  if (Object.keys(weights).length) layer.setWeights(weights);
  const y = layer.forward(x, { training }).data;
  const after = Object.fromEntries(Object.entries(layer.getWeights()).map(([k, t]) => [k, t!.data]));
  const { dx, grads } = layer.backward(x, dy, { training });
  return {
    y, dx: dx?.data ?? null, after,
    grads: Object.fromEntries(Object.entries(grads).map(([k, t]) => [k, t!.data])),
    counter: layer instanceof dd.Dropout ? layer.counter[0] : undefined,
  };
}

/** The largest |v| (at least `floor`). */
export function maxAbs(v: ArrayLike<number>, floor = 0): number {
  let m = floor;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]));
  return m;
}
