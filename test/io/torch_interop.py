"""PyTorch side of test/io/torch-interop.test.ts (run with /usr/bin/python3).

Safetensors files are read and written by hand (struct + json + numpy), so the
`safetensors` package is not needed.

  export OUTDIR   write a torch MLP 5-16(tanh)-8(relu)-3 as OUTDIR/torch_f32.safetensors
                  (torch's state-dict names 0.weight, 0.bias, 2.weight, ...; the header is
                  deliberately not padded, so the tensor data is not 4-byte aligned),
                  the same weights as F64 in OUTDIR/torch_f64.safetensors, F16/BF16
                  samples in OUTDIR/halves.safetensors, and OUTDIR/data.json with the
                  inputs, torch's predictions and the halves as float32 values.
  import FILE DATA
                  load FILE, written by dendrite's model.saveWeights(file, { layout: 'torch' })
                  (names layers.<k>.weight [out, in] / layers.<k>.bias, k counting Linear
                  layers), into the same nn.Sequential by mapping k to the module index of
                  the k-th Linear, and print its predictions for DATA's inputs as JSON.
"""
import json
import struct
import sys

import numpy as np
import torch
from torch import nn

DTYPES = {'F32': '<f4', 'F64': '<f8'}


def build():
    return nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 3))


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
        out[name] = torch.from_numpy(array.astype(np.float32))
    return out


def export(outdir):
    torch.manual_seed(0)
    net = build()
    x = torch.randn(7, 5)
    with torch.no_grad():
        y = net(x)
    state = net.state_dict()
    write_safetensors(f'{outdir}/torch_f32.safetensors',
                      {k: ('F32', v.shape, v.numpy().astype('<f4').tobytes()) for k, v in state.items()},
                      {'format': 'pt'}, aligned=False)
    write_safetensors(f'{outdir}/torch_f64.safetensors',
                      {k: ('F64', v.shape, v.double().numpy().astype('<f8').tobytes()) for k, v in state.items()})
    samples = torch.tensor([0.0, -0.0, 1.0, -2.5, 3.14159, 65504.0, 1e-7, 6e-8, -1e5, 1e30, float('inf'), float('-inf')])
    half = samples.half()
    bf16 = samples.bfloat16()
    write_safetensors(f'{outdir}/halves.safetensors', {
        'half': ('F16', [2, 6], half.view(torch.int16).numpy().astype('<i2').tobytes()),
        'bf16': ('BF16', [12], bf16.view(torch.int16).numpy().astype('<i2').tobytes()),
    })
    finite = lambda t: [v if np.isfinite(v) else ('inf' if v > 0 else '-inf') for v in t.float().tolist()]
    with open(f'{outdir}/data.json', 'w') as f:
        json.dump({'x': x.tolist(), 'y': y.tolist(), 'half': finite(half), 'bf16': finite(bf16)}, f)


def load(path, data_path):
    net = build()
    linear = [i for i, m in enumerate(net) if isinstance(m, nn.Linear)]
    tensors = read_safetensors(path)
    state = {}
    for name, value in tensors.items():
        _, k, kind = name.split('.')  # layers.<k>.weight|bias
        state[f'{linear[int(k)]}.{kind}'] = value
    net.load_state_dict(state, strict=True)
    with open(data_path) as f:
        x = torch.tensor(json.load(f)['x'], dtype=torch.float32)
    with torch.no_grad():
        print(json.dumps(net(x).tolist()))


if __name__ == '__main__':
    torch.set_num_threads(1)
    if sys.argv[1] == 'export':
        export(sys.argv[2])
    else:
        load(sys.argv[2], sys.argv[3])
