/**
 * JSON from files, parsed defensively: the nesting depth is checked by a linear scan
 * before JSON.parse (a deeply nested header made the parser block the event loop for
 * seconds), and names that would reach Object.prototype when used as keys
 * (`__proto__`, `constructor`, `prototype`) are rejected wherever names become keys:
 * JSON object keys, and the dot-separated segments of tensor and metadata names.
 */
import { fileError } from './file-error.js';

/** The names that must never be used as keys of plain objects. */
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/** True when `name`, or one of its `.`-separated segments, is __proto__, constructor or prototype. */
export function isForbiddenName(name: string): boolean {
  return FORBIDDEN.has(name) || name.split('.').some((segment) => FORBIDDEN.has(segment));
}

/**
 * Reject a name (a tensor name, a metadata key, a JSON key) that could write onto
 * Object.prototype where it is used as a key.
 * @throws DendriteError (ERR_DENDRITE_INVALID_FILE) naming `where`
 */
export function checkName(name: string, what: string, where: string): void {
  if (isForbiddenName(name)) {
    throw fileError(where, `${what} without the segments __proto__, constructor or prototype`, JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}…` : name));
  }
}

/**
 * JSON.parse after checking that arrays and objects nest at most `maxDepth` deep
 * (a scan that skips strings), and that no object key is a forbidden name.
 * @throws DendriteError (ERR_DENDRITE_INVALID_FILE) naming `source`
 */
export function parseJsonGuarded(text: string, source: string, what: string, maxDepth: number): unknown {
  checkDepth(text, source, maxDepth);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw fileError(source, what, `invalid JSON (${(err as Error).message})`);
  }
  checkKeys(value, source);
  return value;
}

function checkDepth(text: string, source: string, maxDepth: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) throw fileError(source, `JSON nested at most ${maxDepth} levels deep`, `deeper nesting (at character ${i})`);
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
}

/** Every object key of a parsed JSON value (depth already bounded, so recursion is safe). */
function checkKeys(value: unknown, source: string): void {
  if (Array.isArray(value)) {
    for (const v of value) checkKeys(v, source);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      checkName(key, 'JSON keys', source);
      checkKeys(v, source);
    }
  }
}
