/**
 * Optional peers of `dendrite bench`: tfjs and brain.js, used when installed
 * in the current project or in dendrite's bench/ folder (a development checkout).
 */
import { createRequire } from 'node:module';
import path from 'node:path';

/** require() a peer package from the current directory, then from dendrite's bench/ folder; null when absent. */
export function loadPeer<T = unknown>(name: string): { module: T; from: string } | null {
  const roots = [path.join(process.cwd(), 'package.json'), path.join(__dirname, '..', '..', '..', 'bench', 'package.json')];
  for (const root of roots) {
    try {
      return { module: createRequire(root)(name) as T, from: path.dirname(root) };
    } catch {
      /* try the next place */
    }
  }
  return null;
}

/** The slice of the tfjs API the bench uses. */
export interface Tfjs {
  version: { tfjs: string };
  enableProdMode(): void;
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  tidy<T>(fn: () => T): T;
  tensor1d(values: Float32Array): TfTensor;
  tensor2d(values: Float32Array, shape: [number, number]): TfTensor;
  variable(t: TfTensor): TfTensor;
  grads(fn: (...args: TfTensor[]) => TfTensor): (args: TfTensor[], dy?: TfTensor) => TfTensor[];
  sigmoid(t: TfTensor): TfTensor;
  tanh(t: TfTensor): TfTensor;
  relu(t: TfTensor): TfTensor;
  train: { adam(lr: number): TfOptimizer; momentum(lr: number, momentum: number): TfOptimizer };
  sequential(config: unknown): TfModel;
  layers: { dense(config: unknown): unknown };
  losses: { softmaxCrossEntropy(labels: TfTensor, logits: TfTensor): TfTensor };
}

export interface TfTensor {
  dispose(): void;
  dataSync(): Float32Array;
}

export interface TfOptimizer {
  applyGradients(pairs: { name: string; tensor: TfTensor }[]): void;
  minimize(fn: () => TfTensor, returnCost?: boolean): TfTensor | null;
  dispose(): void;
}

export interface TfModel {
  apply(x: TfTensor): TfTensor;
  dispose(): void;
}

/** The slice of brain.js 1.x/2.x the bench uses. */
export interface BrainJs {
  NeuralNetwork: new (options: unknown) => { train(data: unknown[], options: unknown): unknown };
}
