/**
 * dendrite: native-accelerated deep learning for Node.js.
 * Public exports only; see README.md for the guide.
 */
export { Tensor, tensor } from './tensor.js';
export type { TensorLike, NestedArray } from './tensor.js';
export { DendriteError } from './errors.js';
export { backends, setBackend, getBackend } from './backend/registry.js';
export type { BackendInfo, BackendName } from './backend/backend.js';
export { Activation, activation, ACTIVATION_NAMES } from './activation/index.js';
export type { ActivationName, ActivationOptionsByName, OpOptions } from './activation/index.js';
export { Loss, loss, LOSS_NAMES } from './loss/index.js';
export type { LossName, LossOptionsByName, ClassTargets } from './loss/index.js';
export { version } from './version.js';
