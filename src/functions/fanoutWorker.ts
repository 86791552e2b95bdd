/**
 * fanoutWorker: SQS-triggered from the fan-out queue (ReportBatchItemFailures). Each job is one page of a
 * campaign's contacts, turned into dial tasks on the dial-tasks queue.
 */
import { fanoutConfig } from '../lib/config.ts';
import { openDatabase } from '../lib/database.ts';
import { dynamoClient } from '../lib/dynamoClient.ts';
import { createLogger } from '../lib/logger.ts';
import { sqsClient } from '../lib/sqsClient.ts';
import { sqsFunction } from '../middleware/sqsStack.ts';
import { createBlacklistService } from '../services/blacklistService.ts';
import { createFanoutRepository } from '../services/fanoutRepository.ts';
import { createFanoutService } from '../services/fanoutService.ts';
import { createMessageQueue } from '../services/messageQueue.ts';

const config = fanoutConfig();
const logger = createLogger('fanoutWorker');
const fanout = createFanoutService({
  pages: createFanoutRepository(openDatabase()),
  blacklist: createBlacklistService({ dynamo: dynamoClient, tableName: config.blacklistTable }),
  dialTasks: createMessageQueue({ sqs: sqsClient, queueUrl: config.dialTasksQueueUrl }),
  logger,
});

export const handler = sqsFunction({ name: 'fanoutWorker' }, async (event, context) => {
  logger.addContext(context);
  return fanout.processBatch(event.Records);
});
