"""PyTorch peer of bench/train-cnn.mjs: the same CNN in NCHW,
conv2d(32, 3, same, relu) - maxpool(2) - conv2d(64, 3, same, relu) - maxpool(2) - flatten -
linear(128, relu) - dropout(0.25) - linear(10), softmax cross-entropy (nn.CrossEntropyLoss),
torch.optim.Adam (lr 1e-3, PyTorch's default implementation), mini-batches of shuffled rows of
synthetic 1x28x28 images, on the CPU at one thread count (torch.set_num_threads; the bench
sets OMP_NUM_THREADS / OPENBLAS_NUM_THREADS to match, OMP_WAIT_POLICY=PASSIVE for 2 threads).
The convolutions run on oneDNN (mkldnn) when this torch has it, the linear layers on the
system BLAS.

Usage: torch_train_cnn.py SPEC_JSON, SPEC_JSON = {"threads": 1, "rows": 1024, "batch": 128,
  "min_seconds": 3.0, "rounds": 1, "warmup_batches": 4, "predict_seconds": 1.0}
Prints JSON {"torch": version, "threads": n, "mkldnn": bool, "samplesPerSec": best round,
"rounds": [...], "lastEpochLoss", "predict": {"samplesPerSec", "calls"}}: training samples/s
over whole epochs lasting >= min_seconds after a warm-up of a few batches, and model(x) of one
batch under torch.no_grad() in eval mode (bench/torch_timing.py best_time)."""
import json
import sys
import time

import torch
from torch import nn

from torch_timing import best_time, train_batches


def model_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.25),
        nn.Linear(128, 10),
    )


def main():
    spec = json.loads(sys.argv[1])
    torch.set_num_threads(spec["threads"])
    torch.manual_seed(1)
    rows, batch = spec["rows"], spec["batch"]
    x = torch.rand(rows, 1, 28, 28) * 2 - 1
    y = torch.randint(0, 10, (rows,))
    model = model_cnn()
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(1)
    last = train_batches(model, opt, loss_fn, x, y, torch.randperm(rows, generator=gen), batch, spec.get("warmup_batches", 4))
    rounds = []
    for _ in range(spec.get("rounds", 1)):
        epochs = 0
        t0 = time.perf_counter()
        while True:
            last = train_batches(model, opt, loss_fn, x, y, torch.randperm(rows, generator=gen), batch)
            epochs += 1
            elapsed = time.perf_counter() - t0
            if elapsed >= spec["min_seconds"]:
                break
        rounds.append({"epochs": epochs, "seconds": elapsed, "samplesPerSec": rows * epochs / elapsed})
    model.eval()
    xb = x[:batch].clone()
    with torch.no_grad():
        per_call = best_time(lambda: model(xb), spec.get("predict_seconds", 1.0) / 5, 5)
    print(json.dumps({
        "torch": torch.__version__, "threads": torch.get_num_threads(),
        "mkldnn": torch.backends.mkldnn.is_available() and torch.backends.mkldnn.enabled,
        "samplesPerSec": max(r["samplesPerSec"] for r in rounds), "rounds": rounds, "lastEpochLoss": last,
        "predict": {"samplesPerSec": batch / per_call},
    }))


if __name__ == "__main__":
    main()
