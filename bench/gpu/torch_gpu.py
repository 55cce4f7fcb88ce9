"""PyTorch's side of the GPU bench (bench/gpu/run.mjs is dendrite's; merge.mjs compares them).

Usage: python3 bench/gpu/torch_gpu.py [--quick] [--out FILE] > gpu-torch.json  (one JSON document
on stdout; progress and warnings on stderr; --out also rewrites FILE after each part, so that a
timeout still leaves what was measured). Same measurements and units as run.mjs, on the same GPU:
  - MLP 784-256-128-10 (relu, relu, linear; nn.CrossEntropyLoss; Adam lr 1e-3) train step at
    batch 128, 1024 and 16384: eager (Adam(fused=True) where available) and captured in a CUDA
    graph (Adam(fused=True, capturable=True); zero_grad(set_to_none=False), forward, backward and
    step captured once, then replayed), each step gathering its batch of shuffled rows from data
    on the GPU (as dendrite's loop does); samples/s from torch.cuda.Event timing;
  - Adam(fused) step on 100M parameters (28 B per parameter) vs a copy_ of the same bytes;
  - relu/sigmoid/tanh/gelu on 256M floats (8 B per element) vs copy_ of 256M floats;
  - torch.mm 4096 in fp32 and with TF32 allowed.
A missing feature is reported as null with its reason (under "errors" or the entry's "error")."""
import json
import sys
import time

QUICK = "--quick" in sys.argv
OUT_FILE = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv[:-1] else None
result = {"library": "torch", "quick": QUICK, "mlp": [], "kernels": {}, "errors": []}


def log(*args):
    print("[torch_gpu]", *args, file=sys.stderr, flush=True)


def save():
    if OUT_FILE:
        with open(OUT_FILE, "w") as f:
            json.dump(result, f, indent=2)
            f.write("\n")


def emit():
    save()
    print(json.dumps(result, indent=2))


try:
    import torch
except Exception as e:  # no torch: still one JSON document
    result["errors"].append(f"import torch failed: {e}")
    emit()
    sys.exit(0)

result["version"] = torch.__version__
result["cudaVersion"] = torch.version.cuda
if not torch.cuda.is_available():
    result["errors"].append("torch.cuda.is_available() is False")
    emit()
    sys.exit(0)

dev = torch.device("cuda")
props = torch.cuda.get_device_properties(0)
result["gpu"] = {"name": props.name, "computeCapability": f"{props.major}.{props.minor}",
                 "memoryGiB": round(props.total_memory / 2**30, 1)}
torch.manual_seed(1)


def cuda_ms(fn, reps, trials=3):
    """Best of `trials` timings of `reps` calls between two CUDA events, ms per call (after a warm-up)."""
    fn()
    torch.cuda.synchronize()
    best = float("inf")
    for _ in range(trials):
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(reps):
            fn()
        stop.record()
        stop.synchronize()
        best = min(best, start.elapsed_time(stop) / reps)
    return best


def make_adam(params, capturable):
    """Adam(fused=True[, capturable]) or the best fallback, with its description."""
    params = list(params)  # a generator would be spent by a failed try
    tries = [dict(fused=True), dict(foreach=True), dict()]
    errors = []
    for kw in tries:
        if capturable:
            kw = dict(kw, capturable=True)
        try:
            return torch.optim.Adam(params, lr=1e-3, **kw), "Adam(" + ", ".join(f"{k}=True" for k in kw) + ")", errors
        except (TypeError, RuntimeError, ValueError) as e:
            errors.append(f"Adam({kw}): {e}")
    raise RuntimeError("; ".join(errors))


def section(name, fn):
    try:
        fn()
        torch.cuda.synchronize()
        torch.cuda.empty_cache()  # the next part's buffers: 1-3 GB each
    except Exception as e:  # report and go on: one failure must not lose the rest
        result["errors"].append(f"{name}: {type(e).__name__}: {e}")
        log(name, "failed:", e)
    save()


