/**
 * How a model of a rate is judged on calls it never saw: weighted log loss against the base rate's, and AUC by ranks,
 * over aggregated rows (calls, answered, the predicted chance). Pure.
 */

/** Rates are kept inside (EPSILON, 1 - EPSILON): a log loss stays finite. */
const EPSILON = 1e-4;
const clamp = (p: number) => Math.min(1 - EPSILON, Math.max(EPSILON, p));

function sum<T>(rows: readonly T[], value: (row: T) => number): number {
  let total = 0;
  for (const row of rows) total += value(row);
  return total;
}

/** Log loss and AUC of the model on held-out calls, against the base rate (a model must beat it to be promoted). */
export interface HeldOutMetrics {
  calls: number;
  answered: number;
  logLoss: number;
  baseLogLoss: number;
  /** The chance a random answered call scored above a random unanswered one (0.5: no better than the base rate). */
  auc: number;
}

/** Weighted log loss and AUC of the predicted chances over aggregated calls (AUC by ranks, ties counted half). */
export function heldOutMetrics(
  counts: ReadonlyArray<{ calls: number; answered: number; p: number }>,
  baseRate: number,
): HeldOutMetrics {
  const calls = sum(counts, (row) => row.calls);
  const answered = sum(counts, (row) => row.answered);
  let loss = 0;
  let baseLoss = 0;
  const scored = counts.map((row) => ({ row, p: clamp(row.p) }));
  for (const { row, p } of scored) {
    const missed = row.calls - row.answered;
    loss -= row.answered * Math.log(p) + missed * Math.log(1 - p);
    baseLoss -= row.answered * Math.log(clamp(baseRate)) + missed * Math.log(1 - clamp(baseRate));
  }
  // AUC: for each answered call, the share of unanswered calls scored below it (half for a tie).
  scored.sort((a, b) => a.p - b.p);
  let below = 0;
  let pairs = 0;
  for (let i = 0; i < scored.length; ) {
    let j = i;
    let tiedAnswered = 0;
    let tiedMissed = 0;
    while (j < scored.length && scored[j]?.p === scored[i]?.p) {
      const row = (scored[j] as { row: { calls: number; answered: number } }).row;
      tiedAnswered += row.answered;
      tiedMissed += row.calls - row.answered;
      j += 1;
    }
    pairs += tiedAnswered * (below + tiedMissed / 2);
    below += tiedMissed;
    i = j;
  }
  const missedAll = calls - answered;
  return {
    calls,
    answered,
    logLoss: calls === 0 ? 0 : loss / calls,
    baseLogLoss: calls === 0 ? 0 : baseLoss / calls,
    auc: answered === 0 || missedAll === 0 ? 0.5 : pairs / (answered * missedAll),
  };
}
