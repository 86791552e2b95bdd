/**
 * importWorker: SQS-triggered from the imports queue (ReportBatchItemFailures, one message at a time). A message is
 * S3's notice that a CSV file was uploaded, or an import continuing from its checkpoint; either way the worker
 * imports what it can in this invocation (src/services/importRun.ts).
 */
import { randomUUID } from 'node:crypto';
import { createImportFiles } from '../adapters/importFiles.ts';
import { createMessageQueue } from '../adapters/messageQueue.ts';
import validateImportJob from '../generated/importJob.validate.cjs';
import { databaseConfig, functionConfig, importsConfig, importWorkerConfig } from '../lib/config.ts';
import { openDatabase } from '../lib/database.ts';
import { createLogger } from '../lib/logger.ts';
import { s3Clients } from '../lib/s3Client.ts';
import { sqsClient } from '../lib/sqsClient.ts';
import { type QueueStackDeps, queueFunction } from '../middleware/queueStack.ts';
import { createCampaignDefinitionRepository } from '../repositories/campaignDefinitionRepository.ts';
import { createImportRepository } from '../repositories/importRepository.ts';
import { createRejectionRepository } from '../repositories/rejectionRepository.ts';
import { createImportRun, type ImportRunDeps } from '../services/importRun.ts';

export function build(deps: ImportRunDeps & QueueStackDeps) {
  return queueFunction(
    { name: 'importWorker', queue: 'imports', noun: 'Import message', validate: validateImportJob },
    deps,
    createImportRun(deps).process,
  );
}

// Every setting this function needs, checked at once: one error names all that are missing or malformed.
const { imports: files, importWorker: config } = functionConfig({
  database: databaseConfig,
  imports: importsConfig,
  importWorker: importWorkerConfig,
});
const db = openDatabase();
const continuations = createMessageQueue({ sqs: sqsClient, queueUrl: config.importsQueueUrl });
export const handler = build({
  definitions: createCampaignDefinitionRepository(db),
  imports: createImportRepository(db),
  files: createImportFiles({ ...s3Clients({ pathStyle: files.s3PathStyle }), bucket: files.bucket }),
  async continueLater(job) {
    const { failed } = await continuations.send([{ id: job.importId, body: job }]);
    if (failed.size > 0) throw new Error('The import could not be handed on to the next invocation');
  },
  newId: randomUUID,
  settings: config,
  rejections: createRejectionRepository(db),
  logger: createLogger('importWorker'),
});
