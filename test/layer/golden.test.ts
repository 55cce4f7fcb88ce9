// PyTorch goldens of the layers and of small CNN / embedding networks trained a few steps
// (layers.json, cnn_training.json) on every backend and ISA variant.
import { afterAll, describe } from 'vitest';
import { restoreDefaults, variants } from '../helpers.js';
import { layerGolden } from './golden.suite.js';

afterAll(restoreDefaults);

describe.each(variants())('golden layer cases on $label', layerGolden);
