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


# One pass of the torch peers' training loop over the rows in `order` (at most `count` batches):
# gather, zero_grad, forward, loss, backward, step; returns the row-weighted mean loss.
def train_batches(model, opt, loss_fn, x, y, order, batch, count=None):
    total, rows = 0.0, 0
    for n, start in enumerate(range(0, order.shape[0], batch)):
        if count is not None and n >= count:
            break
        idx = order[start:start + batch]
        xb = x.index_select(0, idx)
        yb = y.index_select(0, idx)
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        total += loss.item() * idx.shape[0]
        rows += idx.shape[0]
    return total / max(rows, 1)
