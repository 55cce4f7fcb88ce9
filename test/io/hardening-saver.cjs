// Child process of hardening-crash.test.ts (dist/): saves generation after generation of a
// model whose every weight equals its generation number, into argv[2], from argv[3] on,
// until argv[4] generations are done (or it is killed). Prints "ready" once, then "saved <g>".
const dd = require('../../dist/index.js');

const [dir, from, count] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4] ?? 1e9)];
const model = dd.sequential([dd.layers.dense({ inputSize: 64, units: 256 }), dd.layers.dense({ units: 128 })]);
model.compile({ optimizer: new dd.optimizers.SGD({ lr: 0.1, momentum: 0.9 }), loss: 'mse' });
(async () => {
  process.stdout.write('ready\n');
  for (let g = from; g < from + count; g++) {
    model.setWeights(model.getWeights().map((w) => w.fill(g)));
    await model.save(dir, { includeOptimizer: true });
    process.stdout.write(`saved ${g}\n`);
  }
})().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
