/**
 * The one error type and message format of dendrite:
 * `Expected <what> for <name> but received <value>`.
 */

/** Thrown for every invalid argument, option or state detected by dendrite. */
export class DendriteError extends Error {
  /** Stable machine-readable code. */
  readonly code: string;
  constructor(message: string, code = 'ERR_DENDRITE_INVALID_ARGUMENT') {
    super(message);
    this.name = 'DendriteError';
    this.code = code;
  }
}

const MAX_ITEMS = 6;

/** A short, readable description of any value, for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'boolean' || typeof value === 'symbol') return String(value);
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (value instanceof DataView) return `DataView(${value.byteLength} bytes)`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as ArrayLike<unknown>).length})`;
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((v) => (Array.isArray(v) ? `Array(${v.length})` : describe(v)));
    return `[${items.join(', ')}${value.length > MAX_ITEMS ? `, … ${value.length} items` : ''}]`;
  }
  const ctor = (value as object).constructor;
  if (ctor && ctor.name === 'Tensor' && 'shape' in (value as object)) {
    return `Tensor of shape [${((value as { shape: number[] }).shape).join(', ')}]`;
  }
  return ctor && ctor !== Object ? `${ctor.name} object` : 'object';
}

/** The house error: `Expected <expected> for <name> but received <describe(actual)>`. */
export function invalidParameter(name: string, expected: string, actual: unknown): DendriteError {
  return new DendriteError(`Expected ${expected} for ${name} but received ${describe(actual)}`);
}

/** Same format, for values that are described rather than shown (e.g. shapes, lengths). */
export function invalidDescribed(name: string, expected: string, received: string): DendriteError {
  return new DendriteError(`Expected ${expected} for ${name} but received ${received}`);
}
