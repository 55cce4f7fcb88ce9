/**
 * The torch twin of each dendrite layer type: which PyTorch module it is and where each
 * of its tensors' values go in that module's state dict. This table is the one place
 * that knows the mapping; src/io/layout.ts names, matches and checks the tensors.
 *
 * | dendrite    | torch                          | state dict (torch shape)                                 |
 * |-------------|--------------------------------|----------------------------------------------------------|
 * | dense       | nn.Linear                      | weight [out, in] (weight^T), bias                        |
 * | conv2d      | nn.Conv2d                      | weight [out, in, kh, kw] (from [kh, kw, in, out]), bias  |
 * | batchNorm   | nn.BatchNorm2d (on [H, W, C]), nn.BatchNorm1d | weight (gamma), bias (beta), running_mean (movingMean), running_var (movingVariance), num_batches_tracked (int64 []) |
 * | layerNorm   | nn.LayerNorm                   | weight (gamma), bias (beta)                              |
 * | embedding   | nn.Embedding                   | weight [V, D] as is                                      |
 * | flatten, maxPool2d, avgPool2d, globalAvgPool2d, dropout | nn.Flatten, nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d(1) + nn.Flatten, nn.Dropout | none |
 *
 * Feature order: dendrite images are [H, W, C] (channels last) and torch's are NCHW, so
 * a Flatten of an image lists the same values in (h, w, c) order in dendrite and in
 * (c, h, w) order in torch. The layers after it whose tensors index those features (the
 * next Dense's input axis, and the per-feature tensors of a batch norm or layer norm in
 * between) are permuted accordingly. A Flatten's input counts as an image when it has
 * rank 3 and comes from the model's input, a conv or a pooling layer (through layers that
 * keep the features: dropout, the norms, a Dense on the last axis); an embedding's
 * output [L, D] (or [L1, L2, D]) is not one: torch flattens it in the same order.
 */
import { DendriteError } from '../errors.js';
import type { Layer, WeightName } from '../layer/layer.js';

/** One entry of a torch module's state dict. */
export interface TorchTensor {
  /** torch's name in the module ('weight', 'running_mean', ...). */
  name: string;
  /** torch's shape. */
  shape: number[];
  /**
   * The dendrite tensor whose values it holds; null for num_batches_tracked (torch's
   * int64 count of training batches, not a dendrite tensor: written from the model's
   * optimizer step count, and optional and ignored on load).
   */
  source: WeightName | null;
  /** Where each torch element (row-major) is in the dendrite tensor; null when they are in the same order. */
  index: Reorder | null;
}

/**
 * A permutation of a tensor's elements, computed lazily (a dense layer's transpose has
 * millions of elements: layout.ts walks it in slices, yielding to the event loop).
 * `at(coords)` is the dendrite index of the torch element at `coords` (of `shape`).
 */
export interface Reorder {
  readonly shape: readonly number[];
  at(coords: readonly number[]): number;
}

/** The torch module of one dendrite layer that has tensors. */
export interface TorchModule {
  /** The layer's index in the model. */
  index: number;
  layer: Layer;
  /** torch's class name, e.g. 'Linear', 'BatchNorm2d'. */
  module: string;
  /** Its state dict entries, in torch's order. */
  tensors: TorchTensor[];
}

/** The torch order of the features a layer receives. */
interface FeatureOrder {
  /** Whether the values are an image [H, W, C] (torch: C, H, W). */
  image: boolean;
  /** For each torch feature of a flat input, the dendrite feature it is (a Flatten of an image); null when they agree. */
  perm: Int32Array | null;
}

/**
 * How the layer changes the feature order: 'keeps' (dropout, the norms), 'pointwise'
 * (dense: a new last axis, the same pixels), 'image' (conv2d and pooling: a new image),
 * 'fresh' (embedding, global pooling: a new order that torch shares), 'flatten'.
 */
type OrderEffect = 'keeps' | 'pointwise' | 'image' | 'fresh' | 'flatten';

interface TorchLayerType {
  /** torch's module for a built layer of this type, e.g. 'Linear'. */
  module(layer: Layer): string;
  effect: OrderEffect;
  /** Every state dict name the module can have (also for the name check of a whole file). */
  names: readonly string[];
  /** The state dict entries of a built layer, given the order of its input features. */
  tensors(layer: Layer, order: FeatureOrder): TorchTensor[];
}

const none = (): TorchTensor[] => [];

/** A tensor of the layer kept in the same order (or, for a per-feature vector after a Flatten, permuted). */
function same(layer: Layer, source: WeightName, name: string, perm: Int32Array | null = null): TorchTensor[] {
  const t = layer.tensor(source);
  return t ? [{ name, shape: [...t.shape], source, index: perm && { shape: [perm.length], at: ([i]) => perm[i] } }] : [];
}

/** The index array of a small reordering (a flattened image's features), built at once. */
function indexArray(torchShape: number[], at: Reorder['at']): Int32Array {
  const n = torchShape.reduce((a, d) => a * d, 1);
  const index = new Int32Array(n);
  const coords = new Array<number>(torchShape.length).fill(0);
  for (let p = 0; p < n; p++) {
    index[p] = at(coords);
    for (let k = coords.length - 1; k >= 0 && ++coords[k] === torchShape[k]; k--) coords[k] = 0;
  }
  return index;
}

