// The layer ops' math (the Layer ops of dendrite/device.h), written once as
// __host__ __device__ functions: HostMemoryDevice (host_layer_ops.cc) runs them in
// CPU loops, the CUDA device (native/kernels/cuda/layers.cu) in one thread per
// output element. Both therefore compute the same values; only the order of the
// double reductions of the normalisation layers differs.
//
// Images are NHWC. The window gradients are gathers (each dx element sums what it fed),
// never scatters, so their kernels need no atomics and every sum has a fixed order.
// Semantics: torch 1.13, as SCHEMA.md section 8 pins them.
//
// No N-API, no CUDA headers: only <math.h> functions that exist on both sides.
#ifndef DENDRITE_LAYERS_LAYER_MATH_H_
#define DENDRITE_LAYERS_LAYER_MATH_H_

#include <math.h>

#include <cstddef>
#include <cstdint>

#include "dendrite/device.h"

// The same definition as native/kernels/cuda/device_math.h, so either header may come first.
#ifndef DENDRITE_HD
#if defined(__CUDACC__)
#define DENDRITE_HD __host__ __device__ __forceinline__
#else
#define DENDRITE_HD inline
#endif
#endif

namespace dendrite {
namespace lm {

// ---------------------------------------------------------------------------
// Window geometry, along one axis: window o starts at o * stride - pad and spans k cells;
// the real cells are [0, size).

struct Range {
  size_t begin, end;  // [begin, end), never end < begin
  DENDRITE_HD size_t size() const { return end - begin; }
};

DENDRITE_HD Range make_range(size_t begin, size_t end) { return {begin, end > begin ? end : begin}; }

// The real positions that window o covers.
DENDRITE_HD Range window_span(size_t o, size_t k, size_t stride, size_t pad, size_t size) {
  const size_t start = o * stride;  // in padded coordinates (real position + pad)
  const size_t begin = start > pad ? start - pad : 0;
  const size_t end = start + k > pad ? start + k - pad : 0;
  return make_range(begin, end < size ? end : size);
}

// The windows (of `out`) whose span contains real position pos.
DENDRITE_HD Range covering_windows(size_t pos, size_t k, size_t stride, size_t pad, size_t out) {
  const size_t p = pos + pad;  // o * stride <= p < o * stride + k
  const size_t first = p >= k ? (p - k) / stride + 1 : 0;
  const size_t last = p / stride + 1;
  return make_range(first, last < out ? last : out);
}

// Cell k of window o: its real position in *pos, or false for padding.
DENDRITE_HD bool window_cell(size_t o, size_t k, size_t stride, size_t pad, size_t size, size_t* pos) {
  const size_t p = o * stride + k;
  if (p < pad || p - pad >= size) return false;
  *pos = p - pad;
  return true;
}

DENDRITE_HD Range window_rows(const Window2d& w, size_t oh) { return window_span(oh, w.kh, w.sh, w.pad_top, w.height); }
DENDRITE_HD Range window_cols(const Window2d& w, size_t ow) { return window_span(ow, w.kw, w.sw, w.pad_left, w.width); }
DENDRITE_HD Range rows_covering(const Window2d& w, size_t h) { return covering_windows(h, w.kh, w.sh, w.pad_top, w.out_h); }
DENDRITE_HD Range cols_covering(const Window2d& w, size_t x) { return covering_windows(x, w.kw, w.sw, w.pad_left, w.out_w); }

// Element offsets: pixel (n, h, x) of the input, pixel (n, oh, ow) of the output (channels
// follow), and row (n, oh, ow) of im2col's col.
DENDRITE_HD size_t sample_size(const Window2d& w) { return w.height * w.width * w.channels; }
DENDRITE_HD size_t in_pixel(const Window2d& w, size_t n, size_t h, size_t x) {
  return ((n * w.height + h) * w.width + x) * w.channels;
}
DENDRITE_HD size_t out_pixel(const Window2d& w, size_t n, size_t oh, size_t ow) {
  return ((n * w.out_h + oh) * w.out_w + ow) * w.channels;
}
DENDRITE_HD size_t col_width(const Window2d& w) { return w.kh * w.kw * w.channels; }
DENDRITE_HD size_t col_row(const Window2d& w, size_t n, size_t oh, size_t ow) {
  return ((n * w.out_h + oh) * w.out_w + ow) * col_width(w);
}

// A flat NHWC index as (n, row, col, c).
struct Pixel {
  size_t n, row, col, c;
};
DENDRITE_HD Pixel unflatten(size_t i, size_t rows, size_t cols, size_t channels) {
  Pixel p;
  p.c = i % channels;
  i /= channels;
  p.col = i % cols;
  i /= cols;
  p.row = i % rows;
  p.n = i / rows;
  return p;
}

// ---------------------------------------------------------------------------
// im2col / col2im

// col[i] for i < batch*out_h*out_w * kh*kw*channels (row (n, oh, ow), column (i, j, c)).
DENDRITE_HD float im2col_at(const float* x, const Window2d& w, size_t i) {
  const size_t c = i % w.channels;
  size_t t = i / w.channels;
  const size_t kj = t % w.kw;
  t /= w.kw;
  const size_t ki = t % w.kh;
  t /= w.kh;
  const Pixel o = unflatten(t, w.out_h, w.out_w, 1);
  size_t h, xc;
  if (!window_cell(o.row, ki, w.sh, w.pad_top, w.height, &h) || !window_cell(o.col, kj, w.sw, w.pad_left, w.width, &xc))
    return 0.0f;
  return x[in_pixel(w, o.n, h, xc) + c];
}

// dx[n, h, x, c]: the col entries copied from it, windows in (oh, ow) order.
DENDRITE_HD float col2im_over(const float* col, const Window2d& w, size_t n, size_t h, size_t x, size_t c, Range ohs,
                              Range ows) {
  float sum = 0.0f;
  for (size_t oh = ohs.begin; oh < ohs.end; ++oh) {
    const size_t ki = h + w.pad_top - oh * w.sh;
    for (size_t ow = ows.begin; ow < ows.end; ++ow) {
      const size_t kj = x + w.pad_left - ow * w.sw;
      sum += col[col_row(w, n, oh, ow) + (ki * w.kw + kj) * w.channels + c];
    }
  }
  return sum;
}
DENDRITE_HD float col2im_at(const float* col, const Window2d& w, size_t i) {
  const Pixel p = unflatten(i, w.height, w.width, w.channels);
  return col2im_over(col, w, p.n, p.row, p.col, p.c, rows_covering(w, p.row), cols_covering(w, p.col));
}

// ---------------------------------------------------------------------------
// Pooling

// Index of element (h, x, c) within its sample: max pooling's arg.
DENDRITE_HD int32_t sample_index(const Window2d& w, size_t h, size_t x, size_t c) {
  return static_cast<int32_t>((h * w.width + x) * w.channels + c);
}

// Max over the real cells (rows x cols) of channel c of sample n; its sample index in *arg.
// As torch: start from -inf at the first cell, take a cell when greater or NaN (padding is
// never visited, so it never wins). A window without real cells gives -inf and arg -1.
DENDRITE_HD float max_pool_over(const float* x, const Window2d& w, size_t n, size_t c, Range rows, Range cols,
                                int32_t* arg) {
  const float* xs = x + n * sample_size(w);
  float best = -INFINITY;
  int32_t best_at = rows.size() && cols.size() ? sample_index(w, rows.begin, cols.begin, c) : -1;
  for (size_t h = rows.begin; h < rows.end; ++h)
    for (size_t xc = cols.begin; xc < cols.end; ++xc) {
      const int32_t e = sample_index(w, h, xc, c);
      const float v = xs[e];
      if (v > best || v != v) {
        best = v;
        best_at = e;
      }
    }
  *arg = best_at;
  return best;
}
// y[i] for i < batch*out_h*out_w*channels; arg[i] too.
DENDRITE_HD float max_pool_at(const float* x, const Window2d& w, size_t i, int32_t* arg) {
  const Pixel o = unflatten(i, w.out_h, w.out_w, w.channels);
  return max_pool_over(x, w, o.n, o.c, window_rows(w, o.row), window_cols(w, o.col), arg);
}

// dx[n, h, x, c]: dy of the covering outputs (ohs x ows) whose arg is this element.
DENDRITE_HD float max_pool_bwd_over(const float* dy, const int32_t* arg, const Window2d& w, size_t n, size_t h, size_t x,
                                    size_t c, Range ohs, Range ows) {
  const int32_t e = sample_index(w, h, x, c);
  float sum = 0.0f;
  for (size_t oh = ohs.begin; oh < ohs.end; ++oh)
    for (size_t ow = ows.begin; ow < ows.end; ++ow) {
      const size_t o = out_pixel(w, n, oh, ow) + c;
      if (arg[o] == e) sum += dy[o];
    }
  return sum;
}
DENDRITE_HD float max_pool_bwd_at(const float* dy, const int32_t* arg, const Window2d& w, size_t i) {
  const Pixel p = unflatten(i, w.height, w.width, w.channels);
  return max_pool_bwd_over(dy, arg, w, p.n, p.row, p.col, p.c, rows_covering(w, p.row), cols_covering(w, p.col));
}

// Average pooling divides by the real cells only (torch count_include_pad=False; Keras).
DENDRITE_HD float avg_pool_cells(Range rows, Range cols) { return static_cast<float>(rows.size() * cols.size()); }

DENDRITE_HD float avg_pool_over(const float* x, const Window2d& w, size_t n, size_t c, Range rows, Range cols) {
  const float* xs = x + n * sample_size(w);
  float sum = 0.0f;
  for (size_t h = rows.begin; h < rows.end; ++h)
    for (size_t xc = cols.begin; xc < cols.end; ++xc) sum += xs[sample_index(w, h, xc, c)];
  const float cells = avg_pool_cells(rows, cols);
  return cells > 0.0f ? sum / cells : 0.0f;  // a window of padding only: 0
}
DENDRITE_HD float avg_pool_at(const float* x, const Window2d& w, size_t i) {
  const Pixel o = unflatten(i, w.out_h, w.out_w, w.channels);
  return avg_pool_over(x, w, o.n, o.c, window_rows(w, o.row), window_cols(w, o.col));
}

// dx[n, h, x, c]: each covering output's dy over its number of real cells.
DENDRITE_HD float avg_pool_bwd_over(const float* dy, const Window2d& w, size_t n, size_t c, Range ohs, Range ows) {
  float sum = 0.0f;
  for (size_t oh = ohs.begin; oh < ohs.end; ++oh) {
    const Range rows = window_rows(w, oh);
    for (size_t ow = ows.begin; ow < ows.end; ++ow)
      sum += dy[out_pixel(w, n, oh, ow) + c] / avg_pool_cells(rows, window_cols(w, ow));
  }
  return sum;
}
DENDRITE_HD float avg_pool_bwd_at(const float* dy, const Window2d& w, size_t i) {
  const Pixel p = unflatten(i, w.height, w.width, w.channels);
  return avg_pool_bwd_over(dy, w, p.n, p.c, rows_covering(w, p.row), cols_covering(w, p.col));
}

// ---------------------------------------------------------------------------
// Batch and layer normalisation. The statistics are reduced in double (sums of x, of
// (x - mean)^2, of dy, of dy * xhat); the per-element formulas below run in float on the
// float statistics that forward stores (so backward sees exactly what forward used).

DENDRITE_HD float inv_std(double biased_var, float eps) { return static_cast<float>(1.0 / sqrt(biased_var + eps)); }
// torch's unbiased variance for the running statistic (n = 1 divides by 0: torch refuses it).
DENDRITE_HD double unbiased_var(double sum_sq_dev, size_t n) { return sum_sq_dev / static_cast<double>(n - 1); }
// running = (1 - momentum) * running + momentum * batch (torch's momentum).
DENDRITE_HD float running_update(float running, double batch, float momentum) {
  return static_cast<float>((1.0 - momentum) * running + momentum * batch);
}

DENDRITE_HD float normalized(float x, float mean, float invstd) { return (x - mean) * invstd; }
DENDRITE_HD float scale_shift(float xhat, float gamma, float beta) { return xhat * gamma + beta; }

// Batch norm, channel c. Training: the statistics from the channel's mean and sum of squared
// deviations over a.rows, and the running ones updated; eval: the running ones, unchanged.
DENDRITE_HD void batch_norm_train_stats(const BatchNormArgs& a, size_t c, double mean, double sum_sq_dev) {
  a.mean[c] = static_cast<float>(mean);
  a.invstd[c] = inv_std(sum_sq_dev / static_cast<double>(a.rows), a.eps);
  a.running_mean[c] = running_update(a.running_mean[c], mean, a.momentum);
  a.running_var[c] = running_update(a.running_var[c], unbiased_var(sum_sq_dev, a.rows), a.momentum);
}
DENDRITE_HD void batch_norm_eval_stats(const BatchNormArgs& a, size_t c) {
  a.mean[c] = a.running_mean[c];
  a.invstd[c] = inv_std(a.running_var[c], a.eps);
}
DENDRITE_HD float batch_norm_xhat(const BatchNormArgs& a, size_t r, size_t c) {
  return normalized(a.x[r * a.channels + c], a.mean[c], a.invstd[c]);
}
DENDRITE_HD float batch_norm_y(const BatchNormArgs& a, size_t r, size_t c) {
  return scale_shift(batch_norm_xhat(a, r, c), a.gamma[c], a.beta[c]);
}
// Backward: dbeta = sum dy, dgamma = sum dy * xhat over the channel's rows (written before dx).
DENDRITE_HD void batch_norm_param_grads(const BatchNormArgs& a, size_t c, double sum_dy, double sum_dy_xhat) {
  a.dbeta[c] = static_cast<float>(sum_dy);
  a.dgamma[c] = static_cast<float>(sum_dy_xhat);
}
DENDRITE_HD float batch_norm_dx(const BatchNormArgs& a, size_t r, size_t c) {
  const size_t i = r * a.channels + c;
  const float gamma_invstd = a.gamma[c] * a.invstd[c];
  if (!a.training) return a.dy[i] * gamma_invstd;  // the statistics are constants
  const float n = static_cast<float>(a.rows);
  return gamma_invstd / n * (n * a.dy[i] - a.dbeta[c] - batch_norm_xhat(a, r, c) * a.dgamma[c]);
}

// Layer norm, row r (the statistics from its mean and sum of squared deviations over a.cols).
DENDRITE_HD void layer_norm_row_stats(const LayerNormArgs& a, size_t r, double mean, double sum_sq_dev) {
  a.mean[r] = static_cast<float>(mean);
  a.rstd[r] = inv_std(sum_sq_dev / static_cast<double>(a.cols), a.eps);
}
DENDRITE_HD float layer_norm_xhat(const LayerNormArgs& a, size_t r, size_t j) {
  return normalized(a.x[r * a.cols + j], a.mean[r], a.rstd[r]);
}
DENDRITE_HD float layer_norm_y(const LayerNormArgs& a, size_t r, size_t j) {
  return scale_shift(layer_norm_xhat(a, r, j), a.gamma[j], a.beta[j]);
}
// dy * gamma: the gradient with respect to xhat.
DENDRITE_HD float layer_norm_dyg(const LayerNormArgs& a, size_t r, size_t j) { return a.dy[r * a.cols + j] * a.gamma[j]; }
// dx[r, j] from the row's means of dyg and dyg * xhat (row_mean of their sums).
DENDRITE_HD float row_mean(double sum, size_t cols) { return static_cast<float>(sum / static_cast<double>(cols)); }
DENDRITE_HD float layer_norm_dx(const LayerNormArgs& a, size_t r, size_t j, float mean_dyg, float mean_dyg_xhat) {
  return a.rstd[r] * (layer_norm_dyg(a, r, j) - mean_dyg - layer_norm_xhat(a, r, j) * mean_dyg_xhat);
}

// ---------------------------------------------------------------------------
// Dropout: a counter-based hash, so the mask needs no state and is the same on every
// device (and in the TypeScript copy, bit for bit).

DENDRITE_HD uint32_t mix32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}
// Element i of step `counter` of a dropout layer seeded `seed` is kept when the top 24 bits
// of its hash reach the threshold.
DENDRITE_HD bool dropout_keep(uint32_t seed, uint32_t counter, uint32_t i, uint32_t threshold) {
  return (mix32(mix32(mix32(seed ^ 0x9e3779b9u) + counter) + i) >> 8) >= threshold;
}
// ceil(rate * 2^24), in double from the float rate: P(drop) = threshold / 2^24.
DENDRITE_HD uint32_t dropout_threshold(float rate) { return static_cast<uint32_t>(ceil(static_cast<double>(rate) * 16777216.0)); }
// Inverted dropout's scale for the kept elements (rate 1: the threshold keeps none).
DENDRITE_HD float dropout_scale(float rate) { return 1.0f / (1.0f - rate); }
// Element indices count modulo 2^32.
DENDRITE_HD float dropout_mask(uint32_t seed, uint32_t counter, size_t i, uint32_t threshold, float scale) {
  return dropout_keep(seed, counter, static_cast<uint32_t>(i), threshold) ? scale : 0.0f;
}

// ---------------------------------------------------------------------------
// Embedding: ids arrive as floats; a valid one is an integer in [0, vocab).

DENDRITE_HD bool embedding_id_valid(float id, size_t vocab) {
  return id >= 0.0f && static_cast<double>(id) < static_cast<double>(vocab) && floorf(id) == id;  // NaN fails
}

}  // namespace lm
}  // namespace dendrite

#endif  // DENDRITE_LAYERS_LAYER_MATH_H_
