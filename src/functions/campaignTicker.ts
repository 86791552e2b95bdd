/**
 * campaignTicker: SQS-triggered from the campaign-ticks queue (ReportBatchItemFailures). Each message is a group of
 * the minute's tick (the scheduler sends them): its campaigns claimed for the tick, then each ticked, one after
 * another (src/services/scheduler.ts). Groups run in parallel invocations, up to the mapping's maximum concurrency.
 */
import { createMessageQueue } from '../adapters/messageQueue.ts';
import validateCampaignTick from '../generated/campaignTick.validate.cjs';
import { type Clock, clockOf } from '../lib/clock.ts';
import { clockConfig, databaseConfig, functionConfig, modelsConfig, schedulerConfig } from '../lib/config.ts';
import { openDatabase } from '../lib/database.ts';
import { createLogger } from '../lib/logger.ts';
import { betaDraw } from '../lib/random.ts';
import { sqsClient } from '../lib/sqsClient.ts';
import { currentTraceHeader } from '../lib/tracing.ts';
import { type QueueStackDeps, queueFunction } from '../middleware/queueStack.ts';
import { createRejectionRepository } from '../repositories/rejectionRepository.ts';
import { createScheduleRepository } from '../repositories/scheduleRepository.ts';
import { createScheduler, type SchedulerDeps } from '../services/scheduler.ts';
import { openModelStore } from './shared/modelBucket.ts';

export function build(deps: SchedulerDeps & QueueStackDeps) {
  return queueFunction(
    { name: 'campaignTicker', queue: 'campaign-ticks', noun: 'Tick group', validate: validateCampaignTick },
    deps,
    createScheduler(deps).tickGroups,
  );
}

// Every setting this function needs, checked at once: one error names all that are missing or malformed.
const { scheduler: config, clock } = functionConfig({
  database: databaseConfig,
  scheduler: schedulerConfig,
  models: modelsConfig,
  clock: clockConfig,
});
const db = openDatabase();
const deps = {
  schedule: createScheduleRepository(db),
  rejections: createRejectionRepository(db),
  dialTasks: createMessageQueue({
    sqs: sqsClient,
    queueUrl: config.dialTasksQueueUrl,
    traceHeader: currentTraceHeader,
  }),
  tickLeaseSeconds: config.tickLeaseSeconds,
  spreadSeconds: config.spreadSeconds,
  times: config.times,
  closeRows: config.closeRows,
  bestTime: {
    models: openModelStore(),
    // Thompson sampling wants fresh randomness each tick; tests give the scheduler service a seeded one.
    draw: betaDraw(Math.random),
  },
  logger: createLogger('campaignTicker'),
};
/** The function on another clock (the tests' injected one): the same dependencies otherwise. */
export const handlerWithClock = (now: Clock) => build({ ...deps, now });
export const handler = handlerWithClock(clockOf(clock));
