/**
 * Where the command's words go: results (tables, summaries) to stdout,
 * progress and notes to stderr; `--quiet` keeps only errors, `--json`
 * prints one JSON document on stdout and nothing else there.
 */

/** Output modes shared by every command. */
export interface OutputOptions {
  quiet?: boolean;
  json?: boolean;
}

export class Output {
  readonly quiet: boolean;
  readonly json: boolean;

  constructor(options: OutputOptions) {
    this.json = options.json ?? false;
    this.quiet = options.quiet ?? false;
  }

  /** Human output (tables, summaries): stdout, unless --quiet or --json. */
  print(text = ''): void {
    if (!this.quiet && !this.json) process.stdout.write(`${text}\n`);
  }

  /** A note or warning: stderr, unless --quiet. */
  note(text: string): void {
    if (!this.quiet) process.stderr.write(`${text}\n`);
  }

  /** Whether progress may be shown (a live bar on a TTY, lines otherwise). */
  get progress(): boolean {
    return !this.quiet && !this.json;
  }

  /** The machine-readable result: stdout with --json (pretty-printed), nothing otherwise. */
  result(value: unknown): void {
    if (this.json) process.stdout.write(`${JSON.stringify(value, jsonNumbers, 2)}\n`);
  }
}

/** JSON.stringify replacer: NaN and infinities become null (JSON has no such numbers). */
export function jsonNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}
