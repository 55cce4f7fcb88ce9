// The safetensors reader and writer: round trips, legal variations (any header
// length, trailing spaces, unaligned data, F64/F16/BF16, I64/I32), and one test per kind
// of malformed file, each built byte by byte here.
import { describe, expect, it } from 'vitest';
import { DendriteError } from '../../src/index.js';
import { MAX_HEADER_BYTES, parseSafetensors, serializeSafetensors, type SafetensorsWritable } from '../../src/io/safetensors.js';

/** A safetensors file from a header object (or raw header text) and a data buffer. */
function file(header: unknown, data: Uint8Array = new Uint8Array(0), options: { pad?: number; length?: bigint } = {}): Uint8Array {
  const text = new TextEncoder().encode((typeof header === 'string' ? header : JSON.stringify(header)) + ' '.repeat(options.pad ?? 0));
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, options.length ?? BigInt(text.length), true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}

const f32 = (...values: number[]) => new Uint8Array(Float32Array.from(values).buffer);

function rejects(bytes: Uint8Array, pattern: RegExp): void {
  let error: unknown;
  try {
    parseSafetensors(bytes, 'bad.safetensors');
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(DendriteError);
  expect((error as DendriteError).code).toBe('ERR_DENDRITE_INVALID_FILE');
  expect((error as Error).message).toMatch(/^Expected .* for .*bad\.safetensors.* but received /);
  expect((error as Error).message).toMatch(pattern);
}

describe('safetensors round trip', () => {
  it('writes the standard layout and reads it back', () => {
    const w = Float32Array.of(1, 2, 3, 4, 5, 6);
    const b = Float32Array.of(-1.5, Number.NaN, Infinity);
    const bytes = serializeSafetensors(new Map([['w', { data: w, shape: [2, 3] }], ['b', { data: b, shape: [3] }]]), { note: 'hi' });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
    expect(header).toEqual({
      __metadata__: { note: 'hi' },
      w: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] },
      b: { dtype: 'F32', shape: [3], data_offsets: [24, 36] },
    });
    expect(bytes.length).toBe(8 + headerLength + 36);
    const parsed = parseSafetensors(bytes, 'x');
    expect(parsed.metadata).toEqual({ note: 'hi' });
    expect([...parsed.tensors.keys()]).toEqual(['w', 'b']);
    expect(parsed.tensors.get('w')).toEqual({ dtype: 'F32', shape: [2, 3], data: w });
    expect(parsed.tensors.get('b')!.data).toEqual(b);
  });

  it('reads scalars, empty tensors and files without metadata', () => {
    const bytes = serializeSafetensors(new Map([['s', { data: Float32Array.of(7), shape: [] }], ['e', { data: new Float32Array(0), shape: [0, 4] }]]));
    const parsed = parseSafetensors(bytes, 'x');
    expect(parsed.metadata).toEqual({});
    expect(parsed.tensors.get('s')!.data).toEqual(Float32Array.of(7));
    expect(parsed.tensors.get('e')!.shape).toEqual([0, 4]);
    expect(parsed.tensors.get('e')!.data.length).toBe(0);
  });

  it('reads a Uint8Array that is a view into a larger buffer', () => {
    const bytes = serializeSafetensors(new Map([['w', { data: Float32Array.of(1, 2), shape: [2] }]]));
    const big = new Uint8Array(bytes.length + 3);
    big.set(bytes, 3);
    expect(parseSafetensors(big.subarray(3), 'x').tensors.get('w')!.data).toEqual(Float32Array.of(1, 2));
    // a Node Buffer (what readFile returns), whose slice() is a view rather than a copy
    const parsed = parseSafetensors(Buffer.from(big.buffer, 3, bytes.length), 'x').tensors.get('w')!.data;
    expect(parsed).toEqual(Float32Array.of(1, 2));
    expect(parsed.buffer.byteLength).toBe(8);
  });
});

