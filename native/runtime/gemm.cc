// The threaded GEMM: splits C into one strip per thread and runs the active
// variant's single-threaded block kernel on each (KernelTable::gemm).
//
// C is cut along one dimension only, so any run of consecutive parts is one
// rectangle: when the pool runs a region inline (it is busy, or one thread),
// the caller gets the whole range and makes a single call, packing nothing twice.
// The pool hands parts out dynamically, so on a busy machine the caller also
// takes the part of a worker that has not started yet.
// A strip of columns packs its own columns of op(B) and reads all of op(A) (a
// non-transposed A is read in place, an A^T is packed by every strip); a strip
// of rows packs all of op(B). The cut goes where the longest strip, its share of
// the flops plus the packing it repeats, is shortest. Strip edges fall on
// the active variant's micro-tile edges (KernelTable::gemm_mr, gemm_nr) so no strip
// has an avoidable partial tile.
#include <algorithm>

#include "dendrite/dispatch.h"
#include "dendrite/gemm.h"
#include "dendrite/thread_pool.h"

namespace dendrite {
namespace {

// Below this many flops per thread, waking a worker (4 us at best, 10-20 us typical
// on a 2-vCPU VM) costs more than it saves: small products stay on the calling
// thread (measured: 100^3 is faster on 1 thread, 128^3 on 2).
constexpr double kMinFlopsPerThread = 1.5e6;
constexpr double kPackCost = 40.0;  // flops of time per packed element (~100 GFLOP/s vs ~2.5 elements/ns)

}  // namespace

void gemm(const GemmArgs& args) {
  if (args.m == 0 || args.n == 0) return;
  const KernelTable& table = kernels();
  const GemmBlockFn block = table.gemm;
  const size_t row_unit = table.gemm_mr, col_unit = table.gemm_nr;  // strip edges on whole micro-tiles
  const size_t m = args.m, n = args.n;
  const double flops = 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(args.k);

  const size_t threads = static_cast<size_t>(num_threads());
  const size_t units_m = (m + row_unit - 1) / row_unit, units_n = (n + col_unit - 1) / col_unit;
  // Critical path of each cut, in flops: the longest strip's share, plus the
  // operand every strip packs whole (a packed element costs about 40 flops of time).
  const auto longest = [&](size_t units, size_t unit, size_t extent) {
    const size_t parts = std::min(threads, units);
    return static_cast<double>(std::min(extent, (units + parts - 1) / parts * unit)) / static_cast<double>(extent);
  };
  const double a_size = static_cast<double>(m) * static_cast<double>(args.k);
  const double b_size = static_cast<double>(args.k) * static_cast<double>(n);
  const double cost_n = flops * longest(units_n, col_unit, n) + (args.trans_a ? kPackCost * a_size : 0.0);
  const double cost_m = flops * longest(units_m, row_unit, m) + kPackCost * b_size;
  const bool split_n = cost_n <= cost_m;
  const size_t unit = split_n ? col_unit : row_unit;
  const size_t extent = split_n ? n : m;
  const size_t units = split_n ? units_n : units_m;
  size_t parts = std::min(threads, units);
  parts = std::min<size_t>(parts, static_cast<size_t>(flops / kMinFlopsPerThread));
  if (parts <= 1) {
    block(args, 0, m, 0, n);
    return;
  }
  // Part t covers units [t * units / parts, (t + 1) * units / parts).
  const auto edge = [&](size_t t) { return std::min(extent, t * units / parts * unit); };
  parallel_for(parts, [&](size_t t0, size_t t1) {
    if (split_n)
      block(args, 0, m, edge(t0), edge(t1));
    else
      block(args, edge(t0), edge(t1), 0, n);
  });
}

}  // namespace dendrite
