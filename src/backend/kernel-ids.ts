/**
 * Activation kernels in the order of native/include/dendrite/kernels.h
 * (DENDRITE_ACTIVATIONS); a test checks the native list against this one.
 */
export const ACTIVATION_KERNELS = [
  'sigmoid', 'tanh', 'relu', 'leaky_relu', 'swish', 'gelu', 'gelu_tanh', 'elu',
  'selu', 'softplus', 'mish', 'hard_sigmoid', 'hard_swish', 'relu6', 'linear',
] as const;

export type ActivationKernel = (typeof ACTIVATION_KERNELS)[number];

/** Every parameter an activation kernel may read; the facade fills all of them. */
export interface ActivationParams {
  /** leaky_relu negative slope; elu alpha. */
  alpha: number;
  /** softplus beta. */
  beta: number;
  /** softplus threshold. */
  threshold: number;
}

export const kernelIndex = (k: ActivationKernel): number => ACTIVATION_KERNELS.indexOf(k);

/** Optimizer kernels in the order of DENDRITE_OPTIMIZERS (AdamW runs the adam kernel). */
export const OPTIMIZER_KERNELS = ['sgd', 'adagrad', 'adadelta', 'rmsprop', 'adam', 'adamax', 'nadam', 'radam'] as const;

export type OptimizerKernel = (typeof OPTIMIZER_KERNELS)[number];

export const optimizerIndex = (k: OptimizerKernel): number => OPTIMIZER_KERNELS.indexOf(k);
