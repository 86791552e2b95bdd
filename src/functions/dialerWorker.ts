/**
 * dialerWorker: SQS-triggered from the dial-tasks queue (ReportBatchItemFailures). `build` makes the handler from
 * its settings and dependencies; below it, the real ones, created once per function instance, at cold start.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { createMessageQueue } from '../adapters/messageQueue.ts';
import validateDialTask from '../generated/dialTask.validate.cjs';
import {
  type DialerConfig,
  databaseConfig,
  dialerConfig,
  functionConfig,
  phoneConfig,
} from '../lib/config.ts';
import { openDatabase } from '../lib/database.ts';
import { dynamoClient } from '../lib/dynamoClient.ts';
import { createLogger } from '../lib/logger.ts';
import { openPhoneHashing } from '../lib/phoneHashKey.ts';
import type { RejectionStore } from '../lib/queueTasks.ts';
import { sqsClient } from '../lib/sqsClient.ts';
import { queueFunction } from '../middleware/queueStack.ts';
import { createAttemptRepository } from '../repositories/attemptRepository.ts';
import { createRejectionRepository } from '../repositories/rejectionRepository.ts';
import { createBlacklistService } from '../services/blacklistService.ts';
import { CALLING_HOURS } from '../services/callingHours.ts';
import { createDialerService, type DialerDeps } from '../services/dialerService.ts';

export type DialerWorkerDeps = Omit<DialerDeps, 'claimLeaseSeconds'> & {
  rejections: RejectionStore;
  logger: Logger;
};

export function build(config: Pick<DialerConfig, 'claimLeaseSeconds'>, deps: DialerWorkerDeps) {
  const dialer = createDialerService({ ...deps, claimLeaseSeconds: config.claimLeaseSeconds });
  return queueFunction(
    { name: 'dialerWorker', queue: 'dial-tasks', noun: 'Dial task', validate: validateDialTask },
    deps,
    (tasks) => dialer.dial(tasks),
  );
}

// Every setting this function needs, checked at once: one error names all that are missing or malformed.
const { dialer: config } = functionConfig({
  database: databaseConfig,
  phone: phoneConfig,
  dialer: dialerConfig,
});
const db = openDatabase();
export const handler = build(config, {
  blacklist: createBlacklistService({ dynamo: dynamoClient, tableName: config.blacklistTable }),
  calls: createMessageQueue({ sqs: sqsClient, queueUrl: config.asteriskCallsQueueUrl }),
  attempts: createAttemptRepository(db),
  rejections: createRejectionRepository(db),
  phone: openPhoneHashing(),
  // The rules table's limit (rules/calling-hours.json): at most 3 calls to a number in 24 hours.
  recipientLimit: CALLING_HOURS.perRecipientLimit,
  rulesVersion: CALLING_HOURS.version,
  logger: createLogger('dialerWorker'),
  now: () => new Date(),
});
