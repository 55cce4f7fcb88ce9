"""PyTorch peer of bench/train-mlp.mjs: the same MLP (784-256-128-10, relu, relu,
linear logits), softmax cross-entropy (nn.CrossEntropyLoss), torch.optim.Adam
(lr 1e-3, PyTorch's default implementation), mini-batches of shuffled rows of
synthetic data, on the CPU at one thread count (torch.set_num_threads); the
bench runs one process per thread count (OMP_WAIT_POLICY=PASSIVE for 2 threads).

Usage: torch_train_mlp.py SPEC_JSON, SPEC_JSON = {"threads": 1, "rows": 8192, "batch": 128,
  "min_seconds": 2.0, "rounds": 1, "predict_seconds": 0.5, "predict_max_calls": 20000}
Prints JSON {"torch": version, "threads": n, "samplesPerSec": best round, "rounds": [...],
"firstEpochLoss", "lastEpochLoss", "predict": {"1": {"p50Us", "p99Us", "calls"}, "64": {...}}}:
training samples/s over whole epochs lasting >= min_seconds after a warm-up epoch,
and model(x) latency under torch.no_grad() for batches of 1 and 64 rows."""
import json
import sys
import time

import torch

from torch_timing import train_batches


def train_epoch(model, opt, loss_fn, x, y, batch, gen):
    return train_batches(model, opt, loss_fn, x, y, torch.randperm(x.shape[0], generator=gen), batch)


def latency(fn, seconds, max_calls):
    for _ in range(200):
        fn()
    times = []
    end = time.perf_counter() + seconds
    while len(times) < max_calls:
        t0 = time.perf_counter_ns()
        fn()
        times.append(time.perf_counter_ns() - t0)
        if len(times) % 64 == 0 and time.perf_counter() > end:
            break
    times.sort()
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))] / 1e3
    return {"p50Us": pick(0.5), "p99Us": pick(0.99), "calls": len(times)}


def main():
    spec = json.loads(sys.argv[1])
    torch.set_num_threads(spec["threads"])
    torch.manual_seed(1)
    rows, batch = spec["rows"], spec["batch"]
    x = torch.rand(rows, 784) * 2 - 1
    y = torch.randint(0, 10, (rows,))
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 128), torch.nn.ReLU(),
        torch.nn.Linear(128, 10),
    )
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(1)
    first = train_epoch(model, opt, loss_fn, x, y, batch, gen)  # warm-up
    rounds = []
    last = first
    for _ in range(spec.get("rounds", 1)):
        epochs = 0
        t0 = time.perf_counter()
        while True:
            last = train_epoch(model, opt, loss_fn, x, y, batch, gen)
            epochs += 1
            elapsed = time.perf_counter() - t0
            if elapsed >= spec["min_seconds"]:
                break
        rounds.append({"epochs": epochs, "seconds": elapsed, "samplesPerSec": rows * epochs / elapsed})
    predict = {}
    model.eval()
    with torch.no_grad():
        for b in (1, 64):
            xb = x[:b].clone()
            predict[str(b)] = latency(lambda: model(xb), spec["predict_seconds"], spec["predict_max_calls"])
    print(json.dumps({
        "torch": torch.__version__, "threads": torch.get_num_threads(),
        "samplesPerSec": max(r["samplesPerSec"] for r in rounds), "rounds": rounds,
        "firstEpochLoss": first, "lastEpochLoss": last, "predict": predict,
    }))


if __name__ == "__main__":
    main()
