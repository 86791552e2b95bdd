/**
 * The answer model in a scheduler tick (docs/best-time.md), traced as ML inference: a `ProcessMLInference` span
 * holding `LoadModel` (the owner's promoted model, read from the bucket only when a new version was promoted) and
 * `RunInference` (the callable contacts scored and ordered; its metadata counts, never a number or attribute).
 * A campaign without the setting, or a model that cannot be read: the tick keeps its default order. An owner without
 * a promoted model yet explores with the uninformed one (`model_version` "prior"). The model never stops a call the
 * rules allow (it may hold one for a better hour), and never allows one they do not.
 */
import type { ModelStore } from '../adapters/modelStore.ts';
import { UNINFORMED_MODEL } from '../domain/answerModel.ts';
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
    span.close();
    return NONE;
  } finally {
    load.close();
  }
  // No model promoted yet: the uninformed one explores (src/domain/answerModel.ts).
  const scoring = bestTimeOrder(found?.model, campaign.bestTime, campaign, at, deps.draw);
  const version = found?.model.version ?? UNINFORMED_MODEL.version;
  const order: ReleaseOrder = (callable) => {
    const run = span.child('RunInference');
    try {
      run.annotate('model_version', version);
      const ordered = scoring.order(callable);
      run.addMetadata('inference', scoring.summary());
      return ordered;
    } finally {
      run.close();
    }
  };
  return { order, close: () => span.close() };
}
