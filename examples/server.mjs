// An HTTP inference server (node:http) answering batch-1 predictions from a saved model.
// predictAsync runs each forward pass off the event loop (a native worker thread on the
// cpu backend), so the server keeps accepting and answering requests while it computes.
//
//   node examples/server.mjs [model-dir] [--port 8080]   # a directory from `dendrite train --save` or model.save()
//   node examples/server.mjs --self-test                  # start, send 500 requests (16 at a time), report, exit
//
//   curl -s localhost:8080/predict -d '{"input": [0.5, -0.5]}'
//   -> {"class":1,"probabilities":[0.02,0.98]}
//
// Without a model directory it first trains a small XOR model and saves it to a temporary
// directory, then serves that directory like any other (loaded back with dd.loadModel).
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as dd from 'dendrite';

const args = process.argv.slice(2);
const selfTest = args.includes('--self-test');
const portAt = args.indexOf('--port');
const port = portAt >= 0 ? Number(args[portAt + 1]) : selfTest ? 0 : 8080;
const dir = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--port') ?? await trainDemoModel();

const model = await dd.loadModel(dir);
const softmax = dd.activation('softmax');
console.log(`Serving ${dir}: ${model.toString()}`);

/** Read a JSON body (at most 1 MB). */
function readJson(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
      if (body.length > 1 << 20) reject(Object.assign(new Error('body too large'), { status: 413 }));
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(body));
      } catch {
        reject(Object.assign(new Error('invalid JSON'), { status: 400 }));
      }
    });
    req.on('error', reject);
  });
}

function send(res, status, value) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

const server = http.createServer(async (req, res) => {
  try {
    if (req.method === 'GET' && req.url === '/health') return send(res, 200, { ok: true, inputSize: model.inputSize, classes: model.outputSize });
    if (req.method !== 'POST' || req.url !== '/predict') return send(res, 404, { error: 'POST /predict or GET /health' });
    const { input } = await readJson(req);
    if (!Array.isArray(input) || input.length !== model.inputSize || !input.every(Number.isFinite)) {
      return send(res, 400, { error: `Expected "input": an array of ${model.inputSize} numbers` });
    }
    const logits = await model.predictAsync(dd.tensor(Float32Array.from(input), [1, model.inputSize]));
    const probabilities = Array.from(softmax.forward(logits).data, (p) => Number(p.toFixed(6)));
    send(res, 200, { class: probabilities.indexOf(Math.max(...probabilities)), probabilities });
  } catch (err) {
    send(res, err.status ?? (err instanceof dd.DendriteError ? 400 : 500), { error: err.message });
  }
});

server.listen(port, () => {
  const url = `http://localhost:${server.address().port}`;
  console.log(`Listening on ${url} (POST /predict {"input": [...${model.inputSize} numbers]}, GET /health)`);
  if (selfTest) runSelfTest(url).finally(() => server.close());
});

/** 500 requests, 16 in flight at a time; reports latency and how late a 5 ms timer fired meanwhile. */
async function runSelfTest(url) {
  let maxLag = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    maxLag = Math.max(maxLag, now - last - 5);
    last = now;
  }, 5);
  const points = [[0.8, 0.7], [-0.6, 0.9], [0.5, -0.4], [-0.7, -0.8]];
  const t0 = performance.now();
  const times = [];
  const answers = new Array(500);
  let next = 0;
  const client = async () => {
    for (let i = next++; i < answers.length; i = next++) {
      const start = performance.now();
      const r = await fetch(`${url}/predict`, { method: 'POST', body: JSON.stringify({ input: points[i % 4] }) });
      answers[i] = (await r.json()).class;
      times.push(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: 16 }, client));
  clearInterval(timer);
  times.sort((a, b) => a - b);
  console.log(`500 requests in ${(performance.now() - t0).toFixed(0)} ms: p50 ${times[250].toFixed(1)} ms, p99 ${times[495].toFixed(1)} ms; max event-loop lag ${maxLag.toFixed(1)} ms`);
  console.log(`classes of ${JSON.stringify(points)}: ${answers.slice(0, 4).join(', ')} (XOR: 0, 1, 1, 0 for the demo model)`);
  const bad = await fetch(`${url}/predict`, { method: 'POST', body: '{"input": [1]}' });
  console.log(`a malformed request: HTTP ${bad.status} ${JSON.stringify(await bad.json())}`);
}

/** Train a small model on XOR points and save it (model.save) into a temporary directory. */
async function trainDemoModel() {
  const n = 2000;
  const x = new Float32Array(2 * n);
  const y = new Int32Array(n);
  let s = 1;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  for (let i = 0; i < n; i++) {
    x[2 * i] = rnd();
    x[2 * i + 1] = rnd();
    y[i] = x[2 * i] * x[2 * i + 1] < 0 ? 1 : 0;
  }
  const demo = dd.sequential([
    dd.layers.dense({ inputSize: 2, units: 16, activation: 'tanh' }),
    dd.layers.dense({ units: 2 }),
  ], { seed: 1 });
  demo.compile({ optimizer: new dd.optimizers.Adam({ lr: 0.02 }), loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });
  await demo.fit(dd.tensor(x, [n, 2]), y, { epochs: 60, batchSize: 64 });
  const out = mkdtempSync(path.join(os.tmpdir(), 'dendrite-server-'));
  await demo.save(out);
  console.log(`Trained a demo XOR model (accuracy ${(demo.evaluate(dd.tensor(x, [n, 2]), y).accuracy * 100).toFixed(1)}%) and saved it to ${out}`);
  return out;
}
