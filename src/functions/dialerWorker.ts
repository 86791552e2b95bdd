/**
 * dialerWorker: SQS-triggered from the dial-tasks queue (ReportBatchItemFailures). Dependencies are created once
 * per function instance, at cold start; each batch goes to the dialer service.
 */
import { dialerConfig } from '../lib/config.ts';
import { openDatabase } from '../lib/database.ts';
import { dynamoClient } from '../lib/dynamoClient.ts';
import { createLogger } from '../lib/logger.ts';
import { openPhoneHashing } from '../lib/phoneHashKey.ts';
import { sqsClient } from '../lib/sqsClient.ts';
import { sqsFunction } from '../middleware/sqsStack.ts';
import { createAttemptRepository } from '../services/attemptRepository.ts';
import { createBlacklistService } from '../services/blacklistService.ts';
import { createDialerService } from '../services/dialerService.ts';
import { createMessageQueue } from '../services/messageQueue.ts';

const config = dialerConfig();
const logger = createLogger('dialerWorker');

const dialer = createDialerService({
  blacklist: createBlacklistService({ dynamo: dynamoClient, tableName: config.blacklistTable }),
  calls: createMessageQueue({ sqs: sqsClient, queueUrl: config.asteriskCallsQueueUrl }),
  attempts: createAttemptRepository(openDatabase()),
  phone: openPhoneHashing(),
  claimLeaseSeconds: config.claimLeaseSeconds,
  logger,
});

export const handler = sqsFunction({ name: 'dialerWorker' }, async (event, context) => {
  logger.addContext(context);
  return dialer.processBatch(event.Records);
});
