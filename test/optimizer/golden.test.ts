// Every golden PyTorch optimizer trajectory (25 steps, incl. a zero-gradient and
// a x1e4 gradient step) on every backend and ISA variant, float32 tolerance
// rtol 1e-4 / atol 1e-5. NAdam follows the corrected PyTorch >= 2.0 formula.
import { afterAll, describe } from 'vitest';
import { restoreDefaults, variants } from '../helpers.js';
import { optimizerGolden } from './golden.suite.js';

afterAll(restoreDefaults);

describe.each(variants())('golden optimizers on $label', optimizerGolden);
