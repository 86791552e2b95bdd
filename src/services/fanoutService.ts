/**
 * Turns one fan-out job (one page of a campaign's contacts) into dial tasks:
 * 1. LoadContacts: the page's contacts by primary-key range (keyset pagination), those without a first attempt yet.
 *    A page already done, or of a campaign no longer running, is acknowledged with nothing to do.
 * 2. FilterBlacklist: one BatchGetItem per 100 numbers; listed numbers get a `skipped_blacklisted` attempt.
 * 3. EnqueueDialTasks: SendMessageBatch, 10 tasks a call; the sent ones get a `queued` attempt and, when all went
 *    out, the page is marked done (one statement). A task that could not be sent fails the job, which SQS delivers
 *    again: the contacts already queued are not read again, so nothing is enqueued twice.
 * Memory holds one page at a time, whatever the campaign's size.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import type { DialTask } from '../generated/dialTask.ts';
import type { FanoutJob } from '../generated/fanoutJob.ts';
import validateFanoutJob from '../generated/fanoutJob.validate.cjs';
import { DependencyError, describeCause } from '../lib/errors.ts';
import { describeSchemaErrors } from '../lib/schemaErrors.ts';
import { traced } from '../lib/tracing.ts';
import type { BlacklistService } from './blacklistService.ts';
import type { FanoutRepository } from './fanoutRepository.ts';
import type { MessageQueue } from './messageQueue.ts';

export interface FanoutDeps {
  pages: FanoutRepository;
  blacklist: BlacklistService;
  dialTasks: MessageQueue;
  logger: Logger;
}

export interface FanoutResult {
  outcome: 'done' | 'already_done' | 'campaign_not_running' | 'unknown_page';
  queued: number;
  skipped: number;
}

/** Reads one message body as a fan-out job: the job, or why it is not one. */
function readJob(body: string): { job: FanoutJob } | { reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { reason: 'Fan-out job is not valid JSON' };
  }
  if (!validateFanoutJob(value)) {
    return {
      reason: `Fan-out job does not match its schema: ${describeSchemaErrors(validateFanoutJob.errors).join('; ')}`,
    };
  }
  return { job: value };
}

export function createFanoutService({ pages, blacklist, dialTasks, logger }: FanoutDeps) {
  const service = {
    /**
     * Processes an SQS batch of fan-out jobs one after the other (one page in memory at a time). A job that can never
     * succeed is set aside in rejected_fanout_jobs; a job whose dependency failed is returned for retry.
     */
    async processBatch(records: readonly SQSRecord[]): Promise<SQSBatchResponse> {
      const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
      for (const record of records) {
        try {
          const read = readJob(record.body);
          const result = 'job' in read ? await service.fanOut(read.job) : undefined;
          const reason =
            'reason' in read ? read.reason : result?.outcome === 'unknown_page' ? 'No such page' : undefined;
          if (reason !== undefined) {
            await pages.recordRejected(record.messageId, reason, record.body);
            logger.warn('Fan-out job rejected', { messageId: record.messageId, reason });
          }
        } catch (error) {
          logger.error('Fan-out job will be retried', {
            messageId: record.messageId,
            error: describeCause(error),
          });
          batchItemFailures.push({ itemIdentifier: record.messageId });
        }
      }
      return { batchItemFailures };
    },

    async fanOut(job: FanoutJob): Promise<FanoutResult> {
      const page = await traced('LoadContacts', async (span) => {
        const loaded = await pages.loadPage(job.campaignId, job.page);
        span.addMetadata('contacts', loaded.contacts.length);
        return loaded;
      });
      if (page.pageStatus === undefined) return { outcome: 'unknown_page', queued: 0, skipped: 0 };
      if (page.pageStatus === 'done') return { outcome: 'already_done', queued: 0, skipped: 0 };
      if (page.campaignStatus !== 'running')
        return { outcome: 'campaign_not_running', queued: 0, skipped: 0 };

      const listed = await traced('FilterBlacklist', async (span) => {
        const found = await blacklist.findBlacklisted(page.contacts.map((contact) => contact.phoneNumber));
        span.addMetadata('blacklisted', found.size);
        return found;
      });
      const skipped = page.contacts.filter((contact) => listed.has(contact.phoneNumber));
      const eligible = page.contacts.filter((contact) => !listed.has(contact.phoneNumber));

      return traced('EnqueueDialTasks', async (span) => {
        const result = await dialTasks.send(
          eligible.map((contact) => {
            const task: DialTask = {
              campaignId: job.campaignId,
              contactId: contact.id,
              attempt: 1,
              phoneNumber: contact.phoneNumber,
              ...(job.userId ? { userId: job.userId } : {}),
            };
            return { id: contact.id, body: task };
          }),
        );
        const queued = eligible.filter((contact) => result.sent.has(contact.id));
        const done = queued.length === eligible.length;
        await pages.recordPage(
          job.campaignId,
          job.page,
          [
            ...skipped.map((contact) => ({ contactId: contact.id, status: 'skipped_blacklisted' as const })),
            ...queued.map((contact) => ({ contactId: contact.id, status: 'queued' as const })),
          ],
          done,
        );
        span.addMetadata('queued', queued.length);
        if (!done) {
          const reasons = [...new Set(result.failed.values())].join(', ');
          throw new DependencyError(
            'sqs',
            `${eligible.length - queued.length} dial tasks not sent (${reasons})`,
          );
        }
        logger.info('Fan-out page done', { ...job, queued: queued.length, skipped: skipped.length });
        return { outcome: 'done', queued: queued.length, skipped: skipped.length } as const;
      });
    },
  };
  return service;
}

export type FanoutService = ReturnType<typeof createFanoutService>;
