"""PyTorch peer of bench/distributed.mjs: DistributedDataParallel on the CPU with the gloo
backend (torch 1.13 here has no MPI backend), one thread per process, `ranks` processes.

Usage: torch_ddp.py SPEC_JSON with
  {"mode": "allreduce", "ranks": 2, "sizes": [floats...], "repeats": 40}
  {"mode": "train", "ranks": 1|2, "layers": [784, 256, 128, 10], "batch": 64, "steps": 100}
Prints one JSON document from rank 0: allreduce median seconds (dist.all_reduce, barrier
before each, slowest rank), or training samples/s over all ranks (a warm-up epoch, then one
timed epoch of `steps` steps: DDP forward/backward with bucketed gradient allreduce, Adam)."""
import json
import os
import sys
import tempfile
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp


def allreduce(spec):
    out = []
    for n in spec["sizes"]:
        x = torch.ones(n)
        repeats = max(5, spec["repeats"] // 8) if n >= 1 << 22 else spec["repeats"]
        times = []
        for i in range(repeats + 3):
            dist.barrier()
            t0 = time.perf_counter()
            dist.all_reduce(x)
            if i >= 3:
                times.append(time.perf_counter() - t0)
        times.sort()
        worst = torch.tensor([times[len(times) // 2]], dtype=torch.float64)
        dist.all_reduce(worst, op=dist.ReduceOp.MAX)
        out.append({"floats": n, "bytes": 4 * n, "seconds": worst.item()})
    return out


def train(spec, rank, size):
    layers, batch, steps = spec["layers"], spec["batch"], spec["steps"]
    gen = torch.Generator().manual_seed(99)
    rows = batch * size * steps
    x = torch.rand(rows, layers[0], generator=gen) - 0.5
    y = torch.randint(0, layers[-1], (rows,), generator=gen)
    mods = []
    for i in range(1, len(layers)):
        mods.append(torch.nn.Linear(layers[i - 1], layers[i]))
        if i < len(layers) - 1:
            mods.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*mods)
    if size > 1:
        model = torch.nn.parallel.DistributedDataParallel(model)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    sampler = torch.utils.data.distributed.DistributedSampler(range(rows), num_replicas=size, rank=rank, seed=7)
    seconds = 0.0
    for epoch in range(2):
        sampler.set_epoch(epoch)
        order = torch.tensor(list(iter(sampler)))
        if size > 1:
            dist.barrier()
        t0 = time.perf_counter()
        for start in range(0, order.shape[0], batch):
            idx = order[start:start + batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x.index_select(0, idx)), y.index_select(0, idx))
            loss.backward()
            opt.step()
        seconds = time.perf_counter() - t0
    if size > 1:
        t = torch.tensor([seconds], dtype=torch.float64)
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        seconds = t.item()
    return {"rows": rows, "steps": steps, "seconds": seconds, "samplesPerSecond": batch * size * steps / seconds}


def worker(rank, size, spec, init_file, queue):
    torch.set_num_threads(1)
    if size > 1:
        dist.init_process_group("gloo", init_method="file://" + init_file, rank=rank, world_size=size)
    result = allreduce(spec) if spec["mode"] == "allreduce" else train(spec, rank, size)
    if size > 1:
        dist.destroy_process_group()
    if rank == 0:
        queue.put(result)


def main():
    spec = json.loads(sys.argv[1])
    size = spec.get("ranks", 2)
    init_file = os.path.join(tempfile.mkdtemp(), "rendezvous")
    ctx = mp.get_context("spawn")
    queue = ctx.SimpleQueue()
    procs = [ctx.Process(target=worker, args=(r, size, spec, init_file, queue)) for r in range(size)]
    for p in procs:
        p.start()
    result = queue.get()
    for p in procs:
        p.join()
    print(json.dumps({"torch": torch.__version__, "ranks": size, "backend": "gloo", "result": result}))


if __name__ == "__main__":
    main()
