// The ISA translation units (native/kernels/cpu/x86/avx2.cc, avx512.cc) are compiled with
// their ISA's flags into the same binary as baseline code. An inline function they share
// with other files (a std:: template, a helper in a header) would be emitted in both as a
// weak symbol, and the linker may keep the AVX-512 copy for everyone: an illegal instruction
// on a CPU without it. So every weak or unique symbol they define must be their own: in
// their variant's namespace or named by their trait. Checked on the CMake build's objects
// (skipped, with a note, where they or `nm` are missing).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const objects = path.join(__dirname, '..', '..', 'build', 'CMakeFiles', 'dendrite.dir', 'native', 'kernels', 'cpu', 'x86');
const UNITS: [string, RegExp][] = [
  ['avx2.cc.o', /dendrite::(isa_avx2::|SimdAvx2::)/],
  ['avx512.cc.o', /dendrite::(isa_avx512::|SimdAvx512::)/],
];

function shared(file: string): string[] | null {
  try {
    const out = execFileSync('nm', ['-C', file], { encoding: 'utf8', maxBuffer: 1 << 26 });
    return out.split('\n').filter((l) => / [WVu] /.test(l)).map((l) => l.replace(/^\S*\s+[WVu]\s+/, ''));
  } catch {
    return null;
  }
}

describe('ISA translation units share no code with the rest of the binary', () => {
  for (const [unit, own] of UNITS) {
    it(unit, () => {
      const file = path.join(objects, unit);
      const symbols = existsSync(file) ? shared(file) : null;
      if (!symbols) {
        console.log(`note: ${path.relative(process.cwd(), file)} or nm not found (not a CMake build?): not checked`);
        return;
      }
      const foreign = symbols.filter((s) => !own.test(s));
      expect(foreign, `weak symbols of ${unit} outside its variant`).toEqual([]);
      expect(symbols.length).toBeGreaterThan(0);
    });
  }
});