# --- MLP train step ------------------------------------------------------------------------------

ROWS = 16384 if QUICK else 65536
STEPS = {128: 512, 1024: 256, 16384: 32} if not QUICK else {128: 128, 1024: 64, 16384: 8}


def make_model():
    return torch.nn.Sequential(
        torch.nn.Linear(784, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 128), torch.nn.ReLU(),
        torch.nn.Linear(128, 10)).to(dev)


def mlp():
    x = torch.rand(ROWS, 784, device=dev) - 0.5
    y = torch.randint(0, 10, (ROWS,), device=dev)
    loss_fn = torch.nn.CrossEntropyLoss()
    for batch, steps in STEPS.items():
        perm = torch.randperm(ROWS, device=dev)
        batches = [perm[i:i + batch] for i in range(0, ROWS - batch + 1, batch)]

        def pick(i):
            return batches[i % len(batches)]

        # eager
        entry = {"mode": "eager", "batch": batch, "steps": steps}
        try:
            model = make_model()
            opt, desc, notes = make_adam(model.parameters(), capturable=False)
            entry["optimizer"] = desc
            if notes:
                entry["fallbacks"] = notes
            counter = [0]

            def eager_step():
                idx = pick(counter[0])
                counter[0] += 1
                xb, yb = x.index_select(0, idx), y.index_select(0, idx)
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(model(xb), yb)
                loss.backward()
                opt.step()
                return loss

            for _ in range(10):
                eager_step()
            ms = cuda_ms(eager_step, steps, trials=2)
            entry.update(stepMs=ms, samplesPerSec=batch / (ms * 1e-3), loss=float(eager_step().item()))
        except Exception as e:
            entry["error"] = f"{type(e).__name__}: {e}"
        result["mlp"].append(entry)
        save()
        log("eager", batch, entry.get("stepMs"), entry.get("error", ""))

        # CUDA graph: the whole step captured once
        entry = {"mode": "graph", "batch": batch, "steps": steps}
        try:
            model = make_model()
            opt, desc, notes = make_adam(model.parameters(), capturable=True)
            entry["optimizer"] = desc
            if notes:
                entry["fallbacks"] = notes
            static_x = x.index_select(0, pick(0))
            static_y = y.index_select(0, pick(0))
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):  # warm-up off the default stream, as the docs' recipe
                for _ in range(3):
                    opt.zero_grad(set_to_none=False)
                    loss_fn(model(static_x), static_y).backward()
                    opt.step()
            torch.cuda.current_stream().wait_stream(side)
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph):
                opt.zero_grad(set_to_none=False)
                static_loss = loss_fn(model(static_x), static_y)
                static_loss.backward()
                opt.step()
            counter = [0]

            def graph_step():
                idx = pick(counter[0])
                counter[0] += 1
                torch.index_select(x, 0, idx, out=static_x)  # the batch into the captured inputs
                torch.index_select(y, 0, idx, out=static_y)
                graph.replay()

            for _ in range(10):
                graph_step()
            ms = cuda_ms(graph_step, steps, trials=2)
            entry.update(stepMs=ms, samplesPerSec=batch / (ms * 1e-3), loss=float(static_loss.item()))
        except Exception as e:
            entry["error"] = f"{type(e).__name__}: {e}"
        result["mlp"].append(entry)
        save()
        log("graph", batch, entry.get("stepMs"), entry.get("error", ""))


# --- kernels -------------------------------------------------------------------------------------

ADAM_PARAMS = 10_000_000 if QUICK else 100_000_000
ADAM_BYTES = 28  # param r/w 8, grad 4, m and v r/w 16
ACT_FLOATS = (1 << 24) if QUICK else (1 << 28)
GEMM_N = 4096


def gbps(nbytes, ms):
    return nbytes / (ms * 1e-3) / 1e9


def copy_entry(floats):
    src = torch.rand(floats, device=dev)
    dst = torch.empty_like(src)
    ms = cuda_ms(lambda: dst.copy_(src), 20)
    return {"floats": floats, "ms": ms, "gbps": gbps(8 * floats, ms)}


