// Compile-time checks of the public types (run by `tsc --noEmit` in `npm test`).
import { expectTypeOf } from 'vitest';
import * as dd from '../../src/index.js';

expectTypeOf(dd.tensor([[1, 2]])).toEqualTypeOf<dd.Tensor>();
expectTypeOf(dd.activation('leakyRelu', { alpha: 0.1 }).options.alpha).toEqualTypeOf<number>();
expectTypeOf(dd.activation('gelu').options.approximate).toEqualTypeOf<'none' | 'tanh'>();
expectTypeOf(dd.activation('relu').forward(new Float32Array(2))).toEqualTypeOf<dd.Tensor>();
expectTypeOf(dd.loss('softmaxCrossEntropy').forward(dd.tensor([[1, 2]]), [1])).toEqualTypeOf<number>();
expectTypeOf(dd.backends()).toEqualTypeOf<dd.BackendInfo[]>();
expectTypeOf(dd.setBackend).parameter(0).toEqualTypeOf<dd.BackendName>();
// @ts-expect-error unknown option
dd.activation('elu', { beta: 1 });
// @ts-expect-error unknown activation
dd.activation('relu7');

// distributed
const dist = dd.distributed.init({ bucketBytes: 1 << 22, threads: 'auto' });
expectTypeOf(dist).toEqualTypeOf<dd.Distributed>();
const f32 = new Float32Array(2);
const f64 = new Float64Array(2);
expectTypeOf(dist.allreduce(f32, 'avg')).resolves.toEqualTypeOf<typeof f32>();  // the same array, reduced in place
expectTypeOf(dist.allreduce(f64)).resolves.toEqualTypeOf<typeof f64>();
expectTypeOf(dist.broadcast(f64, 0)).resolves.toEqualTypeOf<typeof f64>();
expectTypeOf(dd.distributed.compiled).toEqualTypeOf<boolean>();
expectTypeOf<dd.FitOptions['distributed']>().toEqualTypeOf<dd.Distributed | undefined>();
expectTypeOf<dd.SequentialOptions['backend']>().toEqualTypeOf<dd.BackendName | undefined>();
// @ts-expect-error integer arrays are not reduced
dist.allreduce(new Int32Array(2));
// @ts-expect-error unknown reduction
dist.allreduce(new Float32Array(2), 'prod');

// Sequential: typed targets, metrics by name, no internals on the public type
const seqModel = dd.sequential([dd.layers.dense({ inputSize: 2, units: 3 })]);
seqModel.compile({ optimizer: new dd.optimizers.Adam(), loss: 'softmaxCrossEntropy', metrics: ['accuracy', 'precision', { name: 'topKAccuracy', k: 2 }] });
// @ts-expect-error unknown metric name
seqModel.compile({ optimizer: new dd.optimizers.Adam(), loss: 'mse', metrics: ['f1'] });
expectTypeOf(seqModel.fit).parameter(1).toEqualTypeOf<dd.TargetsLike>();
expectTypeOf(seqModel.evaluate).parameter(1).toEqualTypeOf<dd.TargetsLike>();
void seqModel.fit([[1, 2]], Int32Array.of(0));
void seqModel.fit([[1, 2]], [[0, 1, 0]], { validationData: [[[1, 2]], [2]], checkFinite: false });
// @ts-expect-error y is typed (not unknown)
void seqModel.fit([[1, 2]], 'labels');
// @ts-expect-error internal state
void seqModel.busy;
// @ts-expect-error internal state
seqModel.network(2);
// @ts-expect-error internal state
seqModel.gradientArena();
// @ts-expect-error internal state
seqModel.gradients();
// @ts-expect-error internal state
seqModel.objective('fit');
// @ts-expect-error internal state
seqModel.computeBackend();
// @ts-expect-error internal state
seqModel.forEachBatch;
// @ts-expect-error internal state
seqModel.inputRows([[1, 2]]);
