/**
 * The answer model in a scheduler tick (docs/best-time.md), traced as ML inference: a `ProcessMLInference` span
 * holding `LoadModel` (the owner's promoted model, read from the bucket only when a new version was promoted) and
 * `RunInference` (the callable contacts scored and ordered; its metadata counts, never a number or attribute).
 * A campaign without the setting, an owner without a promoted model, or a model that cannot be read: the tick keeps
 * its default order. The model never stops a call the rules allow, and never allows one they do not.
 */
import type { ModelStore } from '../adapters/modelStore.ts';
import { bestTimeOrder } from '../domain/bestTime.ts';
import type { ActiveCampaign } from '../domain/schedule.ts';
import type { ReleaseOrder } from '../domain/schedulePlan.ts';
import { currentSpan } from '../lib/tracing.ts';

export interface BestTimeDeps {
  models: Pick<ModelStore, 'promoted'>;
  /** A Beta draw (src/lib/random.ts): Thompson sampling's randomness. */
  draw: (alpha: number, beta: number) => number;
}

export interface TickInference {
  /** The model's order, or undefined for the default one. */
  order?: ReleaseOrder;
  /** Ends the inference span (after the plan that ran the order). */
  close(): void;
}

const NONE: TickInference = { close: () => {} };

export async function startInference(
  deps: BestTimeDeps | undefined,
  campaign: ActiveCampaign,
  at: Date,
): Promise<TickInference> {
  if (deps === undefined || !campaign.bestTime.enabled) return NONE;
  const span = currentSpan().child('ProcessMLInference');
  const load = span.child('LoadModel');
  let found: Awaited<ReturnType<BestTimeDeps['models']['promoted']>>;
  try {
    found = await load.run(() => deps.models.promoted(campaign.userId));
    load.annotate('model_version', found?.model.version ?? 'none');
    load.annotate('model_loaded', found?.loaded ?? false);
  } catch (error) {
    // Without its model the tick calls in the default order: recorded, never a reason to call less.
    load.recordError(error);
    found = undefined;
  } finally {
    load.close();
  }
  if (found === undefined) {
    span.close();
    return NONE;
  }
  const { model } = found;
  const scoring = bestTimeOrder(model, campaign.bestTime, campaign.id, at, deps.draw);
  const order: ReleaseOrder = (callable) => {
    const run = span.child('RunInference');
    try {
      run.annotate('model_version', model.version);
      const ordered = scoring.order(callable);
      run.addMetadata('inference', scoring.summary());
      return ordered;
    } finally {
      run.close();
    }
  };
  return { order, close: () => span.close() };
}
