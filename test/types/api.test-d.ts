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
