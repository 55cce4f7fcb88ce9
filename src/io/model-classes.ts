/**
 * The model classes a model.json can name (its `model.className`), registered by src/model
 * when it loads: src/io rebuilds models through this registry, as the layers' and the
 * optimizers', and never imports the model code itself.
 */
import type { BackendName } from '../backend/backend.js';
import type { Layer } from '../layer/layer.js';
import type { Sequential } from '../model/sequential.js';

export type ModelClass = new (layers: Layer[], options: { seed?: number; backend?: BackendName }) => Sequential;

const classes = new Map<string, ModelClass>();

export function registerModelClass(name: string, cls: ModelClass): void {
  classes.set(name, cls);
}

/** The class registered as `name` (src/model registers 'Sequential' when it loads). */
export function modelClass(name: string): ModelClass {
  const cls = classes.get(name);
  if (!cls) throw new Error(`dendrite: the model class '${name}' is not registered (import dendrite, not its io module alone)`);
  return cls;
}
