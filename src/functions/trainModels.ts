/**
 * trainModels: runs daily (an EventBridge schedule). Trains the answer model of every owner with calls in the last
 * four weeks, stores each as a new version in the model bucket, and promotes the ones that predict the last week's
 * calls better than the base rate (src/services/modelTraining.ts, docs/best-time.md).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Clock } from '../lib/clock.ts';
import { scheduledFunction } from '../middleware/scheduleStack.ts';
import { createModelTraining, type TrainingDeps } from '../services/modelTraining.ts';
import { trainingDeps } from './shared/modelTraining.ts';

export function build(deps: TrainingDeps & { logger: Logger }) {
  const training = createModelTraining(deps);
  return scheduledFunction('trainModels', deps.logger, async () => {
    const results = await training.trainAll();
    const failed = results.filter((r) => r.reason.startsWith('failed'));
    for (const r of failed) deps.logger.error('Model not trained', { userId: r.userId, reason: r.reason });
    return {
      failed: failed.length,
      summary: {
        owners: results.length,
        promoted: results.filter((r) => r.promoted).map((r) => ({ userId: r.userId, version: r.version })),
        kept: results.filter((r) => !r.promoted).map((r) => ({ userId: r.userId, reason: r.reason })),
      },
    };
  });
}

const { deps, clock } = trainingDeps('trainModels');
/** The function on another clock (the tests' injected one): the same dependencies otherwise. */
export const handlerWithClock = (now: Clock) => build({ ...deps, now });
export const handler = handlerWithClock(clock);
