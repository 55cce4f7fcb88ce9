/**
 * Parsing of command-line values with dendrite's error format
 * (`Expected <what> for <flag> but received <value>`).
 */
import { argumentError } from '../data/index.js';

/** An integer in [min, max] from a flag's text. */
export function parseIntegerFlag(text: string, flag: string, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw argumentError(flag, `an integer ${range}`, JSON.stringify(text));
  }
  return n;
}

/** A number in [min, max] from a flag's text. */
export function parseNumberFlag(text: string, flag: string, min: number, max: number): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw argumentError(flag, `a number in [${min}, ${max}]`, JSON.stringify(text));
  return n;
}

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
