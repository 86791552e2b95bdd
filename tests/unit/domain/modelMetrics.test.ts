/** How a model is judged on held-out calls (pure): AUC by ranks, log loss against the base rate's. */
import { describe, expect, it } from '@jest/globals';
import { heldOutMetrics } from '../../../src/domain/modelMetrics.ts';

describe('held-out metrics', () => {
  it('measures AUC by ranks: 1 for a perfect ordering, 0.5 for none', () => {
    const rows = (answeredP: number, missedP: number) => [
      { calls: 10, answered: 10, p: answeredP },
      { calls: 10, answered: 0, p: missedP },
    ];
    expect(heldOutMetrics(rows(0.9, 0.1), 0.5).auc).toBe(1);
    expect(heldOutMetrics(rows(0.5, 0.5), 0.5).auc).toBe(0.5);
    expect(heldOutMetrics(rows(0.1, 0.9), 0.5).auc).toBe(0);
  });

  it('scores a model that knows nothing as the base rate does, and a confident wrong one worse', () => {
    const rows = (p: number) => [
      { calls: 100, answered: 30, p },
      { calls: 100, answered: 30, p },
    ];
    const base = heldOutMetrics(rows(0.3), 0.3);
    expect(base.logLoss).toBeCloseTo(base.baseLogLoss, 10);
    expect(base.logLoss).toBeCloseTo(-(0.3 * Math.log(0.3) + 0.7 * Math.log(0.7)), 10);
    expect(heldOutMetrics(rows(0.9), 0.3).logLoss).toBeGreaterThan(base.baseLogLoss);
    expect(heldOutMetrics([], 0.3)).toMatchObject({ calls: 0, logLoss: 0, auc: 0.5 });
  });
});
