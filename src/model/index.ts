/** dd.callbacks: ready-made training callbacks. */
import { earlyStopping, terminateOnNaN } from './callbacks.js';

export const callbacks = { earlyStopping, terminateOnNaN };
