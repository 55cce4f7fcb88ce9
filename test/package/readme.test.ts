// The README's first training example runs as written (against dist/, as `import 'dendrite'` would).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..', '..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

/** The first ```js block of a README section. */
function firstJsBlock(heading: string): string {
  const section = readme.slice(readme.indexOf(`\n${heading}\n`));
  const match = /```js\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error(`no js block under ${heading}`);
  return match[1];
}

describe('README', () => {
  it('"Use it in your project": the example trains, evaluates and saves as written', () => {
    const code = firstJsBlock('## Use it in your project');
    expect(code.split('\n').filter((l) => l.trim() !== '').length).toBeLessThanOrEqual(16);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dendrite-readme-'));
    try {
      const entry = pathToFileURL(path.join(root, 'dist', 'index.mjs')).href;
      writeFileSync(path.join(dir, 'train.mjs'), code.replace("from 'dendrite'", `from '${entry}'`));
      const r = spawnSync(process.execPath, ['train.mjs'], { cwd: dir, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const accuracy = Number(/accuracy: ([\d.]+)/.exec(r.stdout)?.[1]);
      expect(accuracy).toBeGreaterThan(0.8);
      expect(existsSync(path.join(dir, 'circle-model', 'model.json'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
