/** History: what `fit` returns, one entry per epoch (Keras-style). */
export class History {
  /** Epoch numbers (0-based) that ran. */
  readonly epoch: number[] = [];
  /** Per-epoch values: loss, the compiled metrics (accuracy, auc ...), valLoss and the val metrics (valAccuracy, valAuc ...), time (seconds). */
  readonly history: Record<string, number[]> = {};

  /** Append one epoch's logs. */
  record(epoch: number, logs: Record<string, number>): void {
    this.epoch.push(epoch);
    for (const [key, value] of Object.entries(logs)) (this.history[key] ??= []).push(value);
  }
}
