/**
 * scheduler: runs every minute (an EventBridge schedule). Releases each running campaign's due contacts as dial
 * tasks, inside their calling hours and at the campaign's pace; ends campaigns whose time is up or whose contacts are
 * all done; closes cancelled ones (src/services/scheduler.ts).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { createMessageQueue } from '../adapters/messageQueue.ts';
import { type Clock, clockOf } from '../lib/clock.ts';
import { clockConfig, databaseConfig, functionConfig, modelsConfig, schedulerConfig } from '../lib/config.ts';
import { openDatabase } from '../lib/database.ts';
import { createLogger } from '../lib/logger.ts';
import { betaDraw } from '../lib/random.ts';
import { sqsClient } from '../lib/sqsClient.ts';
import { currentTraceHeader } from '../lib/tracing.ts';
import { scheduledFunction } from '../middleware/scheduleStack.ts';
import { createScheduleRepository } from '../repositories/scheduleRepository.ts';
import { createScheduler, type SchedulerDeps, tickSummary } from '../services/scheduler.ts';
import { openModelStore } from './shared/modelBucket.ts';

export function build(deps: SchedulerDeps & { logger: Logger }) {
  const scheduler = createScheduler(deps);
  return scheduledFunction('scheduler', deps.logger, async () => {
    const ticks = await scheduler.tick();
    const failed = ticks.filter((t) => t.outcome === 'failed');
    for (const t of failed)
      deps.logger.error('Campaign not scheduled', { campaignId: t.campaignId, reason: t.reason });
    return { failed: failed.length, summary: tickSummary(ticks) };
  });
}

// Every setting this function needs, checked at once: one error names all that are missing or malformed.
const { scheduler: config, clock } = functionConfig({
  database: databaseConfig,
  scheduler: schedulerConfig,
  models: modelsConfig,
  clock: clockConfig,
});
const deps = {
  schedule: createScheduleRepository(openDatabase()),
  dialTasks: createMessageQueue({
    sqs: sqsClient,
    queueUrl: config.dialTasksQueueUrl,
    traceHeader: currentTraceHeader,
  }),
  spreadSeconds: config.spreadSeconds,
  times: config.times,
  closeRows: config.closeRows,
  bestTime: {
    models: openModelStore(),
    // Thompson sampling wants fresh randomness each tick; tests give the scheduler service a seeded one.
    draw: betaDraw(Math.random),
  },
  logger: createLogger('scheduler'),
};
/** The function on another clock (the tests' injected one): the same dependencies otherwise. */
export const handlerWithClock = (now: Clock) => build({ ...deps, now });
export const handler = handlerWithClock(clockOf(clock));
