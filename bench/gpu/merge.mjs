// Merges run.mjs's and torch_gpu.py's figures into one document with the ratios issue 8's targets
// name, and prints them:
//   node bench/gpu/merge.mjs [dir]    reads dir/gpu-dendrite.json and dir/gpu-torch.json, writes
//                                      dir/gpu.json (dir: $OUT, default .gpu/out)
// Ratios are dendrite over torch (> 1: dendrite faster) or kernel over copy bandwidth; a figure that
// is missing on either side gives null with the reason.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = process.argv[2] ?? process.env.OUT ?? path.join(root, '.gpu', 'out');
const read = (name) => {
  const file = path.join(dir, name);
  if (!existsSync(file)) return { missing: `${name} was not written` };
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return { missing: `${name} is not JSON: ${e.message}` };
  }
};
const ours = read('gpu-dendrite.json');
const torch = read('gpu-torch.json');

const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const targets = [];
function ratio(name, a, b, target, what) {
  const r = num(a) !== null && num(b) !== null && b > 0 ? a / b : null;
  const entry = { name, what, ours: num(a), peer: num(b), ratio: r, target, met: r === null || target === null ? null : r >= target };
  if (r === null) entry.reason = `missing: ${num(a) === null ? 'ours' : ''}${num(a) === null && num(b) === null ? ' and ' : ''}${num(b) === null ? 'peer' : ''}`;
  targets.push(entry);
}

// The MLP step: fit's default GEMM path ('auto': cuBLAS when the build has it) and dendrite's own
// kernels, against torch's CUDA-graph step (the issue's peer) and its eager step.
const mlp = (gemm, batch) => (ours.mlp ?? []).find((m) => m.backend === 'cuda' && m.gemm === gemm && m.batch === batch && !m.error);
const tmlp = (mode, batch) => (torch.mlp ?? []).find((m) => m.mode === mode && m.batch === batch && !m.error);
for (const [batch, target] of [[128, 1.5], [1024, 1.5], [16384, 0.9]]) {
  ratio(`mlp b${batch} vs torch graph`, mlp('auto', batch)?.samplesPerSec, tmlp('graph', batch)?.samplesPerSec, target,
    `samples/s, fit (gemm ${mlp('auto', batch)?.gemmImpl ?? '?'}) / torch CUDA graph, Adam(fused, capturable)`);
  if (mlp('own', batch)) {
    ratio(`mlp b${batch} (own GEMM) vs torch graph`, mlp('own', batch).samplesPerSec, tmlp('graph', batch)?.samplesPerSec, target,
      `samples/s, fit (gemm ${mlp('own', batch).gemmImpl}) / torch CUDA graph`);
  }
  ratio(`mlp b${batch} vs torch eager`, mlp('auto', batch)?.samplesPerSec, tmlp('eager', batch)?.samplesPerSec, null,
    'samples/s, fit / torch eager (no target)');
}

const cpu = (ours.mlp ?? []).find((m) => m.backend === 'cpu' && m.batch === 128 && !m.error);
ratio('mlp b128 cuda vs cpu backend', mlp('auto', 128)?.samplesPerSec, cpu?.samplesPerSec, null,
  `samples/s, fit on cuda / fit on cpu (${cpu?.gemmImpl ?? '?'}; no target)`);

// Bandwidth-bound kernels: GB/s as a fraction of a device copy of the same bytes (ours of ours).
const k = ours.kernels ?? {}, tk = torch.kernels ?? {};
ratio('adam 100M vs copy', k.adam?.gbps, k.adamCopy?.gbps, 0.9, 'GB/s at 28 B/param over d2d copy GB/s');
ratio('adam 100M vs torch fused Adam', k.adam?.gbps, tk.adam?.gbps, null, 'GB/s, ours / torch (no target)');
for (const act of ['relu', 'sigmoid', 'tanh', 'gelu']) {
  ratio(`${act} 256M vs copy`, k[act]?.gbps, k.actCopy?.gbps, 0.9, 'GB/s at 8 B/element over d2d copy GB/s');
}
// GEMM 4096: dendrite's own fp32 kernel >= 0.8x torch.mm fp32, the cuBLAS path >= 0.95x.
ratio('sgemm 4096 own fp32 vs torch.mm fp32', k['sgemm-own-fp32']?.tflops, tk['mm-fp32']?.tflops, 0.8, 'TFLOP/s');
ratio('sgemm 4096 cuBLAS fp32 vs torch.mm fp32', k['sgemm-cublas-fp32']?.tflops, tk['mm-fp32']?.tflops, 0.95, 'TFLOP/s');
ratio('sgemm 4096 own tf32 vs torch.mm tf32', k['sgemm-own-tf32']?.tflops, tk['mm-tf32']?.tflops, null, 'TFLOP/s (no target)');
ratio('sgemm 4096 cuBLAS tf32 vs torch.mm tf32', k['sgemm-cublas-tf32']?.tflops, tk['mm-tf32']?.tflops, null, 'TFLOP/s (no target)');

const doc = {
  date: new Date().toISOString(),
  gpu: ours.gpu?.name || torch.gpu?.name || null,
  computeCapability: ours.gpu?.computeCapability ?? torch.gpu?.computeCapability ?? null,
  torch: torch.version ?? null,
  torchCuda: torch.cudaVersion ?? null,
  targets,
  dendrite: ours,
  pytorch: torch,
};
writeFileSync(path.join(dir, 'gpu.json'), JSON.stringify(doc, null, 2) + '\n');

const f = (v, d = 2) => (v === null || v === undefined ? 'n/a' : v.toFixed(d));
console.log(`GPU: ${doc.gpu ?? 'unknown'}; torch ${doc.torch ?? 'n/a'} (CUDA ${doc.torchCuda ?? 'n/a'})`);
for (const [side, d] of [['dendrite', ours], ['torch', torch]]) {
  if (d.missing) console.log(`${side}: ${d.missing}`);
  for (const e of d.errors ?? []) console.log(`${side} note: ${e}`);
}
console.log(`${'target'.padEnd(44)} ${'ours'.padStart(12)} ${'peer'.padStart(12)} ${'ratio'.padStart(7)} ${'goal'.padStart(6)}  met`);
for (const t of targets) {
  const met = t.met === null ? (t.target === null ? '' : '?') : t.met ? 'yes' : 'NO';
  console.log(`${t.name.padEnd(44)} ${f(t.ours, 1).padStart(12)} ${f(t.peer, 1).padStart(12)} ${f(t.ratio).padStart(7)} ${(t.target === null ? '-' : `>=${t.target}`).padStart(6)}  ${met}${t.reason ? ` (${t.reason})` : ''}`);
}
console.log(`wrote ${path.join(dir, 'gpu.json')}`);
