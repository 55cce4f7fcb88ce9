/**
 * Windows over NHWC images (conv2d's im2col, pooling): the output size and padding of
 * 'valid' and TensorFlow's 'same' (SCHEMA.md 8), and the js reference of the window ops
 * (native/layers/layer_math.h is their native twin).
 */
import { invalidDescribed, invalidParameter } from '../errors.js';

export type Padding = 'valid' | 'same';
export const PADDINGS: readonly Padding[] = ['valid', 'same'];

/** The native Window2d: input [batch, height, width, channels], window kh x kw, strides, padding before, output size. */
export interface Window2d {
  batch: number;
  height: number;
  width: number;
  channels: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  padTop: number;
  padLeft: number;
  outH: number;
  outW: number;
}

/** A size option: n or [h, w], integers >= 1. */
export function checkPair(value: unknown, name: string): [number, number] {
  const pair = typeof value === 'number' ? [value, value] : value;
  if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((d) => Number.isInteger(d) && d >= 1)) {
    throw invalidParameter(name, 'an integer >= 1 or a pair [h, w] of them', value);
  }
  return [pair[0], pair[1]];
}

/** out, before, after along one axis. */
function axis(size: number, k: number, stride: number, padding: Padding, name: string): [number, number, number] {
  if (padding === 'valid') {
    if (k > size) throw invalidDescribed(name, `a kernel no larger than the input (${size}) with 'valid' padding`, `${k}`);
    return [Math.floor((size - k) / stride) + 1, 0, 0];
  }
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + k - size, 0);
  const before = Math.floor(total / 2);  // the odd cell goes after
  return [out, before, total - before];
}

/** The window geometry of a [H, W, C] input (batch 0: set per call); pads = [top, bottom, left, right]. */
export function window2d(inputShape: number[], kernel: [number, number], strides: [number, number], padding: Padding, name: string): { window: Window2d; pads: [number, number, number, number] } {
  if (inputShape.length !== 3) throw invalidDescribed('inputShape', 'an image shape [height, width, channels] (channels last)', `[${inputShape.join(', ')}]`);
  const [height, width, channels] = inputShape;
  const [outH, top, bottom] = axis(height, kernel[0], strides[0], padding, `${name}[0]`);
  const [outW, left, right] = axis(width, kernel[1], strides[1], padding, `${name}[1]`);
  return {
    window: { batch: 0, height, width, channels, kh: kernel[0], kw: kernel[1], sh: strides[0], sw: strides[1], padTop: top, padLeft: left, outH, outW },
    pads: [top, bottom, left, right],
  };
}

/** The input row and column of window (oh, ow)'s cell (i, j); may be outside the image. */
const rowOf = (w: Window2d, oh: number, i: number) => oh * w.sh - w.padTop + i;
const colOf = (w: Window2d, ow: number, j: number) => ow * w.sw - w.padLeft + j;

/**
 * Calls visit(colOffset, inputOffset) for every window cell inside the image, in col order
 * (row (n, oh, ow), cell (i, j)): the cell's `channels` values start there in col and in x.
 */
function forEachColCell(w: Window2d, visit: (colOffset: number, inputOffset: number) => void): void {
  const { channels: c, kh, kw } = w;
  let o = 0;
  for (let n = 0; n < w.batch; n++) {
    for (let oh = 0; oh < w.outH; oh++) {
      for (let ow = 0; ow < w.outW; ow++) {
        for (let i = 0; i < kh; i++) {
          const h = rowOf(w, oh, i);
          for (let j = 0; j < kw; j++, o += c) {
            const v = colOf(w, ow, j);
            if (h >= 0 && h < w.height && v >= 0 && v < w.width) visit(o, ((n * w.height + h) * w.width + v) * c);
          }
        }
      }
    }
  }
}

/** col [batch*outH*outW, kh*kw*channels]: each window's cells in (i, j, c) order, 0 for padding. */
export function im2col(col: Float32Array, x: Float32Array, w: Window2d): void {
  const c = w.channels;
  col.fill(0, 0, w.batch * w.outH * w.outW * w.kh * w.kw * c);
  forEachColCell(w, (o, at) => col.set(x.subarray(at, at + c), o));
}

/** The adjoint of im2col: dx = for each input element, the sum of the col entries copied from it. */
export function col2im(dx: Float32Array, col: Float32Array, w: Window2d): void {
  const c = w.channels;
  dx.fill(0, 0, w.batch * w.height * w.width * c);
  forEachColCell(w, (o, at) => {
    for (let k = 0; k < c; k++) dx[at + k] += col[o + k];
  });
}

/** Calls visit(outIndex, inIndexWithinSample, sample) for every real cell of every window, and done(outIndex, cells) after each window. */
function forEachWindow(w: Window2d, visit: (out: number, at: number, n: number) => void, done: (out: number, cells: number) => void): void {
  const { channels: c } = w;
  for (let n = 0; n < w.batch; n++) {
    for (let oh = 0; oh < w.outH; oh++) {
      for (let ow = 0; ow < w.outW; ow++) {
        for (let k = 0; k < c; k++) {
          const out = ((n * w.outH + oh) * w.outW + ow) * c + k;
          let cells = 0;
          for (let i = 0; i < w.kh; i++) {
            const h = rowOf(w, oh, i);
            if (h < 0 || h >= w.height) continue;
            for (let j = 0; j < w.kw; j++) {
              const v = colOf(w, ow, j);
              if (v < 0 || v >= w.width) continue;
              visit(out, (h * w.width + v) * c + k, n);
              cells++;
            }
          }
          done(out, cells);
        }
      }
    }
  }
}

/** y = the window maximum over real cells (NaN wins, as torch); arg = its index within the sample. */
export function maxPoolForward(y: Float32Array, arg: Int32Array, x: Float32Array, w: Window2d): void {
  const sample = w.height * w.width * w.channels;
  let best = -Infinity;
  let at = -1;
  forEachWindow(w, (_out, i, n) => {
    const v = x[n * sample + i];
    if (at < 0 || v > best || (Number.isNaN(v) && !Number.isNaN(best))) {
      best = v;
      at = i;
    }
  }, (out) => {
    y[out] = best;
    arg[out] = at;
    best = -Infinity;
    at = -1;
  });
}

export function maxPoolBackward(dx: Float32Array, dy: Float32Array, arg: Int32Array, w: Window2d): void {
  const sample = w.height * w.width * w.channels;
  const perSample = w.outH * w.outW * w.channels;
  dx.fill(0, 0, w.batch * sample);
  for (let o = 0; o < w.batch * perSample; o++) dx[Math.floor(o / perSample) * sample + arg[o]] += dy[o];
}

/** y = the mean of the window's real cells (padding not counted). */
export function avgPoolForward(y: Float32Array, x: Float32Array, w: Window2d): void {
  const sample = w.height * w.width * w.channels;
  let sum = 0;
  forEachWindow(w, (_out, i, n) => {
    sum += x[n * sample + i];
  }, (out, cells) => {
    y[out] = sum / cells;
    sum = 0;
  });
}

export function avgPoolBackward(dx: Float32Array, dy: Float32Array, w: Window2d): void {
  const sample = w.height * w.width * w.channels;
  dx.fill(0, 0, w.batch * sample);
  const cells: number[] = [];
  // two passes per window: count its real cells, then spread dy / count over them
  forEachWindow(w, (_out, i, n) => {
    cells.push(n * sample + i);
  }, (out, count) => {
    for (const at of cells) dx[at] += dy[out] / count;
    cells.length = 0;
  });
}
