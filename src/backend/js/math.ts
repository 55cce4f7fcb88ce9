/** Scalar float64 helpers of the pure-TS backend. */

/** Logistic sigmoid, two branches so exp never overflows. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** log(1 + e^z) without overflow. */
export function softplus(z: number): number {
  return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
}

/**
 * Complementary error function (JS has no Math.erf). W. J. Cody's rational
 * Chebyshev approximations (Math. Comp. 1969), relative error ~1e-16.
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 0.5) return 1 - erfSmall(x);
  const r = ax < 4 ? erfcMid(ax) : erfcLarge(ax);
  return x < 0 ? 2 - r : r;
}

function erfSmall(x: number): number {
  const a = [3.1611237438705656, 113.864154151050156, 377.485237685302021, 3209.37758913846947, 0.185777706184603153];
  const b = [23.6012909523441209, 244.024637934444173, 1282.61652607737228, 2844.23683343917062];
  const z = x * x;
  let num = a[4] * z;
  let den = z;
  for (let i = 0; i < 3; i++) {
    num = (num + a[i]) * z;
    den = (den + b[i]) * z;
  }
  return (x * (num + a[3])) / (den + b[3]);
}

function erfcMid(y: number): number {
  const c = [0.564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131,
    881.95222124176909, 1712.04761263407058, 2051.07837782607147, 1230.33935479799725, 2.15311535474403846e-8];
  const d = [15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019,
    3290.79923573345963, 4362.61909014324716, 3439.36767414372164, 1230.33935480374942];
  let num = c[8] * y;
  let den = y;
  for (let i = 0; i < 7; i++) {
    num = (num + c[i]) * y;
    den = (den + d[i]) * y;
  }
  return expMinusSquare(y) * ((num + c[7]) / (den + d[7]));
}

function erfcLarge(y: number): number {
  const p = [0.305326634961232344, 0.360344899949804439, 0.125781726111229246, 0.0160837851487422766,
    6.58749161529837803e-4, 0.0163153871373020978];
  const q = [2.56852019228982242, 1.87295284992346725, 0.527905102951428412, 0.0605183413124413191,
    0.00233520497626869185];
  if (y > 27) return 0;
  const z = 1 / (y * y);
  let num = p[5] * z;
  let den = z;
  for (let i = 0; i < 4; i++) {
    num = (num + p[i]) * z;
    den = (den + q[i]) * z;
  }
  const r = (z * (num + p[4])) / (den + q[4]);
  return (expMinusSquare(y) * (1 / Math.sqrt(Math.PI) - r)) / y;
}

// e^(-y^2) with y^2 split into an exact high part and a small remainder (Cody).
function expMinusSquare(y: number): number {
  const hi = Math.trunc(y * 16) / 16;
  const del = (y - hi) * (y + hi);
  return Math.exp(-hi * hi) * Math.exp(-del);
}
