/**
 * resultWorker: SQS-triggered from the call-results queue (ReportBatchItemFailures). Each message is what the
 * telephony workers report of one call; it is recorded once and decides the contact's next step
 * (src/services/callResultService.ts). An opt-out puts the number on the do-not-call list at once.
 */
import validateCallResult from '../generated/callResult.validate.cjs';
import { type Clock, clockOf } from '../lib/clock.ts';
import { blacklistConfig, clockConfig, databaseConfig, functionConfig, phoneConfig } from '../lib/config.ts';
import { openDatabase } from '../lib/database.ts';
import { createLogger } from '../lib/logger.ts';
import { openPhoneHashing } from '../lib/phoneHashKey.ts';
import { type QueueStackDeps, queueFunction } from '../middleware/queueStack.ts';
import { createCallResultRepository } from '../repositories/callResultRepository.ts';
import { createRejectionRepository } from '../repositories/rejectionRepository.ts';
import { type CallResultDeps, createCallResultService } from '../services/callResultService.ts';
import { openDoNotCallList } from './shared/doNotCallList.ts';

export function build(deps: CallResultDeps & QueueStackDeps) {
  return queueFunction(
    { name: 'resultWorker', queue: 'call-results', noun: 'Call result', validate: validateCallResult },
    deps,
    createCallResultService(deps).process,
  );
}

// Every setting this function needs, checked at once: one error names all that are missing or malformed.
const { clock } = functionConfig({
  database: databaseConfig,
  clock: clockConfig,
  phone: phoneConfig,
  blacklist: blacklistConfig,
});
const db = openDatabase();
const deps = {
  results: createCallResultRepository(db),
  blacklist: openDoNotCallList(),
  phone: openPhoneHashing(),
  rejections: createRejectionRepository(db),
  logger: createLogger('resultWorker'),
};
/** The function on another clock (the tests' injected one): the same dependencies otherwise. */
export const handlerWithClock = (now: Clock) => build({ ...deps, now });
export const handler = handlerWithClock(clockOf(clock));
