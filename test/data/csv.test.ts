// CSV data sets: header detection, label columns, string labels, validation errors with line numbers.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCsv, loadDataset, readCsvRows, splitCsvLine } from '../../src/data/index.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'dendrite-csv-'));
function csv(name: string, text: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
}

describe('CSV loader', () => {
  it('reads a header, string labels (sorted into classes) and a named label column', async () => {
    const f = csv('iris.csv', 'species,a,b\nsetosa,1,2\nvirginica,3,4\n"setosa",5,6\n\nversicolor,7,8\n');
    const rows = await readCsvRows(f, { labelColumn: 'species' });
    expect(rows.columns).toEqual(['a', 'b']);
    expect(rows.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(Array.from(rows.y)).toEqual([0, 2, 0, 1]);
    expect(Array.from(rows.x)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('uses the last column and integer labels without a header', async () => {
    const rows = await readCsvRows(csv('plain.csv', '0.5,1\n-1,0\n2e-1,3\n'));
    expect(rows.features).toBe(1);
    expect(Array.from(rows.y)).toEqual([1, 0, 3]);
    expect(rows.classes).toBe(4);
  });

  it('reads unlabeled files with labelColumn null', async () => {
    const rows = await readCsvRows(csv('nolabel.csv', 'x,y\n1,2\n3,4\n'), { labelColumn: null });
    expect([rows.features, rows.rows, rows.labeled]).toEqual([2, 2, false]);
  });

  it('names the file, line and column of bad values', async () => {
    const f = csv('bad.csv', 'a,b,label\n1,2,x\n1,oops,y\n');
    await expect(readCsvRows(f)).rejects.toThrow(`Expected a number for column "b" on line 3 of ${f} but received "oops"`);
    const g = csv('ragged.csv', '1,2,0\n1,2\n');
    await expect(readCsvRows(g)).rejects.toThrow(`Expected 3 columns for line 2 of ${g} but received 2`);
    await expect(readCsvRows(csv('empty.csv', '\n'))).rejects.toThrow(/Expected a CSV file with at least one data row for .*empty\.csv but received none/);
    await expect(readCsvRows(f, { labelColumn: 'nope' })).rejects.toThrow('Expected one of "a", "b", "label" for labelColumn but received "nope"');
    await expect(readCsvRows(f, { labelColumn: 'nope' }, '--label-column')).rejects.toThrow('for --label-column but received "nope"');
    await expect(readCsvRows(`${f}.missing`)).rejects.toThrow(`Expected a readable CSV file for ${f}.missing but received a missing file`);
  });

  it('splits and standardises as a Dataset (csv:<file>)', async () => {
    const lines = Array.from({ length: 50 }, (_, i) => `${i},${i * 10},${i % 2 ? 'odd' : 'even'}`);
    const f = csv('big.csv', `n,ten,parity\n${lines.join('\n')}\n`);
    const data = await loadDataset(`csv:${f}`, { labelColumn: 'parity' });
    expect([data.train.rows, data.test.rows, data.features, data.classes]).toEqual([40, 10, 2, 2]);
    const mean = data.train.x.filter((_, i) => i % 2 === 0).reduce((a, b) => a + b, 0) / 40;
    expect(Math.abs(mean)).toBeLessThan(1e-5);
    expect(data.scaling?.std[1]).toBeGreaterThan(100);
    await expect(loadCsv(csv('one.csv', '1,0\n'))).rejects.toThrow(/at least 2 data rows/);
  });

  it('splits quoted cells', () => {
    expect(splitCsvLine('a,"b,c","d""e",')).toEqual(['a', 'b,c', 'd"e', '']);
  });
});
