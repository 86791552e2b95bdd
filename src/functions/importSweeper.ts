/**
 * importSweeper: runs every 5 minutes (an EventBridge schedule). An import is handed from one invocation to the next
 * through the imports queue; an invocation that crashed (out of memory, a timeout, a deploy), or a hand-on message
 * that was lost, leaves an import `importing` that no worker holds. Once its lease has run out, the sweeper sends
 * it to the queue again, and the next invocation resumes it from its last checkpoint: every row is counted once.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { createMessageQueue, type MessageQueue } from '../adapters/messageQueue.ts';
import { databaseConfig, functionConfig, importSweeperConfig } from '../lib/config.ts';
import { openDatabase } from '../lib/database.ts';
import { createLogger } from '../lib/logger.ts';
import { sqsClient } from '../lib/sqsClient.ts';
import { currentTraceHeader } from '../lib/tracing.ts';
import { scheduledFunction } from '../middleware/scheduleStack.ts';
import { createImportRepository, type ImportRepository } from '../repositories/importRepository.ts';

/** Imports handed on per run: a run is short, and the next one takes the rest. */
const PER_RUN = 100;
/** How long a handed-on import has to be taken before a sweep hands it on again. */
const GRACE_SECONDS = 600;

export function build(deps: {
  imports: Pick<ImportRepository, 'takeStalled'>;
  queue: Pick<MessageQueue, 'send'>;
  logger: Logger;
}) {
  return scheduledFunction('importSweeper', deps.logger, async () => {
    const stalled = await deps.imports.takeStalled(PER_RUN, GRACE_SECONDS);
    const { failed } = await deps.queue.send(stalled.map((job) => ({ id: job.importId, body: job })));
    return { failed: failed.size, summary: { handedOn: stalled.length - failed.size } };
  });
}

const { importSweeper: config } = functionConfig({
  database: databaseConfig,
  importSweeper: importSweeperConfig,
});
export const handler = build({
  imports: createImportRepository(openDatabase()),
  queue: createMessageQueue({
    sqs: sqsClient,
    queueUrl: config.importsQueueUrl,
    traceHeader: currentTraceHeader,
  }),
  logger: createLogger('importSweeper'),
});
