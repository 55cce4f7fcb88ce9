/** Flatten: [H, W, C] (any per-sample shape) to [H*W*C], in (h, w, c) order; the data is not moved. */
import { checkOptions } from '../validate.js';
import { Layer, type JsStep, type LayerOptions } from './layer.js';

export class Flatten extends Layer {
  readonly className = 'flatten';
  constructor(options?: LayerOptions) {
    const o = checkOptions(options, ['inputShape', 'seed']);
    super({ inputShape: o.inputShape as number[] | undefined });
  }
  override get passesThrough(): boolean {
    return true;
  }
  protected outputShapeFor(inputShape: number[]): number[] {
    return [inputShape.reduce((a, b) => a * b, 1)];
  }
  // standalone calls (a model shares the buffers instead)
  forwardJs(s: JsStep): void {
    s.y.set(s.x.subarray(0, s.y.length));
  }
  backwardJs(s: JsStep): void {
    s.dx?.set(s.dy.subarray(0, s.dx.length));
  }
  protected nativeOptions(): Record<string, number | string | boolean> {
    return {};
  }
  protected configOptions(): Record<string, unknown> {
    return {};
  }
  toString(): string {
    return 'Flatten()';
  }
}

/** `dd.layers.flatten()`. */
export const flatten = (options?: LayerOptions): Flatten => new Flatten(options);
