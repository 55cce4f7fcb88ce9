"""PyTorch side of test/io/torch-interop.test.ts (run with /usr/bin/python3).

Safetensors files are read and written by hand (struct + json + numpy), so the
`safetensors` package is not needed.

The models (dendrite's twins are in the test file):
  mlp        Linear(5, 16), Tanh, Linear(16, 8), ReLU, Linear(8, 3)
  cnn        Conv2d(2, 4, 3, padding=1), ReLU, BatchNorm2d(4), MaxPool2d(2), Conv2d(4, 6, 3),
             Flatten, Linear(24, 5), LayerNorm(5), Linear(5, 3)        on 8x8x2 images
  embedding  Embedding(12, 4), Flatten, Linear(20, 3)                   on 5 ids

  export OUTDIR   write OUTDIR/torch_<model>.safetensors for each model: torch's state-dict
                  names (0.weight, 2.running_mean, ...; num_batches_tracked as I64); the cnn
                  and embedding nets are trained a few steps first, so that batch norm's
                  running statistics are not their initial values. The mlp file's header is
                  deliberately not padded (the data is not 4-byte aligned), its weights are
                  also written as F64 (torch_mlp_f64.safetensors), and F16/BF16 samples go to
                  OUTDIR/halves.safetensors. OUTDIR/data.json holds, per model, the inputs
                  x (images channels-last, [N, H, W, C], as dendrite takes them) and torch's
                  eval-mode predictions y, and the halves as float32 values.
  import MODEL FILE DATA
                  load FILE, written by dendrite's model.saveWeights(file, { layout: 'torch' })
                  (names layers.<i>.<torchName>, i the dendrite layer index), into MODEL's
                  nn.Sequential: the groups of names, sorted by i, go to the modules that
                  have a state dict, in order (load_state_dict strict). Print as JSON its
                  eval-mode predictions for DATA's MODEL inputs and each num_batches_tracked.
"""
import json
import struct
import sys

import numpy as np
import torch
from torch import nn

DTYPES = {'F32': '<f4', 'F64': '<f8', 'I64': '<i8'}


def build(model):
    if model == 'mlp':
        return nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 3))
    if model == 'cnn':
        return nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(4), nn.MaxPool2d(2),
                             nn.Conv2d(4, 6, 3), nn.Flatten(), nn.Linear(24, 5), nn.LayerNorm(5), nn.Linear(5, 3))
    if model == 'embedding':
        return nn.Sequential(nn.Embedding(12, 4), nn.Flatten(), nn.Linear(20, 3))
    raise ValueError(model)


def inputs(model, n, generator):
    if model == 'mlp':
        return torch.randn(n, 5, generator=generator)
    if model == 'cnn':
        return torch.randn(n, 2, 8, 8, generator=generator)  # NCHW
    return torch.randint(0, 12, (n, 5), generator=generator)


def channels_last(model, x):
    """x as dendrite takes it: images [N, H, W, C]."""
    return x.permute(0, 2, 3, 1) if model == 'cnn' else x


def channels_first(model, x):
    return x.permute(0, 3, 1, 2).contiguous() if model == 'cnn' else x


def write_safetensors(path, tensors, metadata=None, aligned=True):
    """tensors: name -> (dtype, shape, raw little-endian bytes)."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header['__metadata__'] = metadata
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {'dtype': dtype, 'shape': list(shape), 'data_offsets': [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode('utf-8')
    if aligned:
        text += b' ' * (-len(text) % 8)
    else:
        text += b' ' * ((1 - (8 + len(text))) % 4)  # data starts at an offset = 1 (mod 4)
        assert (8 + len(text)) % 4 == 1
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + b''.join(blobs))


def state_entries(state, float_dtype='F32'):
    """A state dict as write_safetensors entries (integer tensors such as num_batches_tracked as I64)."""
    out = {}
    for k, v in state.items():
        if v.dtype == torch.int64:
            out[k] = ('I64', v.shape, v.numpy().astype('<i8').tobytes())
        else:
            out[k] = (float_dtype, v.shape, v.double().numpy().astype(DTYPES[float_dtype]).tobytes())
    return out


def read_safetensors(path):
    with open(path, 'rb') as f:
        data = f.read()
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + n].decode('utf-8'))
    header.pop('__metadata__', None)
    out = {}
    for name, info in header.items():
        begin, end = info['data_offsets']
        array = np.frombuffer(data[8 + n + begin:8 + n + end], dtype=DTYPES[info['dtype']]).reshape(info['shape'])
        out[name] = torch.from_numpy(array.astype(np.int64 if info['dtype'] == 'I64' else np.float32))
    return out


def train(net, model, generator, steps=3):
    """A few SGD steps in training mode (batch norm updates its running statistics)."""
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    net.train()
    for _ in range(steps):
        x = inputs(model, 16, generator)
        y = torch.randint(0, 3, (16,), generator=generator)
        optimizer.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()
        optimizer.step()
    net.eval()


def export(outdir):
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(1)
    data = {}
    for model in ['mlp', 'cnn', 'embedding']:
        net = build(model)
        if model != 'mlp':
            train(net, model, generator)
        net.eval()
        x = inputs(model, 7, generator)
        with torch.no_grad():
            y = net(x)
        data[model] = {'x': channels_last(model, x).tolist(), 'y': y.tolist()}
        state = net.state_dict()
        write_safetensors(f'{outdir}/torch_{model}.safetensors', state_entries(state), {'format': 'pt'}, aligned=model != 'mlp')
        if model == 'mlp':
            write_safetensors(f'{outdir}/torch_mlp_f64.safetensors', state_entries(state, 'F64'))
    samples = torch.tensor([0.0, -0.0, 1.0, -2.5, 3.14159, 65504.0, 1e-7, 6e-8, -1e5, 1e30, float('inf'), float('-inf')])
    half = samples.half()
    bf16 = samples.bfloat16()
    write_safetensors(f'{outdir}/halves.safetensors', {
        'half': ('F16', [2, 6], half.view(torch.int16).numpy().astype('<i2').tobytes()),
        'bf16': ('BF16', [12], bf16.view(torch.int16).numpy().astype('<i2').tobytes()),
    })
    finite = lambda t: [v if np.isfinite(v) else ('inf' if v > 0 else '-inf') for v in t.float().tolist()]
    data['half'] = finite(half)
    data['bf16'] = finite(bf16)
    with open(f'{outdir}/data.json', 'w') as f:
        json.dump(data, f)


def load(model, path, data_path):
    net = build(model)
    stateful = [i for i, m in enumerate(net) if len(m.state_dict()) > 0]
    tensors = read_safetensors(path)
    groups = sorted({int(name.split('.')[1]) for name in tensors})  # layers.<i>.<torchName>
    assert len(groups) == len(stateful), (groups, stateful)
    module_of = dict(zip(groups, stateful))
    state = {}
    for name, value in tensors.items():
        _, i, kind = name.split('.')
        state[f'{module_of[int(i)]}.{kind}'] = value
    net.load_state_dict(state, strict=True)
    net.eval()
    with open(data_path) as f:
        x = torch.tensor(json.load(f)[model]['x'])
    x = x.long() if model == 'embedding' else channels_first(model, x.float())
    with torch.no_grad():
        y = net(x)
    counts = {k: int(v) for k, v in state.items() if k.endswith('num_batches_tracked')}
    print(json.dumps({'y': y.tolist(), 'num_batches_tracked': counts}))


if __name__ == '__main__':
    torch.set_num_threads(1)
    if sys.argv[1] == 'export':
        export(sys.argv[2])
    else:
        load(sys.argv[2], sys.argv[3], sys.argv[4])
