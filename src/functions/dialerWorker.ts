/**
 * dialerWorker: SQS-triggered from the dial-tasks queue (ReportBatchItemFailures). `build` makes the handler from
 * its settings and dependencies; below it, the real ones, created once per function instance, at cold start.
 */
import { createMessageQueue } from '../adapters/messageQueue.ts';
import { CALLING_HOURS } from '../domain/callingHours.ts';
import validateDialTask from '../generated/dialTask.validate.cjs';
import { type Clock, clockOf } from '../lib/clock.ts';
import {
  blacklistConfig,
  clockConfig,
  databaseConfig,
  dialerConfig,
  functionConfig,
  phoneConfig,
} from '../lib/config.ts';
import { openDatabase } from '../lib/database.ts';
import { createLogger } from '../lib/logger.ts';
import { openPhoneHashing } from '../lib/phoneHashKey.ts';
import { sqsClient } from '../lib/sqsClient.ts';
import { currentTraceHeader } from '../lib/tracing.ts';
import { type QueueStackDeps, queueFunction } from '../middleware/queueStack.ts';
import { createAttemptRepository } from '../repositories/attemptRepository.ts';
import { createRejectionRepository } from '../repositories/rejectionRepository.ts';
import { createDialerService, type DialerDeps } from '../services/dialerService.ts';
import { openDoNotCallList } from './shared/doNotCallList.ts';

export function build(deps: DialerDeps & QueueStackDeps) {
  return queueFunction(
    { name: 'dialerWorker', queue: 'dial-tasks', noun: 'Dial task', validate: validateDialTask },
    deps,
    createDialerService(deps).dial,
  );
}

// Every setting this function needs, checked at once: one error names all that are missing or malformed.
const {
  dialer: { asteriskCallsQueueUrl: queueUrl, ...timeLimits },
  clock,
} = functionConfig({
  database: databaseConfig,
  clock: clockConfig,
  phone: phoneConfig,
  dialer: dialerConfig,
  blacklist: blacklistConfig,
});
const db = openDatabase();
const deps = {
  blacklist: openDoNotCallList(),
  calls: createMessageQueue({ sqs: sqsClient, queueUrl, traceHeader: currentTraceHeader }),
  attempts: createAttemptRepository(db),
  rejections: createRejectionRepository(db),
  phone: openPhoneHashing(),
  ...timeLimits,
  rules: CALLING_HOURS,
  logger: createLogger('dialerWorker'),
};
/** The function on another clock (the tests' injected one): the same dependencies otherwise. */
export const handlerWithClock = (now: Clock) => build({ ...deps, now });
export const handler = handlerWithClock(clockOf(clock));
