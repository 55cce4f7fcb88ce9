/** dd.callbacks: ready-made training callbacks (Keras' names and semantics). */
import { csvLogger } from '../callbacks/csv-logger.js';
import { modelCheckpoint } from '../callbacks/model-checkpoint.js';
import { earlyStopping, terminateOnNaN } from './callbacks.js';

export const callbacks = { earlyStopping, terminateOnNaN, modelCheckpoint, csvLogger };
