/**
 * Line charts as standalone SVG: a grid of small panels sharing one legend
 * (one panel per activation, one line per optimizer, for instance). No
 * dependencies; text uses common sans-serif fonts.
 */

/** One line of a panel. */
export interface Series {
  name: string;
  values: readonly number[];
}

/** One panel: a title and its lines. */
export interface Panel {
  title: string;
  series: Series[];
}

/** Options of smallMultiples. */
export interface ChartOptions {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  /** Logarithmic y axis (non-positive values are dropped). */
  logY?: boolean;
  /**
   * Fixed y range; default: fitted to the data (shared by all panels): its min and max plus a
   * 5% margin, rounded out to round values (see fitRange).
   */
  yMin?: number;
  yMax?: number;
  /** Limits the fitted y range never crosses, e.g. [0, 1] for accuracy. Default: none. */
  yBounds?: readonly [number, number];
  /** Panels per row. Default: up to 4. */
  columns?: number;
}

/** Paul Tol's "muted" palette (9 colours told apart with the common colour-vision deficiencies), ordered so the light sand does not get the thin dotted dash. */
export const PALETTE = ['#cc6677', '#332288', '#117733', '#ddcc77', '#88ccee', '#882255', '#44aa99', '#999933', '#aa4499'];

/** Dash patterns (stroke-dasharray; '' is solid), so lines differ without colour too (and in greyscale print). */
export const DASHES = ['', '7 3', '2 2.5', '9 3 2 3'];

/** The look of one line. */
export interface LineStyle {
  color: string;
  /** A stroke-dasharray value; '' for a solid line. */
  dash: string;
}

/**
 * The style of the i-th series: colour and dash both cycle, together. Their counts (9, 4) have
 * no common factor, so the first 36 series get distinct (colour, dash) pairs, and the first 9
 * distinct colours; neighbours in the order differ in both.
 */
export function lineStyle(index: number): LineStyle {
  return { color: PALETTE[index % PALETTE.length], dash: DASHES[index % DASHES.length] };
}

/** SVG attributes of a line style. */
function strokeOf(style: LineStyle): string {
  return `stroke="${style.color}"${style.dash ? ` stroke-dasharray="${style.dash}"` : ''}`;
}

const PANEL_W = 300;
const PANEL_H = 210;
const MARGIN = { left: 52, right: 12, top: 26, bottom: 34 };
const FONT = "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\"";

/**
 * Render panels of line series into one SVG document. Series with the same
 * name share a style (colour and dash, by order of first appearance: lineStyle)
 * across panels; the legend lists every name once.
 */
