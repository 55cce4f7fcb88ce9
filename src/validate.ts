/** Argument checks shared by the facade. Each throws the house DendriteError. */
import { invalidParameter } from './errors.js';

export const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

/** `options` must be undefined or a plain object with only the allowed keys. */
export function checkOptions(options: unknown, allowed: readonly string[], name = 'options'): Record<string, unknown> {
  if (options === undefined) return {};
  if (!isPlainObject(options)) throw invalidParameter(name, 'a plain object', options);
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      const expected = allowed.length ? `one of the option names ${allowed.map((k) => `'${k}'`).join(', ')}` : 'no options';
      throw invalidParameter(`${name}.${key}`, expected, key);
    }
  }
  return options;
}

export interface RangeSpec {
  min?: number;
  max?: number;
  /** Exclude the minimum itself (e.g. beta > 0). */
  minExclusive?: boolean;
  maxExclusive?: boolean;
}

function rangeText({ min, max, minExclusive, maxExclusive }: RangeSpec): string {
  const lo = min === undefined ? '' : `${minExclusive ? '>' : '>='} ${min}`;
  const hi = max === undefined ? '' : `${maxExclusive ? '<' : '<='} ${max}`;
  if (min !== undefined && max !== undefined) return `a finite number ${lo} and ${hi}`;
  return `a finite number${lo || hi ? ` ${lo || hi}` : ''}`;
}

/** A finite number within an optional range; returns it. */
export function checkNumber(value: unknown, name: string, range: RangeSpec = {}): number {
  const { min, max, minExclusive, maxExclusive } = range;
  const ok =
    isFiniteNumber(value) &&
    (min === undefined || (minExclusive ? value > min : value >= min)) &&
    (max === undefined || (maxExclusive ? value < max : value <= max));
  if (!ok) throw invalidParameter(name, rangeText(range), value);
  return value as number;
}

/** An integer within an optional range; returns it. */
export function checkInteger(value: unknown, name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    const hi = max === Number.MAX_SAFE_INTEGER ? '' : ` and <= ${max}`;
    throw invalidParameter(name, `an integer >= ${min}${hi}`, value);
  }
  return value as number;
}

/** One of a fixed set of strings; returns it. */
export function checkOneOf<T extends string>(value: unknown, name: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalidParameter(name, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  }
  return value as T;
}

/** A boolean; returns it. */
export function checkBoolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw invalidParameter(name, 'a boolean', value);
  return value;
}
