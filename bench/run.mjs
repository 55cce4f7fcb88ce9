// `npm run bench`: every benchmark of the suite, in order. `--quick` for a short run.
const suites = ['./activations.mjs', './optimizers.mjs', './gemm.mjs', './train-mlp.mjs', './train-cnn.mjs', './distributed.mjs'];
for (const s of suites) await import(s);
