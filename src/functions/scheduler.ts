/**
 * scheduler: runs every minute (an EventBridge schedule). Sends the minute's tick as groups of active campaigns to the
 * campaign-ticks queue (src/services/tickFanOut.ts); campaignTicker invocations tick the groups in parallel: release
 * each running campaign's due contacts inside their calling hours and at its pace, end campaigns whose time is up or
 * whose contacts are all done, close cancelled ones (src/services/scheduler.ts).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { createMessageQueue } from '../adapters/messageQueue.ts';
import { type Clock, clockOf } from '../lib/clock.ts';
import { clockConfig, databaseConfig, functionConfig, tickFanOutConfig } from '../lib/config.ts';
import { openDatabase } from '../lib/database.ts';
import { createLogger } from '../lib/logger.ts';
import { sqsClient } from '../lib/sqsClient.ts';
import { currentTraceHeader } from '../lib/tracing.ts';
import { scheduledFunction } from '../middleware/scheduleStack.ts';
import { createScheduleRepository } from '../repositories/scheduleRepository.ts';
import { createTickFanOut, type TickFanOutDeps } from '../services/tickFanOut.ts';

export function build(deps: TickFanOutDeps & { logger: Logger }) {
  const fanOut = createTickFanOut(deps);
  return scheduledFunction('scheduler', deps.logger, async () => {
    const { unsent, ...summary } = await fanOut.fanOut();
    // Not retried: the next minute's tick covers the campaigns of a group not sent.
    if (unsent.length > 0)
      deps.logger.error('Campaigns not ticked this minute', { campaigns: unsent.length });
    return { failed: unsent.length, summary: { ...summary, unsent: unsent.length } };
  });
}

// Every setting this function needs, checked at once: one error names all that are missing or malformed.
const { tickFanOut: config, clock } = functionConfig({
  database: databaseConfig,
  tickFanOut: tickFanOutConfig,
  clock: clockConfig,
});
const deps = {
  schedule: createScheduleRepository(openDatabase()),
  campaignTicks: createMessageQueue({
    sqs: sqsClient,
    queueUrl: config.campaignTicksQueueUrl,
    traceHeader: currentTraceHeader,
  }),
  groupSize: config.groupSize,
  logger: createLogger('scheduler'),
};
/** The function on another clock (the tests' injected one): the same dependencies otherwise. */
export const handlerWithClock = (now: Clock) => build({ ...deps, now });
export const handler = handlerWithClock(clockOf(clock));
