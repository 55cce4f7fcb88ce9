/**
 * SVG to PNG through @resvg/resvg-js (a prebuilt Rust renderer shipped as
 * per-platform npm packages; nothing is downloaded or compiled at install).
 * An optional peer dependency: PNG copies are written only where the user
 * installed it (`npm install @resvg/resvg-js`); plots are always SVG.
 */
import { createRequire } from 'node:module';

interface ResvgModule {
  Resvg: new (svg: string, options?: Record<string, unknown>) => { render(): { asPng(): Uint8Array } };
}

let cached: ResvgModule | null | undefined;
let whyMissing = '';

function resvg(): ResvgModule | null {
  if (cached === undefined) {
    try {
      cached = createRequire(__filename)('@resvg/resvg-js') as ResvgModule;
    } catch (err) {
      cached = null;
      const code = (err as NodeJS.ErrnoException).code;
      whyMissing = code === 'MODULE_NOT_FOUND'
        ? '@resvg/resvg-js is not installed; npm install @resvg/resvg-js adds PNG copies'
        : String((err as Error).message).split('\n')[0];
    }
  }
  return cached;
}

/** Whether PNG output is available, and if not, why. */
export function pngSupport(): { available: boolean; reason?: string } {
  return resvg() ? { available: true } : { available: false, reason: whyMissing };
}

/** Render an SVG document to PNG bytes (null when no renderer is available). */
export function svgToPng(svg: string, scale = 1.5): Uint8Array | null {
  const mod = resvg();
  if (!mod) return null;
  const r = new mod.Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    background: '#ffffff',
  });
  return r.render().asPng();
}