def adam():
    p = torch.nn.Parameter(torch.rand(ADAM_PARAMS, device=dev) * 0.2 - 0.1)
    p.grad = torch.rand(ADAM_PARAMS, device=dev) * 0.02 - 0.01
    opt, desc, notes = make_adam([p], capturable=False)
    ms = cuda_ms(opt.step, 20)
    entry = {"params": ADAM_PARAMS, "bytesPerParam": ADAM_BYTES, "optimizer": desc, "ms": ms,
             "gbps": gbps(ADAM_BYTES * ADAM_PARAMS, ms)}
    if notes:
        entry["fallbacks"] = notes
    result["kernels"]["adam"] = entry


def adam_copy():
    result["kernels"]["adamCopy"] = copy_entry(round(ADAM_BYTES * ADAM_PARAMS / 8))


def activations():
    result["kernels"]["actCopy"] = copy_entry(ACT_FLOATS)
    x = torch.rand(ACT_FLOATS, device=dev) * 8 - 4
    y = torch.empty_like(x)
    fns = {
        "relu": lambda: torch.clamp_min(x, 0.0, out=y),  # relu has no out=: the same kernel class, no allocation
        "sigmoid": lambda: torch.sigmoid(x, out=y),
        "tanh": lambda: torch.tanh(x, out=y),
        "gelu": lambda: torch.nn.functional.gelu(x),  # erf form, as dendrite's gelu
    }
    for name, fn in fns.items():
        try:
            ms = cuda_ms(fn, 20)
            result["kernels"][name] = {"floats": ACT_FLOATS, "ms": ms, "gbps": gbps(8 * ACT_FLOATS, ms)}
        except Exception as e:
            result["kernels"][name] = {"error": f"{type(e).__name__}: {e}"}
    # torch.relu itself (allocating its output from the caching allocator), for reference
    try:
        ms = cuda_ms(lambda: torch.relu(x), 20)
        result["kernels"]["relu-alloc"] = {"floats": ACT_FLOATS, "ms": ms, "gbps": gbps(8 * ACT_FLOATS, ms)}
    except Exception as e:
        result["kernels"]["relu-alloc"] = {"error": f"{type(e).__name__}: {e}"}


def set_tf32(allow):
    """TF32 for fp32 matmuls on or off: torch >= 2.9's fp32_precision where it exists (mixing it
    with the legacy allow_tf32 flag is refused there), else allow_tf32."""
    m = torch.backends.cuda.matmul
    try:  # older torch raises (AssertionError or AttributeError) for the unknown name
        m.fp32_precision = "tf32" if allow else "ieee"
        return "fp32_precision"
    except Exception:
        m.allow_tf32 = allow
        return "allow_tf32"


def mm():
    a = torch.rand(GEMM_N, GEMM_N, device=dev) - 0.5
    b = torch.rand(GEMM_N, GEMM_N, device=dev) - 0.5
    c = torch.empty(GEMM_N, GEMM_N, device=dev)
    try:
        for name, allow in (("mm-fp32", False), ("mm-tf32", True)):
            set_tf32(allow)
            ms = cuda_ms(lambda: torch.mm(a, b, out=c), 20 if allow else 10)
            result["kernels"][name] = {"n": GEMM_N, "ms": ms, "tflops": 2 * GEMM_N**3 / (ms * 1e-3) / 1e12,
                                       "tf32": allow}
    finally:
        set_tf32(False)  # torch's default, which the MLP ran with


try:
    result["tf32Switch"] = set_tf32(False)  # fp32 matmuls (torch's default; dendrite's too)
except Exception as e:
    result["errors"].append(f"could not turn TF32 off: {e}")
started = time.perf_counter()
section("mlp", mlp)
section("adam", adam)
section("adamCopy", adam_copy)
section("activations", activations)
section("mm", mm)
result["seconds"] = round(time.perf_counter() - started, 1)
emit()
