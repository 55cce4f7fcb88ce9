"""Timing shared by the PyTorch peers of the benchmarks (the same method as lib.mjs timeCall)."""
import time


def best_time(fn, batch_seconds=0.05, batches=5):
    """Seconds per call of fn: the fastest of `batches` batches lasting about batch_seconds, after a warm-up."""
    fn()
    t0 = time.perf_counter()
    fn()
    once = max(time.perf_counter() - t0, 1e-7)
    calls = max(1, round(batch_seconds / once))
    best = float("inf")
    for _ in range(batches):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - t0) / calls)
    return best
