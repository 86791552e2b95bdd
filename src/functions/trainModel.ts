/**
 * trainModel: POST /model/train (REST API, authenticated): trains the caller's answer model now, as the daily
 * trainModels does for every owner (src/services/modelTraining.ts, docs/best-time.md): a new version stored, promoted
 * only when it predicts the held-out calls better than the base rate. Answers with the version, whether it was
 * promoted and why, its rows and its held-out metrics.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import trainModelEvent from '../generated/trainModel.event.validate.cjs';
import type { Clock } from '../lib/clock.ts';
import { httpFunction, json, requireCaller } from '../middleware/httpStack.ts';
import { createModelTraining, type TrainingDeps } from '../services/modelTraining.ts';
import { trainingDeps } from './shared/modelTraining.ts';

export function build(deps: TrainingDeps & { logger: Logger }) {
  const training = createModelTraining(deps);
  return httpFunction(
    { name: 'trainModel', eventSchema: trainModelEvent, jsonBody: false, logger: deps.logger },
    async (event) => {
      const { userId: _owner, ...result } = await training.train(requireCaller(event));
      return json(200, result);
    },
  );
}

const { deps, clock } = trainingDeps('trainModel');
/** The function on another clock (the tests' injected one): the same dependencies otherwise. */
export const handlerWithClock = (now: Clock) => build({ ...deps, now });
export const handler = handlerWithClock(clock);
