// Every golden PyTorch activation case, forward and backward, on every backend
// and every native ISA variant, at rtol 1e-5 / atol 1e-6 (the acceptance bar).
import { afterAll, describe } from 'vitest';
import { restoreDefaults, variants } from '../helpers.js';
import { activationGolden } from './golden.suite.js';

afterAll(restoreDefaults);

describe.each(variants())('golden activations on $label', activationGolden);
