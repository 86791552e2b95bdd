/**
 * resultWorker: SQS-triggered from the call-results queue (ReportBatchItemFailures). Each message is what the
 * telephony workers report of one call; it is recorded once and decides the contact's next step
 * (src/services/callResultService.ts). An opt-out puts the number on the do-not-call list at once.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import validateCallResult from '../generated/callResult.validate.cjs';
import { blacklistConfig, databaseConfig, functionConfig, phoneConfig } from '../lib/config.ts';
import { openDatabase } from '../lib/database.ts';
import { dynamoClient } from '../lib/dynamoClient.ts';
import { createLogger } from '../lib/logger.ts';
import { openPhoneHashing } from '../lib/phoneHashKey.ts';
import type { RejectionStore } from '../lib/queueTasks.ts';
import { queueFunction } from '../middleware/queueStack.ts';
import { createCallResultRepository } from '../repositories/callResultRepository.ts';
import { createRejectionRepository } from '../repositories/rejectionRepository.ts';
import { createBlacklistService } from '../services/blacklistService.ts';
import { type CallResultDeps, createCallResultService } from '../services/callResultService.ts';

export type ResultWorkerDeps = CallResultDeps & { rejections: RejectionStore; logger: Logger };

export function build(deps: ResultWorkerDeps) {
  const service = createCallResultService(deps);
  return queueFunction(
    { name: 'resultWorker', queue: 'call-results', noun: 'Call result', validate: validateCallResult },
    deps,
    (results) => service.process(results),
  );
}

// Every setting this function needs, checked at once: one error names all that are missing or malformed.
const { blacklist: config } = functionConfig({
  database: databaseConfig,
  phone: phoneConfig,
  blacklist: blacklistConfig,
});
const db = openDatabase();
export const handler = build({
  results: createCallResultRepository(db),
  blacklist: createBlacklistService({ dynamo: dynamoClient, tableName: config.blacklistTable }),
  phone: openPhoneHashing(),
  now: () => new Date(),
  rejections: createRejectionRepository(db),
  logger: createLogger('resultWorker'),
});
