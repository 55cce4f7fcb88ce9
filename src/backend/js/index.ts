/** The `js` backend: pure TypeScript, always available. */
import type { Backend } from '../backend.js';
import { activationBackward, activationForward } from './activations.js';
import { bceWithLogits, mse, softmaxCrossEntropy } from './losses.js';
import { gemm } from './gemm.js';
import { clipGradNorm, clipGradValue, optimizerStep } from './optimizers.js';
import { softmaxBackward, softmaxForward } from './softmax.js';

export const jsBackend: Backend = {
  name: 'js',
  trainer: null,
  activationForward,
  activationBackward,
  softmaxForward,
  softmaxBackward,
  mse,
  softmaxCrossEntropy,
  bceWithLogits,
  optimizerStep,
  clipGradNorm,
  clipGradValue,
  gemm,
};
