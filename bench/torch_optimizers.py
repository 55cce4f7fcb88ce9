"""PyTorch peer of bench/optimizers.mjs: one torch.optim step on the same
float32 tensors, for each optimizer, at each thread count, with the default
for-loop implementation (foreach=None, which is the for-loop on CPU) and with
foreach=True where the optimizer accepts it.

Usage: torch_optimizers.py SPEC_JSON, SPEC_JSON = {"sizes": [...], "threads": [1, 2],
  "optimizers": [{"name": ..., "cls": "Adam", "kwargs": {...}, "warmup": 2}, ...],
  "batches": 5, "batch_seconds": 0.05}
Prints JSON {"torch": version, "results": {name: {threads: {"default": s, "foreach": s | null}}}}
with seconds per step (best batch)."""
import inspect
import json
import sys

import torch

from torch_timing import best_time


def main():
    spec = json.loads(sys.argv[1])
    g = torch.Generator().manual_seed(1)
    init = [torch.randn(n, generator=g) * 0.1 for n in spec["sizes"]]
    grads = [torch.sin(torch.arange(n, dtype=torch.float32) * 0.7) for n in spec["sizes"]]
    params = [torch.nn.Parameter(x.clone()) for x in init]
    for p, gr in zip(params, grads):
        p.grad = gr
    out = {"torch": torch.__version__, "results": {}, "foreach": {}}
    for o in spec["optimizers"]:
        cls = getattr(torch.optim, o["cls"])
        has_foreach = "foreach" in inspect.signature(cls).parameters
        out["foreach"][o["name"]] = has_foreach
        res = out["results"].setdefault(o["name"], {})
        for threads in spec["threads"]:
            torch.set_num_threads(threads)
            row = {}
            for variant in ("default", "foreach"):
                if variant == "foreach" and not has_foreach:
                    row[variant] = None
                    continue
                with torch.no_grad():
                    for p, x in zip(params, init):
                        p.copy_(x)
                kwargs = dict(o["kwargs"], **({"foreach": True} if variant == "foreach" else {}))
                opt = cls(params, **kwargs)
                for _ in range(o.get("warmup", 2)):
                    opt.step()
                row[variant] = best_time(opt.step, spec.get("batch_seconds", 0.05), spec.get("batches", 5))
                del opt
            res[str(threads)] = row
    print(json.dumps(out))


if __name__ == "__main__":
    main()
