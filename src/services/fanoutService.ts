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

import type { MessageQueue } from '../adapters/messageQueue.ts';
import type { DialTask } from '../generated/dialTask.ts';
import type { FanoutJob } from '../generated/fanoutJob.ts';
import { DependencyError, describeCause } from '../lib/errors.ts';
import type { Outcomes, QueueTask, TaskOutcome } from '../lib/queueTasks.ts';
import { traced } from '../lib/tracing.ts';
import type { FanoutRepository } from '../repositories/fanoutRepository.ts';
import type { BlacklistService } from './blacklistService.ts';

export interface FanoutDeps {
  pages: Pick<FanoutRepository, 'loadPage' | 'recordPage'>;
  blacklist: Pick<BlacklistService, 'findBlacklisted'>;
  dialTasks: MessageQueue;
}

export interface FanoutResult {
  outcome: 'done' | 'already_done' | 'campaign_not_running' | 'unknown_page';
  queued: number;
  skipped: number;
}

/** A job's result as the queue stack counts it: a page that does not exist can never be fanned out. */
function outcomeOf(result: FanoutResult): TaskOutcome {
  if (result.outcome === 'unknown_page') return { kind: 'reject', reason: 'No such page' };
  const counts = { queued: result.queued, skipped: result.skipped };
  return { kind: 'done', result: result.outcome, counts };
}

export function createFanoutService({ pages, blacklist, dialTasks }: FanoutDeps) {
  const service = {
    /** Fans the jobs out one after the other (one page in memory at a time); a failed dependency retries its job. */
    async fanOutJobs(jobs: readonly QueueTask<FanoutJob>[]): Promise<Outcomes> {
      const outcomes = new Map<string, TaskOutcome>();
      for (const job of jobs) {
        try {
          outcomes.set(job.id, outcomeOf(await service.fanOut(job.body)));
        } catch (error) {
          outcomes.set(job.id, { kind: 'retry', reason: describeCause(error) });
        }
      }
      return outcomes;
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
        return { outcome: 'done', queued: queued.length, skipped: skipped.length } as const;
      });
    },
  };
  return service;
}

export type FanoutService = ReturnType<typeof createFanoutService>;
