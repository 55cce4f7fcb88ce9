/** Regression metrics over every element: mean absolute error and mean squared error (Keras' mae, mse). */

/** mean |prediction - target|, accumulated in float64. */
export function meanAbsoluteError(predictions: Float32Array, targets: ArrayLike<number>, size: number): number {
  let sum = 0;
  for (let i = 0; i < size; i++) sum += Math.abs(predictions[i] - targets[i]);
  return size ? sum / size : NaN;
}

/** mean (prediction - target)^2, accumulated in float64. */
export function meanSquaredError(predictions: Float32Array, targets: ArrayLike<number>, size: number): number {
  let sum = 0;
  for (let i = 0; i < size; i++) {
    const d = predictions[i] - targets[i];
    sum += d * d;
  }
  return size ? sum / size : NaN;
}
