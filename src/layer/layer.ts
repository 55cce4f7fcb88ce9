/** The layer contract used by Sequential. */
import type { Tensor } from '../tensor.js';

export interface Layer {
  /** Layer type name in configs (e.g. 'dense'). */
  readonly className: string;
  /** Output width. */
  readonly units: number;
  /** Input width, known once built. */
  readonly inputSize: number | undefined;
  /** The trainable tensors, in a fixed order (e.g. [weight, bias]). */
  parameters(): Tensor[];
  /** Everything needed to recreate the layer (without its weights). */
  getConfig(): Record<string, unknown>;
}
