// Which way a monitored entry improves in mode 'auto' (Keras): up for accuracies, auc, precision
// and recall, down for losses and errors.
import { describe, expect, it } from 'vitest';
import { Monitor } from '../../src/callbacks/monitor.js';

describe('Monitor', () => {
  it("mode 'auto' maximises accuracy, auc, precision and recall (train and val), minimises the rest", () => {
    for (const name of ['accuracy', 'valAccuracy', 'topKAccuracy', 'auc', 'valAuc', 'precision', 'valPrecision', 'recall', 'valRecall']) {
      expect(new Monitor(name, 'auto').maximizes({ [name]: 1 }), name).toBe(true);
    }
    for (const name of ['loss', 'valLoss', 'mae', 'valMse']) expect(new Monitor(name, 'auto').maximizes({ [name]: 1 }), name).toBe(false);
    expect(new Monitor('loss', 'max').maximizes({ loss: 1 })).toBe(true);
    expect(new Monitor('auc', 'min').maximizes({ auc: 1 })).toBe(false);
  });
});
