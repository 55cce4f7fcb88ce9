/** Plain-text and Markdown tables for the terminal and results.md (cli-table3 for the terminal). */
import Table from 'cli-table3';

/** Column alignment: 'left' for names, 'right' for numbers. */
export type Align = 'left' | 'right';

/**
 * A compact text table: a header, a rule under it, aligned columns, no colours
 * (so it reads the same in a terminal, a log file or a pipe).
 */
export function textTable(head: string[], rows: string[][], align: Align[] = []): string {
  const table = new Table({
    head,
    colAligns: head.map((_, i) => align[i] ?? (i === 0 ? 'left' : 'right')),
    style: { head: [], border: [], compact: true, 'padding-left': 0, 'padding-right': 2 },
    chars: {
      top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
      bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
      left: '', 'left-mid': '', mid: '─', 'mid-mid': '─', right: '', 'right-mid': '', middle: '',
    },
  });
  table.push(...rows);
  return table.toString().split('\n').map((l) => l.trimEnd()).join('\n');
}

/** A GitHub-flavoured Markdown table. */
export function markdownTable(head: string[], rows: string[][], align: Align[] = []): string {
  const esc = (c: string) => c.replace(/\|/g, '\\|');
  const rule = head.map((_, i) => ((align[i] ?? (i === 0 ? 'left' : 'right')) === 'right' ? '---:' : ':---'));
  return [head, rule, ...rows].map((r, i) => `| ${(i === 1 ? r : r.map(esc)).join(' | ')} |`).join('\n');
}

/** CSV text (RFC 4180 quoting where needed). */
export function csvText(head: string[], rows: (string | number)[][]): string {
  const cell = (v: string | number) => {
    const s = String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return `${[head, ...rows].map((r) => r.map(cell).join(',')).join('\n')}\n`;
}