describe('safetensors: legal variations', () => {
  it('accepts headers of any length, with or without trailing spaces, and unaligned data', () => {
    for (let pad = 0; pad < 8; pad++) {
      const bytes = file({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 12] } }, f32(0.1, -2, 3e30), { pad });
      const parsed = parseSafetensors(bytes, 'x');
      expect(parsed.tensors.get('a')!.data).toEqual(Float32Array.of(0.1, -2, 3e30));
      expect(parsed.tensors.get('a')!.data.byteOffset).toBe(0);
    }
  });

  it('accepts tensors at odd offsets and in any order in the data buffer', () => {
    // b is stored first, a starts at byte 9 of the data (after 1 byte of padding)
    const data = new Uint8Array(17);
    data.set(f32(5, 6), 0);
    data.set(f32(7, 8), 9);
    const parsed = parseSafetensors(file({ a: { dtype: 'F32', shape: [2], data_offsets: [9, 17] }, b: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, data), 'x');
    expect(parsed.tensors.get('a')!.data).toEqual(Float32Array.of(7, 8));
    expect(parsed.tensors.get('b')!.data).toEqual(Float32Array.of(5, 6));
  });

  it('converts F64, F16 and BF16 to float32', () => {
    const f64 = new Uint8Array(Float64Array.of(0.1, -1e300, 1e-50, 3).buffer);
    // F16: 1, -2, 65504 (max), 2^-24 (smallest subnormal), -0, inf, NaN
    const f16 = new Uint8Array(Uint16Array.of(0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x7c00, 0x7e00).buffer);
    // BF16: 1, -2.5, 3.140625, inf
    const bf16 = new Uint8Array(Uint16Array.of(0x3f80, 0xc020, 0x4049, 0x7f80).buffer);
    const data = new Uint8Array(32 + 14 + 8);
    data.set(f64, 0);
    data.set(f16, 32);
    data.set(bf16, 46);
    const parsed = parseSafetensors(file({
      d: { dtype: 'F64', shape: [4], data_offsets: [0, 32] },
      h: { dtype: 'F16', shape: [7], data_offsets: [32, 46] },
      b: { dtype: 'BF16', shape: [2, 2], data_offsets: [46, 54] },
    }, data), 'x');
    expect(parsed.tensors.get('d')!.dtype).toBe('F64');
    expect(parsed.tensors.get('d')!.data).toEqual(Float32Array.of(0.1, -Infinity, 0, 3));
    expect(parsed.tensors.get('h')!.data).toEqual(Float32Array.of(1, -2, 65504, 2 ** -24, -0, Infinity, NaN));
    expect(Object.is(parsed.tensors.get('h')!.data[4], -0)).toBe(true);
    expect(parsed.tensors.get('b')!.data).toEqual(Float32Array.of(1, -2.5, 3.140625, Infinity));
  });

  it('reads I64 and I32 (torch writes counts such as num_batches_tracked as I64), converted to float32', () => {
    const i64 = new Uint8Array(BigInt64Array.of(0n, -3n, 123456789n, 2n ** 40n).buffer);
    const i32 = new Uint8Array(Int32Array.of(7, -2147483648).buffer);
    const data = new Uint8Array(1 + 32 + 8);
    data.set(i64, 1); // unaligned
    data.set(i32, 33);
    const parsed = parseSafetensors(file({
      n: { dtype: 'I64', shape: [2, 2], data_offsets: [1, 33] },
      k: { dtype: 'I32', shape: [2], data_offsets: [33, 41] },
    }, data), 'x');
    expect(parsed.tensors.get('n')!.dtype).toBe('I64');
    expect(Array.from(parsed.tensors.get('n')!.data)).toEqual([0, -3, Math.fround(123456789), 2 ** 40]);
    expect(parsed.tensors.get('k')!.dtype).toBe('I32');
    expect(Array.from(parsed.tensors.get('k')!.data)).toEqual([7, -2147483648]);
    rejects(file({ n: { dtype: 'I64', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(8)), /spanning 16 bytes \(shape \[2\] of I64\)/);
  });

  it('writes I64 tensors (a scalar num_batches_tracked) first in the data, so every tensor stays aligned', () => {
    const bytes = serializeSafetensors(new Map<string, SafetensorsWritable>([
      ['w', { data: Float32Array.of(1, 2, 3), shape: [3] }],
      ['n', { dtype: 'I64', data: BigInt64Array.of(2n ** 53n + 1n), shape: [] }],
      ['b', { data: Float32Array.of(4), shape: [1] }],
    ]));
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
    expect(Object.keys(header)).toEqual(['w', 'n', 'b']);
    expect(header).toEqual({
      w: { dtype: 'F32', shape: [3], data_offsets: [8, 20] },
      n: { dtype: 'I64', shape: [], data_offsets: [0, 8] },
      b: { dtype: 'F32', shape: [1], data_offsets: [20, 24] },
    });
    expect(new DataView(bytes.buffer).getBigInt64(8 + headerLength, true)).toBe(2n ** 53n + 1n);
    const parsed = parseSafetensors(bytes, 'x');
    expect([...parsed.tensors.keys()]).toEqual(['w', 'n', 'b']);
    expect(parsed.tensors.get('w')!.data).toEqual(Float32Array.of(1, 2, 3));
    expect(parsed.tensors.get('n')).toMatchObject({ dtype: 'I64', shape: [] });
    expect(parsed.tensors.get('b')!.data).toEqual(Float32Array.of(4));
  });
});

describe('safetensors: malformed files are rejected with a DendriteError naming the file', () => {
  const ok = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };

  it('rejects files shorter than the 8-byte header length', () => {
    rejects(new Uint8Array(0), /truncated/);
    rejects(new Uint8Array(7), /at least the 8-byte header length.*7 bytes/);
  });

  it('rejects a header length larger than the file, without allocating it', () => {
    rejects(file(ok, f32(1, 2), { length: 1000n }), /header length of at most \d+ bytes \(the rest of the file\).*1000/);
    rejects(file(ok, f32(1, 2), { length: 2n ** 64n - 1n }), /at most 100000000 bytes.*18446744073709551615/);
    rejects(file(ok, f32(1, 2), { length: BigInt(MAX_HEADER_BYTES) + 1n }), /at most 100000000/);
  });

  it('rejects bad JSON, invalid UTF-8 and headers that are not objects', () => {
    rejects(file('{"a": {"dtype": "F32",'), /a UTF-8 JSON header .* invalid JSON/);
    const bad = file('{"a":1}');
    bad[10] = 0xff;
    rejects(bad, /invalid JSON/);
    rejects(file('[1, 2]'), /a JSON object header .* \[1, 2\]/);
    rejects(file('null'), /a JSON object header .* null/);
    rejects(file(''), /invalid JSON/);
  });

  it('rejects unknown dtypes', () => {
    for (const dtype of ['U8', 'I16', 'U64', 'BOOL', 'F8_E4M3', 'f32', 'i64', 7]) {
      rejects(file({ a: { dtype, shape: [2], data_offsets: [0, 8] } }, f32(1, 2)), new RegExp(`a dtype of F32, F64, F16, BF16, I64, I32 for tensor 'a'.*${dtype}`));
    }
  });

  it('rejects entries without a valid shape or data_offsets', () => {
    rejects(file({ a: 3 }), /an object with dtype, shape and data_offsets for tensor 'a'/);
    rejects(file({ a: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, f32(1, 2)), /a shape of non-negative integers/);
    rejects(file({ a: { dtype: 'F32', shape: [1.5], data_offsets: [0, 8] } }, f32(1, 2)), /a shape of non-negative integers/);
    rejects(file({ a: { dtype: 'F32', shape: 2, data_offsets: [0, 8] } }, f32(1, 2)), /a shape of non-negative integers/);
    rejects(file({ a: { dtype: 'F32', shape: [2] } }, f32(1, 2)), /data_offsets \[begin, end\] with 0 <= begin <= end .* undefined/);
    rejects(file({ a: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, f32(1, 2)), /0 <= begin <= end/);
    rejects(file({ a: { dtype: 'F32', shape: [2], data_offsets: [-8, 0] } }, f32(1, 2)), /0 <= begin <= end/);
    rejects(file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8, 16] } }, f32(1, 2)), /0 <= begin <= end/);
  });

  it('rejects offsets beyond the data (truncated files)', () => {
    const whole = file(ok, f32(1, 2));
    rejects(whole.subarray(0, whole.length - 1), /within the 7 data bytes .* \[0, 8\] \(the file is truncated/);
    rejects(file({ a: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, f32(1, 2)), /within the 8 data bytes/);
    rejects(file({ a: { dtype: 'F32', shape: [2 ** 40], data_offsets: [0, 2 ** 42] } }, f32(1, 2)), /within the 8 data bytes/);
  });

  it("rejects offsets that do not match the shape's byte length", () => {
    rejects(file({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32(1, 2)), /spanning 12 bytes \(shape \[3\] of F32\) .* \[0, 8\] \(8 bytes\)/);
    rejects(file({ a: { dtype: 'F64', shape: [2], data_offsets: [0, 8] } }, f32(1, 2)), /spanning 16 bytes/);
    rejects(file({ a: { dtype: 'F32', shape: [2 ** 30, 2 ** 30, 2 ** 30], data_offsets: [0, 8] } }, f32(1, 2)), /spanning/);
  });

  it('rejects overlapping tensors', () => {
    const header = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } };
    rejects(file(header, f32(1, 2, 3)), /not overlapping another tensor for tensor 'b' .* \[4, 12\], overlapping 'a' at \[0, 8\]/);
    const same = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
    rejects(file(same, f32(1, 2)), /overlapping/);
  });

  it('rejects __metadata__ that is not an object of strings', () => {
    rejects(file({ __metadata__: { step: 3 }, ...ok }, f32(1, 2)), /an object of string values for __metadata__ in bad\.safetensors/);
    rejects(file({ __metadata__: 'x', ...ok }, f32(1, 2)), /an object of string values/);
  });
});
