/**
 * Training the answer model (docs/best-time.md): for one owner, the calls of the last `days` counted by feature
 * (the most recent `heldOutDays` kept apart, or the most recent fifth of the owner's calls when it has called for
 * less than five times that), a model fitted on the rest and judged on them, then fitted on all of them, stored as a
 * new immutable version, and promoted only when the judged fit predicts the held-out calls better than the base rate. The daily run trains
 * every owner with calls in the window; one owner's failure does not stop the others.
 */
import type { ModelStore } from '../adapters/modelStore.ts';
import { type AnswerModel, promotable, trainAnswerModel } from '../domain/answerModel.ts';
import { describeCause } from '../lib/errors.ts';
import { traced } from '../lib/tracing.ts';
import type { TrainingRepository } from '../repositories/trainingRepository.ts';

export interface TrainingDeps {
  training: TrainingRepository;
  models: ModelStore;
  now: () => Date;
  newId: () => string;
  /** The window learned from, and its most recent part kept for judging. */
  window?: { days: number; heldOutDays: number };
}

export interface TrainingResult {
  userId: string;
  version?: string;
  promoted: boolean;
  reason: string;
  metrics?: AnswerModel['metrics'];
  rows?: AnswerModel['rows'];
}

const DAY_MS = 86_400_000;
export const DEFAULT_TRAINING_WINDOW = { days: 28, heldOutDays: 7 };

export function createModelTraining({
  training,
  models,
  now,
  newId,
  window = DEFAULT_TRAINING_WINDOW,
}: TrainingDeps) {
  async function train(userId: string): Promise<TrainingResult> {
    return traced('TrainModel', async (span) => {
      span.annotate('userId', userId);
      const to = now();
      const from = new Date(to.getTime() - window.days * DAY_MS);
      const first = await training.firstCallAt(userId, from, to);
      if (first === null)
        return { userId, promoted: false, reason: 'no calls with a result in the training window' };
      // A new owner is judged on its latest fifth: a week held out of a week's calls would leave nothing to fit.
      const heldOutFrom = new Date(
        Math.max(
          to.getTime() - window.heldOutDays * DAY_MS,
          first.getTime() + 0.8 * (to.getTime() - first.getTime()),
        ),
      );
      const counts = await traced('LoadTrainingData', () =>
        training.answerCounts(userId, { from, to, heldOutFrom }),
      );
      if (counts.training.length === 0)
        return { userId, promoted: false, reason: 'no calls with a result in the training window' };
      // Versions sort by time: the training instant, then a random suffix (two trainings in one second differ).
      const version = `${to.toISOString().replace(/[-:.]/g, '')}-${newId().slice(0, 8)}`;
      const model = trainAnswerModel(counts.training, counts.heldOut, {
        version,
        trainedAt: to,
        window: { from, to },
      });
      span.annotate('model_version', version);
      span.addMetadata('rows', model.rows);
      span.addMetadata('metrics', model.metrics);
      await traced('SaveModel', () => models.save(userId, model));
      const verdict = promotable(model);
      span.annotate('promoted', verdict.promote);
      if (verdict.promote) {
        await models.promote(userId, { version, promotedAt: to.toISOString(), reason: verdict.reason });
      }
      return {
        userId,
        version,
        promoted: verdict.promote,
        reason: verdict.reason,
        metrics: model.metrics,
        rows: model.rows,
      };
    });
  }

  return {
    train,
    /** Every owner with calls in the window, one after another. */
    async trainAll(): Promise<TrainingResult[]> {
      const to = now();
      const owners = await training.ownersWithCalls(new Date(to.getTime() - window.days * DAY_MS), to);
      const results: TrainingResult[] = [];
      for (const userId of owners) {
        try {
          results.push(await train(userId));
        } catch (error) {
          results.push({ userId, promoted: false, reason: `failed: ${describeCause(error)}` });
        }
      }
      return results;
    },
  };
}

export type ModelTraining = ReturnType<typeof createModelTraining>;
