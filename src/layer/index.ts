/** dd.layers: layer factories. */
import { dense } from './dense.js';

export const layers = { dense };
export { Dense } from './dense.js';
export type { DenseOptions, ActivationSpec } from './dense.js';
export type { Layer } from './layer.js';
export { INITIALIZER_NAMES } from './initializers.js';
export type { InitializerName } from './initializers.js';