/** Dense: nn.Linear stores W^T [out, in]; after a Flatten of an image its input axis is in torch's (c, h, w) order. */
function linearTensors(layer: Layer, { perm }: FeatureOrder): TorchTensor[] {
  const [inputs, units] = layer.tensor('weight')!.shape;
  const row = perm && perm.length === inputs ? perm : null;
  const weight: TorchTensor = {
    name: 'weight', shape: [units, inputs], source: 'weight',
    index: { shape: [units, inputs], at: row ? ([o, i]) => row[i] * units + o : ([o, i]) => i * units + o },
  };
  return [weight, ...same(layer, 'bias', 'bias')];
}

/** Conv2d: [kh, kw, in, out] (channels last) to torch's [out, in, kh, kw]. */
function convTensors(layer: Layer): TorchTensor[] {
  const [kh, kw, inputs, filters] = layer.tensor('weight')!.shape;
  const weight: TorchTensor = {
    name: 'weight', shape: [filters, inputs, kh, kw], source: 'weight',
    index: { shape: [filters, inputs, kh, kw], at: ([o, c, y, x]) => ((y * kw + x) * inputs + c) * filters + o },
  };
  return [weight, ...same(layer, 'bias', 'bias')];
}

/** Per-feature tensors (permuted after a Flatten of an image). */
function perFeature(layer: Layer, pairs: [WeightName, string][], { perm }: FeatureOrder): TorchTensor[] {
  const width = layer.tensor(pairs[0][0])!.shape[0];
  const p = perm && perm.length === width ? perm : null;
  return pairs.flatMap(([source, name]) => same(layer, source, name, p));
}

const TORCH_LAYERS: Record<string, TorchLayerType> = {
  dense: { module: () => 'Linear', effect: 'pointwise', names: ['weight', 'bias'], tensors: linearTensors },
  conv2d: { module: () => 'Conv2d', effect: 'image', names: ['weight', 'bias'], tensors: convTensors },
  batchNorm: {
    module: (l) => (l.inputShape!.length === 3 ? 'BatchNorm2d' : 'BatchNorm1d'),
    effect: 'keeps',
    names: ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked'],
    tensors: (l, order) => [
      ...perFeature(l, [['gamma', 'weight'], ['beta', 'bias'], ['movingMean', 'running_mean'], ['movingVariance', 'running_var']], order),
      { name: 'num_batches_tracked', shape: [], source: null, index: null },
    ],
  },
  layerNorm: { module: () => 'LayerNorm', effect: 'keeps', names: ['weight', 'bias'], tensors: (l, order) => perFeature(l, [['gamma', 'weight'], ['beta', 'bias']], order) },
  embedding: { module: () => 'Embedding', effect: 'fresh', names: ['weight'], tensors: (l) => same(l, 'weight', 'weight') },
  flatten: { module: () => 'Flatten', effect: 'flatten', names: [], tensors: none },
  maxPool2d: { module: () => 'MaxPool2d', effect: 'image', names: [], tensors: none },
  avgPool2d: { module: () => 'AvgPool2d', effect: 'image', names: [], tensors: none },
  globalAvgPool2d: { module: () => 'AdaptiveAvgPool2d', effect: 'fresh', names: [], tensors: none },
  dropout: { module: () => 'Dropout', effect: 'keeps', names: [], tensors: none },
};

/** The layer class names that have a torch mapping. */
export const TORCH_LAYER_CLASS_NAMES = Object.keys(TORCH_LAYERS);

/** For each torch (c, h, w) position of a flattened [H, W, C] image, its dendrite (h, w, c) position. */
function flattenedImage([h, w, c]: number[]): Int32Array {
  return indexArray([c, h, w], ([k, y, x]) => (y * w + x) * c + k);
}

/**
 * The torch modules of a model's layers that have tensors, in order (layers without
 * tensors only change the feature order).
 * @throws DendriteError for a layer type without a torch mapping
 */
export function torchModules(layers: readonly Layer[]): TorchModule[] {
  const modules: TorchModule[] = [];
  let order: FeatureOrder = { image: layers.length > 0 && layers[0].inputShape!.length === 3, perm: null };
  layers.forEach((layer, index) => {
    const type = Object.hasOwn(TORCH_LAYERS, layer.className) ? TORCH_LAYERS[layer.className] : undefined;
    if (!type) {
      throw new DendriteError(`Expected layers with a torch mapping (${TORCH_LAYER_CLASS_NAMES.join(', ')}) for the torch layout but received a ${layer.className} layer (layer ${index})`);
    }
    const tensors = type.tensors(layer, order);
    if (tensors.length > 0) modules.push({ index, layer, module: type.module(layer), tensors });
    order = nextOrder(type.effect, layer, order);
  });
  return modules;
}

function nextOrder(effect: OrderEffect, layer: Layer, order: FeatureOrder): FeatureOrder {
  const input = layer.inputShape!;
  switch (effect) {
    case 'keeps':
      return order;
    case 'pointwise':
      return { image: order.image && input.length === 3, perm: null };
    case 'image':
      return { image: true, perm: null };
    case 'fresh':
      return { image: false, perm: null };
    case 'flatten':
      return { image: false, perm: order.image && input.length === 3 ? flattenedImage(input) : input.length === 1 ? order.perm : null };
  }
}

/** Every state dict name the given modules' types can have, in first-seen order. */
export function torchNamesOf(modules: readonly TorchModule[]): string[] {
  return [...new Set(modules.flatMap((m) => TORCH_LAYERS[m.layer.className].names))];
}
