// Every golden PyTorch loss case (value and gradient) on every backend and ISA
// variant, with every accepted form of class targets.
import { afterAll, describe } from 'vitest';
import { restoreDefaults, variants } from '../helpers.js';
import { lossGolden } from './golden.suite.js';

afterAll(restoreDefaults);

describe.each(variants())('golden losses on $label', lossGolden);
