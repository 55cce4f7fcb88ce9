// The command line's path checks: missing files and directories where files belong, in the house format.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileSystemError, makeOutputDirectory, requireDirectory, requireFile, requireOutputDirectory } from '../../src/cli/paths.js';
import { tempDir } from './run.js';

describe('path checks', () => {
  it('requireFile: an existing file passes; a missing path or a directory is a DendriteError naming the flag', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'model.json');
    await writeFile(file, '{}');
    await expect(requireFile(file, '--config')).resolves.toBeUndefined();
    await expect(requireFile(path.join(dir, 'nope.json'), '--config')).rejects.toThrow(`Expected an existing file for --config but received "${path.join(dir, 'nope.json')}" (not found)`);
    await expect(requireFile(dir, '--config')).rejects.toThrow(`Expected a file for --config but received "${dir}" (a directory)`);
    await expect(requireFile(path.join(file, 'x'), '--config')).rejects.toThrow('(not found: a part of the path is a file)');
    await expect(requireFile(dir, '--config')).rejects.toMatchObject({ name: 'DendriteError', code: 'ERR_DENDRITE_INVALID_FILE' });
  });

  it('requireDirectory and requireOutputDirectory', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'f');
    await writeFile(file, '');
    await expect(requireDirectory(dir, '--model')).resolves.toBeUndefined();
    await expect(requireDirectory(path.join(dir, 'gone'), '--model')).rejects.toThrow(`Expected an existing directory for --model but received "${path.join(dir, 'gone')}" (not found)`);
    await expect(requireDirectory(file, '--model')).rejects.toThrow(`Expected a directory for --model but received "${file}" (a file)`);
    await expect(requireOutputDirectory(path.join(dir, 'new', 'deeper'), '--out')).resolves.toBeUndefined();
    await expect(requireOutputDirectory(file, '--out')).rejects.toThrow(`Expected a directory (or a path to create one) for --out but received "${file}" (a file)`);
    await makeOutputDirectory(path.join(dir, 'a', 'b'), '--out');
    await expect(requireDirectory(path.join(dir, 'a', 'b'), '--out')).resolves.toBeUndefined();
    await expect(makeOutputDirectory(file, '--out')).rejects.toThrow(`Expected a directory for --out but received "${file}" (a file is in the way)`);
  });

  it('fileSystemError turns raw ENOENT / EISDIR errors into the house format and leaves other errors alone', async () => {
    const dir = tempDir();
    const enoent = await readFile(path.join(dir, 'x.csv')).catch((e: unknown) => e);
    expect(fileSystemError(enoent, '--data')?.message).toBe(`Expected an existing file for --data but received "${path.join(dir, 'x.csv')}" (not found)`);
    const eisdir = await readFile(dir).catch((e: unknown) => e);
    expect(fileSystemError(eisdir)?.message).toMatch(/^Expected a file for a path but received (a directory|".*" \(a directory\))$/);
    expect(fileSystemError(new Error('boom'))).toBeNull();
    expect(fileSystemError('ENOENT')).toBeNull();
  });
});
