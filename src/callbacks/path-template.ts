/**
 * Paths with placeholders, as Keras' ModelCheckpoint formats its filepath (Python's
 * str.format): `ckpt/{epoch:03d}-{valLoss:.4f}` gives `ckpt/007-0.1234`. The fields are
 * `epoch` (counted from 1, as Keras) and every entry of the epoch's logs; `{{` and `}}` are
 * literal braces. A format spec is `[0][width][.precision][d|f|e]` (a precision without a type
 * means `f`; without a spec a value is written as JavaScript's String(value)).
 */
import { DendriteError, invalidParameter } from '../errors.js';
import type { Logs } from '../model/callbacks.js';

interface Field {
  name: string;
  zeros: boolean;
  width: number;
  precision: number | undefined;
  type: 'd' | 'f' | 'e' | '';
}

const TOKEN = /\{\{|\}\}|\{([^{}:]*)(?::([^{}]*))?\}|[{}]/g;
const SPEC = /^(0)?(\d+)?(?:\.(\d+))?([dfe])?$/;

export class PathTemplate {
  /** Literal text and fields, in order. */
  readonly #parts: (string | Field)[] = [];

  /**
   * @param template the path, checked now (braces, field names, specs)
   * @param name the option's name for errors (e.g. 'dir')
   */
  constructor(readonly template: string, readonly name: string) {
    let last = 0;
    for (const m of template.matchAll(TOKEN)) {
      this.#parts.push(template.slice(last, m.index));
      last = m.index + m[0].length;
      if (m[0] === '{{' || m[0] === '}}') this.#parts.push(m[0][0]);
      else if (m[0] === '{' || m[0] === '}') throw invalidParameter(name, "a path whose braces form placeholders such as '{epoch}' (write '{{' and '}}' for literal braces)", template);
      else this.#parts.push(field(m[1], m[2], template, name));
    }
    this.#parts.push(template.slice(last));
  }

  /** Whether the path has placeholders (else every epoch writes the same path). */
  get hasFields(): boolean {
    return this.#parts.some((p) => typeof p !== 'string');
  }

  /** The path of epoch `epoch` (counted from 0, written from 1) with these logs. */
  format(epoch: number, logs: Logs): string {
    const values: Logs = { ...logs, epoch: epoch + 1 };
    return this.#parts.map((p) => (typeof p === 'string' ? p : formatField(p, values, this.name))).join('');
  }
}

function field(name: string, spec: string | undefined, template: string, option: string): Field {
  const m = SPEC.exec(spec ?? '');
  if (name === '' || !m) {
    throw invalidParameter(option, "a path whose placeholders are '{name}' or '{name:spec}' with a spec such as '03d', '.4f' or '.2e'", template);
  }
  return { name, zeros: m[1] === '0', width: m[2] ? Number(m[2]) : 0, precision: m[3] === undefined ? undefined : Number(m[3]), type: (m[4] ?? '') as Field['type'] };
}

function formatField(f: Field, values: Logs, option: string): string {
  const value = values[f.name];
  if (typeof value !== 'number') {
    throw new DendriteError(`Expected one of ${Object.keys(values).map((k) => `'${k}'`).join(', ')} for the {${f.name}} placeholder of ${option} but received '${f.name}'`);
  }
  if (f.type === 'd' && !Number.isInteger(value)) {
    throw new DendriteError(`Expected an integer for the {${f.name}:d} placeholder of ${option} but received ${value} (use '.4f' for a metric)`);
  }
  const text = f.type === 'e' ? value.toExponential(f.precision ?? 6)
    : f.type === 'f' ? value.toFixed(f.precision ?? 6)
      : f.precision !== undefined ? value.toFixed(f.precision) : String(value);
  if (text.length >= f.width) return text;
  // Python right-aligns numbers; zero padding goes after the sign.
  if (!f.zeros || !Number.isFinite(value)) return text.padStart(f.width, ' ');
  const sign = text.startsWith('-') ? '-' : '';
  return sign + text.slice(sign.length).padStart(f.width - sign.length, '0');
}
