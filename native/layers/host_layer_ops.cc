// HostMemoryDevice: the Device methods that only depend on the memory being host memory.
// Memory is the C library's; the layer ops are CPU loops over layer_math.h, with the
// channels (contiguous in NHWC) innermost and each pixel's window ranges computed once.
// The normalisation layers reduce in double, one pass per statistic.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "dendrite/device.h"
#include "dendrite/thread_pool.h"
#include "layer_math.h"

namespace dendrite {
namespace {

// A number as JavaScript writes it, for error messages (NaN, Infinity, 3.5, 1000000).
std::string js_number(float v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  const float mag = std::fabs(v);
  const bool fixed = mag == 0.0f || (mag >= 1e-7f && mag < 1e21f);
  const std::to_chars_result r =
      fixed ? std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed) : std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// The table row of an id (host callers get the check that a device may skip).
size_t embedding_row(float id, size_t vocab) {
  if (!lm::embedding_id_valid(id, vocab))
    throw std::runtime_error("Expected integer ids in [0, " + std::to_string(vocab) + ") for embedding but received " +
                             js_number(id));
  return static_cast<size_t>(id);
}

}  // namespace

// ---------------------------------------------------------------------------
// Memory

void* HostMemoryDevice::alloc(size_t bytes) {
  void* p = std::malloc(bytes ? bytes : 1);  // a valid pointer even for nothing
  if (!p) throw std::runtime_error("host device: out of memory (" + std::to_string(bytes) + " bytes)");
  return p;
}
void HostMemoryDevice::release(void* p) { std::free(p); }
void HostMemoryDevice::upload(void* dst, const void* src, size_t bytes) {
  if (bytes) std::memcpy(dst, src, bytes);
}
void HostMemoryDevice::download(void* dst, const void* src, size_t bytes) {
  if (bytes) std::memcpy(dst, src, bytes);
}

void HostMemoryDevice::gather_f32(float* out, const float* x, size_t width, const uint32_t* index, size_t rows) {
  for (size_t r = 0; r < rows; ++r)
    std::memcpy(out + r * width, x + static_cast<size_t>(index[r]) * width, width * sizeof(float));
}
void HostMemoryDevice::gather_i32(int32_t* out, const int32_t* x, const uint32_t* index, size_t rows) {
  for (size_t r = 0; r < rows; ++r) out[r] = x[index[r]];
}

void HostMemoryDevice::count_correct(double* slot, const float* out, const int32_t* classes, const float* values,
                                     size_t rows, size_t cols) {
  size_t hits = 0;
  if (classes) {
    for (size_t r = 0; r < rows; ++r) {
      const float* row = out + r * cols;
      size_t best = 0;
      for (size_t j = 1; j < cols; ++j)
        if (row[j] > row[best]) best = j;
      hits += static_cast<int32_t>(best) == classes[r];
    }
  } else {
    for (size_t i = 0; i < rows * cols; ++i) hits += (out[i] > 0) == (values[i] >= 0.5f);
  }
  *slot = static_cast<double>(hits);
}

// ---------------------------------------------------------------------------
// Windows

// Each window row is one run: zeros for the padding before, the real cells copied (contiguous
// in NHWC), zeros after.
// The window ops work on whole pixels: in NHWC a pixel's channels are contiguous, so every
// inner loop runs over `channels` floats (vectorised), and samples go to the thread pool
// (they write disjoint parts of the output). The backward passes scatter-add each output's
// gradient into the cells it came from, after zeroing dx: the same sums as layer_math.h's
// gathers, in another order.

namespace {

// f(n) for every sample n, split between the pool's threads when there is enough work.
template <class F>
void per_sample(const Window2d& w, size_t floats_per_sample, const F& f) {
  if (w.batch < 2 || w.batch * floats_per_sample < (size_t{1} << 15)) {
    for (size_t n = 0; n < w.batch; ++n) f(n);
    return;
  }
  parallel_for(w.batch, [&](size_t b, size_t e) {
    for (size_t n = b; n < e; ++n) f(n);
  });
}

}  // namespace

// im2col over few channels (the first conv of an image model: 1 or 3): each window row is a run
// of a few floats, so instead of a memcpy per run, one pass per (output row, kernel cell) writes
// that cell's column for every output pixel of the row.
// kC: the channel count when known at compile time (1, 3: unrolled), else 0.
template <size_t kC>
void im2col_few_channels(float* col, const float* x, const Window2d& w) {
  const size_t C = kC ? kC : w.channels, row = lm::col_width(w);
  for (size_t n = 0; n < w.batch; ++n)
    for (size_t oh = 0; oh < w.out_h; ++oh) {
      float* out_row = col + ((n * w.out_h + oh) * w.out_w) * row;
      for (size_t ki = 0; ki < w.kh; ++ki) {
        size_t h;
        const bool inside = lm::window_cell(oh, ki, w.sh, w.pad_top, w.height, &h);
        const float* xrow = inside ? x + lm::in_pixel(w, n, h, 0) : nullptr;
        for (size_t kj = 0; kj < w.kw; ++kj) {
          float* out = out_row + (ki * w.kw + kj) * C;
          // the output columns whose cell kj is inside the image: ow * sw + kj - pad_left in [0, width)
          size_t lo = 0, hi = 0;
          if (inside) {
            lo = kj >= w.pad_left ? 0 : (w.pad_left - kj + w.sw - 1) / w.sw;
            hi = w.width + w.pad_left > kj ? std::min(w.out_w, (w.width + w.pad_left - kj + w.sw - 1) / w.sw) : 0;
            hi = std::max(hi, lo);
          }
          for (size_t ow = 0; ow < lo; ++ow)
            for (size_t c = 0; c < C; ++c) out[ow * row + c] = 0.0f;
          const float* src = hi > lo ? xrow + (lo * w.sw + kj - w.pad_left) * C : nullptr;
          for (size_t ow = lo; ow < hi; ++ow, src += w.sw * C)
            for (size_t c = 0; c < C; ++c) out[ow * row + c] = src[c];
          for (size_t ow = hi; ow < w.out_w; ++ow)
            for (size_t c = 0; c < C; ++c) out[ow * row + c] = 0.0f;
        }
      }
    }
}

void HostMemoryDevice::im2col(float* col, const float* x, const Window2d& w) {
  const size_t C = w.channels, row = lm::col_width(w);
  if (C < 8) {
    per_sample(w, w.out_h * w.out_w * row, [&](size_t n) {
      Window2d one = w;
      one.batch = 1;
      float* out = col + n * w.out_h * w.out_w * row;
      const float* in = x + n * lm::sample_size(w);
      if (C == 1) im2col_few_channels<1>(out, in, one);
      else if (C == 3) im2col_few_channels<3>(out, in, one);
      else im2col_few_channels<0>(out, in, one);
    });
    return;
  }
  per_sample(w, w.out_h * w.out_w * row, [&](size_t n) {
    float* out = col + n * w.out_h * w.out_w * row;
    for (size_t oh = 0; oh < w.out_h; ++oh)
      for (size_t ow = 0; ow < w.out_w; ++ow) {
        const lm::Range cols = lm::window_cols(w, ow);
        // kernel column of the first real cell (cols.begin = ow * sw + lead - pad_left)
        const size_t lead = cols.size() ? cols.begin + w.pad_left - ow * w.sw : w.kw;
        for (size_t ki = 0; ki < w.kh; ++ki, out += w.kw * C) {
          size_t h;
          if (!cols.size() || !lm::window_cell(oh, ki, w.sh, w.pad_top, w.height, &h)) {
            std::memset(out, 0, w.kw * C * sizeof(float));
            continue;
          }
          const size_t real = cols.size() * C;
          std::memset(out, 0, lead * C * sizeof(float));
          std::memcpy(out + lead * C, x + lm::in_pixel(w, n, h, cols.begin), real * sizeof(float));
          std::memset(out + lead * C + real, 0, (w.kw * C - lead * C - real) * sizeof(float));
        }
      }
  });
}

void HostMemoryDevice::col2im(float* dx, const float* col, const Window2d& w) {
  const size_t C = w.channels, row = lm::col_width(w);
  per_sample(w, w.out_h * w.out_w * row, [&](size_t n) {
    std::memset(dx + n * lm::sample_size(w), 0, lm::sample_size(w) * sizeof(float));
    const float* in = col + n * w.out_h * w.out_w * row;
    for (size_t oh = 0; oh < w.out_h; ++oh)
      for (size_t ow = 0; ow < w.out_w; ++ow, in += row) {
        const lm::Range rows = lm::window_rows(w, oh), cols = lm::window_cols(w, ow);
        for (size_t h = rows.begin; h < rows.end; ++h) {
          const size_t ki = h + w.pad_top - oh * w.sh;
          // the window row's real cells are one contiguous run in both col and dx
          const float* src = in + (ki * w.kw + (cols.begin + w.pad_left - ow * w.sw)) * C;
          float* dst = dx + lm::in_pixel(w, n, h, cols.begin);
          for (size_t k = 0; k < cols.size() * C; ++k) dst[k] += src[k];
        }
      }
  });
}

void HostMemoryDevice::max_pool_fwd(float* y, int32_t* arg, const float* x, const Window2d& w) {
  const size_t C = w.channels;
  per_sample(w, lm::sample_size(w), [&](size_t n) {
    const float* xs = x + n * lm::sample_size(w);
    for (size_t oh = 0; oh < w.out_h; ++oh) {
      const lm::Range rows = lm::window_rows(w, oh);
      for (size_t ow = 0; ow < w.out_w; ++ow) {
        const lm::Range cols = lm::window_cols(w, ow);
        const size_t o = lm::out_pixel(w, n, oh, ow);
        float* __restrict best = y + o;
        int32_t* __restrict at = arg + o;
        if (!rows.size() || !cols.size()) {  // no real cell (not with valid/same padding): as lm::max_pool_over
          std::fill_n(best, C, -INFINITY);
          std::fill_n(at, C, -1);
          continue;
        }
        // As lm::max_pool_over (from -inf, take a cell when greater or NaN), starting at the first
        // cell, which that rule always takes or already names; restrict pointers and selects let
        // the channel loops vectorise.
        const int32_t first = lm::sample_index(w, rows.begin, cols.begin, 0);
        const float* __restrict v0 = xs + first;
        for (size_t c = 0; c < C; ++c) {
          best[c] = v0[c];
          at[c] = first + static_cast<int32_t>(c);
        }
        for (size_t h = rows.begin; h < rows.end; ++h)
          for (size_t xc = h == rows.begin ? cols.begin + 1 : cols.begin; xc < cols.end; ++xc) {
            const int32_t e = lm::sample_index(w, h, xc, 0);
            const float* __restrict v = xs + e;
            for (size_t c = 0; c < C; ++c) {
              const float value = v[c], old = best[c];
              const bool take = (value > old) | (value != value);  // no short circuit: no branch
              best[c] = take ? value : old;
              at[c] = take ? e + static_cast<int32_t>(c) : at[c];
            }
          }
      }
    }
  });
}

void HostMemoryDevice::max_pool_bwd(float* dx, const float* dy, const int32_t* arg, const Window2d& w) {
  const size_t per_out = w.out_h * w.out_w * w.channels;
  per_sample(w, lm::sample_size(w), [&](size_t n) {
    float* d = dx + n * lm::sample_size(w);
    std::memset(d, 0, lm::sample_size(w) * sizeof(float));
    const float* g = dy + n * per_out;
    const int32_t* a = arg + n * per_out;
    for (size_t o = 0; o < per_out; ++o)
      if (a[o] >= 0) d[a[o]] += g[o];
  });
}

void HostMemoryDevice::avg_pool_fwd(float* y, const float* x, const Window2d& w) {
  const size_t C = w.channels;
  per_sample(w, lm::sample_size(w), [&](size_t n) {
    for (size_t oh = 0; oh < w.out_h; ++oh) {
      const lm::Range rows = lm::window_rows(w, oh);
      for (size_t ow = 0; ow < w.out_w; ++ow) {
        const lm::Range cols = lm::window_cols(w, ow);
        float* out = y + lm::out_pixel(w, n, oh, ow);
        std::fill_n(out, C, 0.0f);
        for (size_t h = rows.begin; h < rows.end; ++h)
          for (size_t xc = cols.begin; xc < cols.end; ++xc) {
            const float* v = x + lm::in_pixel(w, n, h, xc);
            for (size_t c = 0; c < C; ++c) out[c] += v[c];
          }
        const float cells = lm::avg_pool_cells(rows, cols);
        for (size_t c = 0; c < C; ++c) out[c] = cells > 0.0f ? out[c] / cells : 0.0f;
      }
    }
  });
}

void HostMemoryDevice::avg_pool_bwd(float* dx, const float* dy, const Window2d& w) {
  const size_t C = w.channels;
  per_sample(w, lm::sample_size(w), [&](size_t n) {
    std::memset(dx + n * lm::sample_size(w), 0, lm::sample_size(w) * sizeof(float));
    for (size_t oh = 0; oh < w.out_h; ++oh) {
      const lm::Range rows = lm::window_rows(w, oh);
      for (size_t ow = 0; ow < w.out_w; ++ow) {
        const lm::Range cols = lm::window_cols(w, ow);
        const float* g = dy + lm::out_pixel(w, n, oh, ow);
        const float cells = lm::avg_pool_cells(rows, cols);
        for (size_t h = rows.begin; h < rows.end; ++h)
          for (size_t xc = cols.begin; xc < cols.end; ++xc) {
            float* d = dx + lm::in_pixel(w, n, h, xc);
            for (size_t c = 0; c < C; ++c) d[c] += g[c] / cells;
          }
      }
    }
  });
}

// ---------------------------------------------------------------------------
// Normalisation: rows outer, channels inner (contiguous), one double accumulator per channel.

void HostMemoryDevice::batch_norm_fwd(const BatchNormArgs& a) {
  const size_t R = a.rows, C = a.channels;
  if (a.training) {
    std::vector<double> mean(C, 0.0), sum_sq_dev(C, 0.0);
    for (size_t r = 0; r < R; ++r)
      for (size_t c = 0; c < C; ++c) mean[c] += a.x[r * C + c];
    for (size_t c = 0; c < C; ++c) mean[c] /= static_cast<double>(R);
    for (size_t r = 0; r < R; ++r)
      for (size_t c = 0; c < C; ++c) {
        const double d = a.x[r * C + c] - mean[c];
        sum_sq_dev[c] += d * d;
      }
    for (size_t c = 0; c < C; ++c) lm::batch_norm_train_stats(a, c, mean[c], sum_sq_dev[c]);
  } else {
    for (size_t c = 0; c < C; ++c) lm::batch_norm_eval_stats(a, c);
  }
  for (size_t r = 0; r < R; ++r)
    for (size_t c = 0; c < C; ++c) a.y[r * C + c] = lm::batch_norm_y(a, r, c);
}

void HostMemoryDevice::batch_norm_bwd(const BatchNormArgs& a) {
  const size_t R = a.rows, C = a.channels;
  std::vector<double> sum_dy(C, 0.0), sum_dy_xhat(C, 0.0);
  for (size_t r = 0; r < R; ++r)
    for (size_t c = 0; c < C; ++c) {
      const double dy = a.dy[r * C + c];
      sum_dy[c] += dy;
      sum_dy_xhat[c] += dy * lm::batch_norm_xhat(a, r, c);
    }
  for (size_t c = 0; c < C; ++c) lm::batch_norm_param_grads(a, c, sum_dy[c], sum_dy_xhat[c]);
  if (!a.dx) return;
  for (size_t r = 0; r < R; ++r)
    for (size_t c = 0; c < C; ++c) a.dx[r * C + c] = lm::batch_norm_dx(a, r, c);
}

void HostMemoryDevice::layer_norm_fwd(const LayerNormArgs& a) {
  if (a.cols == 0) return;  // nothing to normalise
  for (size_t r = 0; r < a.rows; ++r) {
    const float* x = a.x + r * a.cols;
    double sum = 0.0;
    for (size_t j = 0; j < a.cols; ++j) sum += x[j];
    const double mean = sum / static_cast<double>(a.cols);
    double sum_sq_dev = 0.0;
    for (size_t j = 0; j < a.cols; ++j) {
      const double d = x[j] - mean;
      sum_sq_dev += d * d;
    }
    lm::layer_norm_row_stats(a, r, mean, sum_sq_dev);
    for (size_t j = 0; j < a.cols; ++j) a.y[r * a.cols + j] = lm::layer_norm_y(a, r, j);
  }
}

void HostMemoryDevice::layer_norm_bwd(const LayerNormArgs& a) {
  std::vector<double> dgamma(a.cols, 0.0), dbeta(a.cols, 0.0);
  for (size_t r = 0; r < a.rows; ++r) {
    double sum_dyg = 0.0, sum_dyg_xhat = 0.0;
    for (size_t j = 0; j < a.cols; ++j) {
      const double dy = a.dy[r * a.cols + j], dyg = lm::layer_norm_dyg(a, r, j), xhat = lm::layer_norm_xhat(a, r, j);
      dgamma[j] += dy * xhat;
      dbeta[j] += dy;
      sum_dyg += dyg;
      sum_dyg_xhat += dyg * xhat;
    }
    if (!a.dx) continue;
    const float mean_dyg = lm::row_mean(sum_dyg, a.cols), mean_dyg_xhat = lm::row_mean(sum_dyg_xhat, a.cols);
    for (size_t j = 0; j < a.cols; ++j) a.dx[r * a.cols + j] = lm::layer_norm_dx(a, r, j, mean_dyg, mean_dyg_xhat);
  }
  for (size_t j = 0; j < a.cols; ++j) {
    a.dgamma[j] = static_cast<float>(dgamma[j]);
    a.dbeta[j] = static_cast<float>(dbeta[j]);
  }
}

// ---------------------------------------------------------------------------
// Element-wise and embedding

void HostMemoryDevice::dropout_fwd(float* y, float* mask, const float* x, size_t n, float rate, uint32_t seed,
                                   uint32_t counter) {
  const uint32_t threshold = lm::dropout_threshold(rate);
  const float scale = lm::dropout_scale(rate);
  for (size_t i = 0; i < n; ++i) {
    mask[i] = lm::dropout_mask(seed, counter, i, threshold, scale);
    y[i] = x[i] * mask[i];
  }
}

void HostMemoryDevice::multiply(float* out, const float* a, const float* b, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = a[i] * b[i];
}

void HostMemoryDevice::embedding_fwd(float* y, const float* ids, const float* table, size_t count, size_t dim,
                                     size_t vocab) {
  for (size_t r = 0; r < count; ++r)
    std::memcpy(y + r * dim, table + embedding_row(ids[r], vocab) * dim, dim * sizeof(float));
}

void HostMemoryDevice::embedding_bwd(float* dtable, const float* ids, const float* dy, size_t count, size_t dim,
                                     size_t vocab) {
  if (vocab * dim != 0) std::memset(dtable, 0, vocab * dim * sizeof(float));
  for (size_t r = 0; r < count; ++r) {
    float* row = dtable + embedding_row(ids[r], vocab) * dim;
    for (size_t j = 0; j < dim; ++j) row[j] += dy[r * dim + j];
  }
}

}  // namespace dendrite
