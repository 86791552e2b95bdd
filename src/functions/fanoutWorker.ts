/**
 * fanoutWorker: SQS-triggered from the fan-out queue (ReportBatchItemFailures). Each job is one page of a
 * campaign's contacts, turned into dial tasks on the dial-tasks queue. `build` makes the handler from its
 * dependencies; below it, the real ones, created once per function instance, at cold start.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { createMessageQueue } from '../adapters/messageQueue.ts';
import validateFanoutJob from '../generated/fanoutJob.validate.cjs';
import { databaseConfig, fanoutConfig, functionConfig } from '../lib/config.ts';
import { openDatabase } from '../lib/database.ts';
import { dynamoClient } from '../lib/dynamoClient.ts';
import { createLogger } from '../lib/logger.ts';
import type { RejectionStore } from '../lib/queueTasks.ts';
import { sqsClient } from '../lib/sqsClient.ts';
import { queueFunction } from '../middleware/queueStack.ts';
import { createFanoutRepository } from '../repositories/fanoutRepository.ts';
import { createRejectionRepository } from '../repositories/rejectionRepository.ts';
import { createBlacklistService } from '../services/blacklistService.ts';
import { createFanoutService, type FanoutDeps } from '../services/fanoutService.ts';

export type FanoutWorkerDeps = FanoutDeps & { rejections: RejectionStore; logger: Logger };

export function build(deps: FanoutWorkerDeps) {
  const fanout = createFanoutService(deps);
  return queueFunction(
    { name: 'fanoutWorker', queue: 'fanout', noun: 'Fan-out job', validate: validateFanoutJob },
    deps,
    (jobs) => fanout.fanOutJobs(jobs),
  );
}

// Every setting this function needs, checked at once: one error names all that are missing or malformed.
const { fanout: config } = functionConfig({ database: databaseConfig, fanout: fanoutConfig });
const db = openDatabase();
export const handler = build({
  pages: createFanoutRepository(db),
  blacklist: createBlacklistService({ dynamo: dynamoClient, tableName: config.blacklistTable }),
  dialTasks: createMessageQueue({ sqs: sqsClient, queueUrl: config.dialTasksQueueUrl }),
  rejections: createRejectionRepository(db),
  logger: createLogger('fanoutWorker'),
});
