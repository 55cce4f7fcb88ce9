/**
 * Parsing of command-line values with dendrite's error format
 * (`Expected <what> for <flag> but received <value>`), ranges in plain words:
 * "a number > 0", "an integer >= 1", "a number in [0, 1)".
 */
import { argumentError } from '../data/index.js';

/** The allowed range of a numeric flag: bounds are inclusive unless marked exclusive; a missing bound is open. */
export interface Range {
  min?: number;
  max?: number;
  minExclusive?: boolean;
  maxExclusive?: boolean;
}

/**
 * A range in words: `a number > 0`, `an integer >= 1`, `a number in [0, 1)`, `a number <= 10`,
 * or the bare kind (`a number`) without bounds.
 */
export function describeRange(kind: 'a number' | 'an integer', range: Range): string {
  const { min, max, minExclusive = false, maxExclusive = false } = range;
  if (min !== undefined && max !== undefined) return `${kind} in ${minExclusive ? '(' : '['}${min}, ${max}${maxExclusive ? ')' : ']'}`;
  if (min !== undefined) return `${kind} ${minExclusive ? '>' : '>='} ${min}`;
  if (max !== undefined) return `${kind} ${maxExclusive ? '<' : '<='} ${max}`;
  return kind;
}

/** Whether n lies in the range. */
function inRange(n: number, { min, max, minExclusive = false, maxExclusive = false }: Range): boolean {
  if (min !== undefined && (minExclusive ? n <= min : n < min)) return false;
  if (max !== undefined && (maxExclusive ? n >= max : n > max)) return false;
  return true;
}

/**
 * A non-negative integer in [min, max] from a flag's text ("an integer >= 1" when max is left
 * open, "an integer in [1, 1024]" otherwise).
 */
export function parseIntegerFlag(text: string, flag: string, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  const range: Range = max === Number.MAX_SAFE_INTEGER ? { min } : { min, max };
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n) || !inRange(n, range)) {
    throw argumentError(flag, describeRange('an integer', range), JSON.stringify(text));
  }
  return n;
}

/** A finite number in `range` from a flag's text, e.g. `parseNumberFlag(text, '--lr', { min: 0, minExclusive: true })`. */
export function parseNumberFlag(text: string, flag: string, range: Range): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || !inRange(n, range)) throw argumentError(flag, describeRange('a number', range), JSON.stringify(text));
  return n;
}

/** The range of a learning rate (and any other strictly positive number): "a number > 0". */
export const POSITIVE: Range = { min: 0, minExclusive: true };

/** A comma-separated list of integers >= 1 (e.g. hidden layer widths); '' or 'none' is an empty list. */
export function parseIntegerList(text: string, flag: string): number[] {
  if (text.trim() === '' || text.trim() === 'none') return [];
  return text.split(',').map((part) => {
    const n = Number(part);
    if (!/^\s*\d+\s*$/.test(part) || n < 1 || n > 65536) throw argumentError(flag, 'a comma-separated list of integers in [1, 65536]', JSON.stringify(text));
    return n;
  });
}

/** One of the allowed values. */
export function parseChoice<T extends string>(text: string, flag: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(text)) throw argumentError(flag, `one of ${allowed.join(', ')}`, JSON.stringify(text));
  return text as T;
}