export function smallMultiples(panels: readonly Panel[], options: ChartOptions): string {
  const names = [...new Set(panels.flatMap((p) => p.series.map((s) => s.name)))];
  const style = (name: string) => lineStyle(names.indexOf(name));
  const columns = Math.max(1, Math.min(options.columns ?? 4, panels.length));
  const rowsOfPanels = Math.ceil(panels.length / columns);
  const legendRows = Math.ceil(names.length / 6);
  const header = options.subtitle ? 52 : 34;
  const width = columns * PANEL_W + 20;
  const height = header + rowsOfPanels * PANEL_H + 16 + legendRows * 20 + 12;
  const { lo, hi } = yRange(panels, options);
  const xMax = Math.max(1, ...panels.flatMap((p) => p.series.map((s) => s.values.length)));

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="22" font-size="16" font-weight="bold" text-anchor="middle" fill="#222">${esc(options.title)}</text>`,
  ];
  if (options.subtitle) out.push(`<text x="${width / 2}" y="41" font-size="11.5" text-anchor="middle" fill="#555">${esc(options.subtitle)}</text>`);
  panels.forEach((panel, i) => {
    const ox = 10 + (i % columns) * PANEL_W;
    const oy = header + Math.floor(i / columns) * PANEL_H;
    out.push(renderPanel(panel, ox, oy, { lo, hi, xMax, logY: options.logY ?? false, style, options }));
  });
  const ly = header + rowsOfPanels * PANEL_H + 16;
  const slot = Math.min(160, (width - 20) / Math.min(6, names.length || 1));
  names.forEach((name, i) => {
    const x = 20 + (i % 6) * slot;
    const y = ly + Math.floor(i / 6) * 20;
    out.push(`<line x1="${x}" y1="${y}" x2="${x + 30}" y2="${y}" ${strokeOf(style(name))} stroke-width="2.5"/>`);
    out.push(`<text x="${x + 36}" y="${y + 4}" font-size="12" fill="#222">${esc(name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

interface Frame {
  lo: number;
  hi: number;
  xMax: number;
  logY: boolean;
  style: (name: string) => LineStyle;
  options: ChartOptions;
}

function renderPanel(panel: Panel, ox: number, oy: number, f: Frame): string {
  const w = PANEL_W - MARGIN.left - MARGIN.right;
  const h = PANEL_H - MARGIN.top - MARGIN.bottom;
  const x0 = ox + MARGIN.left;
  const y0 = oy + MARGIN.top;
  const ty = (v: number) => (f.logY ? Math.log10(v) : v);
  const sy = (v: number) => y0 + h - ((ty(v) - ty(f.lo)) / (ty(f.hi) - ty(f.lo) || 1)) * h;
  const sx = (epoch: number) => x0 + (f.xMax <= 1 ? w / 2 : ((epoch - 1) / (f.xMax - 1)) * w);
  const parts: string[] = [`<g>`, `<text x="${x0 + w / 2}" y="${oy + 16}" font-size="12.5" font-weight="bold" text-anchor="middle" fill="#333">${esc(panel.title)}</text>`];
  parts.push(`<rect x="${x0}" y="${y0}" width="${w}" height="${h}" fill="#fafafa" stroke="#ccc"/>`);
  for (const t of f.logY ? logTicks(f.lo, f.hi) : niceTicks(f.lo, f.hi, 5)) {
    const y = sy(t).toFixed(1);
    parts.push(`<line x1="${x0}" y1="${y}" x2="${x0 + w}" y2="${y}" stroke="#e4e4e4"/>`);
    parts.push(`<text x="${x0 - 4}" y="${Number(y) + 3.5}" font-size="10" text-anchor="end" fill="#555">${tickLabel(t)}</text>`);
  }
  for (const t of niceTicks(1, f.xMax, 5).filter((v) => Number.isInteger(v) && v >= 1)) {
    const x = sx(t).toFixed(1);
    parts.push(`<line x1="${x}" y1="${y0 + h}" x2="${x}" y2="${y0 + h + 3}" stroke="#888"/>`);
    parts.push(`<text x="${x}" y="${y0 + h + 14}" font-size="10" text-anchor="middle" fill="#555">${t}</text>`);
  }
  parts.push(`<text x="${x0 + w / 2}" y="${y0 + h + 28}" font-size="10.5" text-anchor="middle" fill="#444">${esc(f.options.xLabel)}</text>`);
  parts.push(`<text transform="translate(${ox + 12} ${y0 + h / 2}) rotate(-90)" font-size="10.5" text-anchor="middle" fill="#444">${esc(f.options.yLabel)}</text>`);
  for (const s of panel.series) {
    const points: string[] = [];
    const paths: string[] = [];
    s.values.forEach((v, i) => {
      const ok = Number.isFinite(v) && (!f.logY || v > 0);
      if (ok) points.push(`${sx(i + 1).toFixed(1)},${sy(Math.min(f.hi, Math.max(f.lo, v))).toFixed(1)}`);
      if ((!ok || i === s.values.length - 1) && points.length) {
        paths.push(points.length === 1 ? `M${points[0]}h0.1` : `M${points.join('L')}`);
        points.length = 0;
      }
    });
    if (paths.length) parts.push(`<path d="${paths.join(' ')}" fill="none" ${strokeOf(f.style(s.name))} stroke-width="1.8" stroke-linejoin="round"><title>${esc(s.name)}</title></path>`);
  }
  parts.push('</g>');
  return parts.join('\n');
}

function yRange(panels: readonly Panel[], o: ChartOptions): { lo: number; hi: number } {
  const values = panels.flatMap((p) => p.series.flatMap((s) => s.values.filter((v) => Number.isFinite(v) && (!o.logY || v > 0))));
  const min = values.length ? values.reduce((a, b) => Math.min(a, b)) : 0;
  const max = values.length ? values.reduce((a, b) => Math.max(a, b)) : 1;
  if (o.logY) {
    const lo = 10 ** Math.floor(Math.log10(o.yMin ?? (min > 0 ? min : 1e-3)));
    let hi = 10 ** Math.ceil(Math.log10(o.yMax ?? (max > 0 ? max : 1)));
    if (hi <= lo) hi = lo * 10;
    return { lo, hi };
  }
  const fitted = fitRange(min, max, o.yBounds);
  const lo = o.yMin ?? fitted.lo;
  const hi = o.yMax ?? fitted.hi;
  return hi > lo ? { lo, hi } : { lo, hi: lo + 1 };
}

/**
 * A linear axis range fitted to data in [min, max]: a 5% margin on each side, rounded out
 * to a round step (about a tenth of the range), then kept within `bounds` (e.g. [0, 1] for
 * accuracy). A single value gets a window of ±5% of it (±0.05 around 0).
 */
export function fitRange(min: number, max: number, bounds?: readonly [number, number]): { lo: number; hi: number } {
  const span = max - min;
  const pad = span > 0 ? span * 0.05 : Math.abs(max) * 0.05 || 0.05;
  let lo = min - pad;
  let hi = max + pad;
  const step = niceStep((hi - lo) / 10);
  lo = Math.floor(lo / step) * step;
  hi = Math.ceil(hi / step) * step;
  if (bounds) {
    lo = Math.min(Math.max(lo, bounds[0]), bounds[1]);
    hi = Math.max(Math.min(hi, bounds[1]), bounds[0]);
  }
  lo = Number(lo.toPrecision(12));
  hi = Number(hi.toPrecision(12));
  return hi > lo ? { lo, hi } : { lo: Math.min(lo, hi - step), hi };
}

/** The round step (1, 2 or 5 times a power of ten) at or above `raw`. */
function niceStep(raw: number): number {
  const mag = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw * (1 - 1e-9)) ?? 10 * mag;
}

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) return [lo];
  const step = niceStep((hi - lo) / count);
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  const decades = Math.log10(hi / lo);
  for (let e = Math.round(Math.log10(lo)); e <= Math.round(Math.log10(hi)); e++) {
    for (const m of decades <= 2 ? [1, 2, 5] : [1]) {
      const t = m * 10 ** e;
      if (t >= lo * 0.999 && t <= hi * 1.001) ticks.push(t);
    }
  }
  return ticks;
}

function tickLabel(v: number): string {
  if (v === 0) return '0';
  if (Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3) return v.toExponential(0);
  return String(Number(v.toPrecision(3)));
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
