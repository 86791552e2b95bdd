/** What the two training functions share (the daily trainModels, the on-demand trainModel): their wiring. */
import { randomUUID } from 'node:crypto';
import { type Clock, clockOf } from '../../lib/clock.ts';
import { clockConfig, databaseConfig, functionConfig, modelsConfig } from '../../lib/config.ts';
import { openDatabase } from '../../lib/database.ts';
import { createLogger } from '../../lib/logger.ts';
import { createTrainingRepository } from '../../repositories/trainingRepository.ts';
import type { TrainingDeps } from '../../services/modelTraining.ts';
import { openModelStore } from './modelBucket.ts';

/** The training dependencies of function `name`, made once per instance, and its clock. */
export function trainingDeps(name: string): {
  deps: Omit<TrainingDeps, 'now'> & { logger: ReturnType<typeof createLogger> };
  clock: Clock;
} {
  const { clock } = functionConfig({ database: databaseConfig, models: modelsConfig, clock: clockConfig });
  return {
    deps: {
      training: createTrainingRepository(openDatabase()),
      models: openModelStore(),
      newId: randomUUID,
      logger: createLogger(name),
    },
    clock: clockOf(clock),
  };
}
