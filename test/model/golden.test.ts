// PyTorch goldens for the model: one Dense layer forward/backward (dense.json)
// and end-to-end MLP training traces (mlp_training.json: per-step losses,
// final weights, final loss) on every backend and ISA variant.
import { afterAll, describe } from 'vitest';
import { restoreDefaults, variants } from '../helpers.js';
import { modelGolden } from './golden.suite.js';

afterAll(restoreDefaults);

describe.each(variants())('golden model cases on $label', modelGolden);
