/**
 * Weight initializers (fanIn = input size, fanOut = units for W [in, out]).
 * Normal variants are untruncated, as torch's xavier_normal_ / kaiming_normal_.
 */
import { invalidParameter } from '../errors.js';
import type { Random } from '../random.js';

export const INITIALIZER_NAMES = [
  'glorotUniform', 'glorotNormal', 'heUniform', 'heNormal', 'lecunUniform', 'lecunNormal', 'zeros', 'ones',
] as const;
export type InitializerName = (typeof INITIALIZER_NAMES)[number];

/** Fill `out` for a weight of the given fans. */
export function initialize(name: InitializerName, out: Float32Array, fanIn: number, fanOut: number, rng: Random): void {
  const uniform = (limit: number) => {
    for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-limit, limit);
  };
  const normal = (std: number) => {
    for (let i = 0; i < out.length; i++) out[i] = std * rng.normal();
  };
  switch (name) {
    case 'glorotUniform': return uniform(Math.sqrt(6 / (fanIn + fanOut)));
    case 'glorotNormal': return normal(Math.sqrt(2 / (fanIn + fanOut)));
    case 'heUniform': return uniform(Math.sqrt(6 / fanIn));
    case 'heNormal': return normal(Math.sqrt(2 / fanIn));
    case 'lecunUniform': return uniform(Math.sqrt(3 / fanIn));
    case 'lecunNormal': return normal(Math.sqrt(1 / fanIn));
    case 'zeros': out.fill(0); return;
    case 'ones': out.fill(1); return;
    default: throw invalidParameter('initializer', `one of ${INITIALIZER_NAMES.join(', ')}`, name);
  }
}
