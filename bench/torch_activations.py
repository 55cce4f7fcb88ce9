"""PyTorch peer of bench/activations.mjs: the same ops, forward and backward,
float32 on one thread. Prints JSON {op: {"fwd": seconds_per_call, "bwd": ...}} per size."""
import json
import sys

import torch
import torch.nn.functional as F

from torch_timing import best_time

torch.set_num_threads(1)
aten = torch.ops.aten

# name -> (forward(x, out), backward(dy, x, y, out)); None where torch has no single op.
OPS = {
    "sigmoid": (lambda x, o: torch.sigmoid(x, out=o), lambda dy, x, y, o: aten.sigmoid_backward(dy, y, grad_input=o)),
    "tanh": (lambda x, o: torch.tanh(x, out=o), lambda dy, x, y, o: aten.tanh_backward(dy, y, grad_input=o)),
    "relu": (lambda x, o: torch.clamp_min(x, 0, out=o), lambda dy, x, y, o: aten.threshold_backward(dy, x, 0, grad_input=o)),
    "leakyRelu": (lambda x, o: aten.leaky_relu(x, 0.01, out=o), lambda dy, x, y, o: aten.leaky_relu_backward(dy, x, 0.01, False, grad_input=o)),
    "swish": (lambda x, o: aten.silu(x, out=o), lambda dy, x, y, o: aten.silu_backward(dy, x, grad_input=o)),
    "gelu": (lambda x, o: aten.gelu(x, out=o), lambda dy, x, y, o: aten.gelu_backward(dy, x, grad_input=o)),
    "elu": (lambda x, o: aten.elu(x, out=o), lambda dy, x, y, o: aten.elu_backward(dy, 1.0, 1.0, 1.0, False, x, grad_input=o)),
    "softplus": (lambda x, o: aten.softplus(x, 1, 20, out=o), lambda dy, x, y, o: aten.softplus_backward(dy, x, 1, 20, grad_input=o)),
    "mish": (lambda x, o: o.copy_(F.mish(x)), lambda dy, x, y, o: o.copy_(aten.mish_backward(dy, x))),
    "hardSigmoid": (lambda x, o: aten.hardsigmoid(x, out=o), lambda dy, x, y, o: o.copy_(aten.hardsigmoid_backward(dy, x))),
    "hardSwish": (lambda x, o: aten.hardswish(x, out=o), lambda dy, x, y, o: o.copy_(aten.hardswish_backward(dy, x))),
    "relu6": (lambda x, o: aten.hardtanh(x, 0, 6, out=o), lambda dy, x, y, o: aten.hardtanh_backward(dy, x, 0, 6, grad_input=o)),
    "selu": (lambda x, o: aten.elu(x, SELU_ALPHA, SELU_SCALE, 1.0, out=o),
             lambda dy, x, y, o: aten.elu_backward(dy, SELU_ALPHA, SELU_SCALE, 1.0, False, x, grad_input=o)),
    "softmax": (lambda x, o: aten._softmax(x, -1, False, out=o),
                lambda dy, x, y, o: aten._softmax_backward_data(dy, y, -1, torch.float32, grad_input=o)),
    "logSoftmax": (lambda x, o: aten._log_softmax(x, -1, False, out=o),
                   lambda dy, x, y, o: aten._log_softmax_backward_data(dy, y, -1, torch.float32, out=o)),
}
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
ROW = 1024  # softmax rows of 1024 columns, as in activations.mjs


def main():
    sizes = [int(s) for s in sys.argv[1:]]
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "sizes": {}}
    for n in sizes:
        g = torch.Generator().manual_seed(1)
        x = (torch.randn(n, generator=g) * 3).view(-1, ROW)
        dy = torch.randn(n, generator=g).view(-1, ROW)
        y = torch.empty_like(x)
        o = torch.empty_like(x)
        res = {"copy": best_time(lambda: o.copy_(x))}
        for name, (fwd, bwd) in OPS.items():
            fwd(x, y)
            res[name] = {"fwd": best_time(lambda: fwd(x, y)), "bwd": best_time(lambda: bwd(dy, x, y, o))}
        out["sizes"][str(n)] = res
    print(json.dumps(out))


if __name__ == "__main__":
    main()
