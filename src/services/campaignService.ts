/**
 * Starting a campaign and reading its progress, for its owner only.
 * Start:
 * 1. LoadCampaign: the caller's campaign, or 404 (another user's campaign is not revealed).
 * 2. StartCampaign: draft -> running in one conditional statement, with its contacts cut into fan-out pages;
 *    already running: nothing changes (a retried request answers with the current state); any other state: 409.
 * 3. EnqueueFanout: one job per page on the fan-out queue, unless a start already enqueued them. Answers at once:
 *    the contacts are read by the fan-out workers, page by page.
 */

import type { MessageQueue } from '../adapters/messageQueue.ts';
import type { FanoutJob } from '../generated/fanoutJob.ts';
import { ConflictError, DependencyError, NotFoundError } from '../lib/errors.ts';
import { traced } from '../lib/tracing.ts';
import type { Campaign, CampaignRepository, RunCounts } from '../repositories/campaignRepository.ts';

export interface CampaignServiceDeps {
  campaigns: CampaignRepository;
  fanoutQueue: MessageQueue;
  /** Contacts per fan-out job. */
  pageSize: number;
}

export interface StartResult {
  campaignId: string;
  status: Campaign['status'];
  contacts: number;
  fanoutJobs: number;
  dryRun?: true;
}

export interface CampaignProgress extends RunCounts {
  campaignId: string;
  status: Campaign['status'];
  contacts: number;
  /** Attempts by status (queued, dialing, initiated, skipped_blacklisted, failed). */
  counts: Record<string, number>;
}

/** The caller's campaign, or 404: another user's campaign is answered as if it did not exist. */
/** A campaign as its owner names it: the pair every campaign operation takes, always as one object. */
export interface OwnedCampaign {
  campaignId: string;
  userId: string;
}

function loadOwned(campaigns: CampaignRepository, { campaignId, userId }: OwnedCampaign): Promise<Campaign> {
  return traced('LoadCampaign', async () => {
    const campaign = await campaigns.find(campaignId);
    if (campaign === undefined || campaign.userId !== userId) throw new NotFoundError('Campaign not found');
    return campaign;
  });
}

/**
 * Progress of the caller's campaign: its status, contacts, attempts by status, calls by outcome, contacts done by
 * why, contacts due again later, and calls in flight.
 */
export async function campaignProgress(
  campaigns: CampaignRepository,
  { campaignId, userId }: OwnedCampaign,
): Promise<CampaignProgress> {
  const campaign = await loadOwned(campaigns, { campaignId, userId });
  const [counts, run] = await Promise.all([
    campaigns.attemptCounts(campaignId),
    campaigns.runCounts(campaignId),
  ]);
  const contacts = campaign.contacts ?? (await campaigns.countContacts(campaignId));
  return { campaignId, status: campaign.status, contacts, counts, ...run };
}

export function createCampaignService({ campaigns, fanoutQueue, pageSize }: CampaignServiceDeps) {
  async function enqueueFanout(campaign: Campaign): Promise<void> {
    await traced('EnqueueFanout', async (span) => {
      const pages = await campaigns.pendingPages(campaign.id);
      span.addMetadata('jobs', pages.length);
      const result = await fanoutQueue.send(
        pages.map((page) => {
          const job: FanoutJob = { campaignId: campaign.id, page, userId: campaign.userId };
          return { id: String(page), body: job };
        }),
      );
      if (result.failed.size > 0) {
        // Pages already sent are fanned out once however often they arrive: the next start sends the rest.
        throw new DependencyError(
          'sqs',
          `${result.failed.size} of ${pages.length} fan-out jobs not sent; start again`,
        );
      }
      await campaigns.markFanoutEnqueued(campaign.id);
    });
  }

  return {
    async start(
      { campaignId, userId }: OwnedCampaign,
      options: { dryRun?: boolean } = {},
    ): Promise<StartResult> {
      const campaign = await loadOwned(campaigns, { campaignId, userId });
      if (options.dryRun) {
        const contacts = await campaigns.countContacts(campaignId);
        return {
          campaignId,
          status: campaign.status,
          contacts,
          fanoutJobs: Math.ceil(contacts / pageSize),
          dryRun: true,
        };
      }
      const current = await traced('StartCampaign', async (span) => {
        if (campaign.status !== 'draft' && campaign.status !== 'running') {
          throw new ConflictError(`Campaign is ${campaign.status} and cannot be started`);
        }
        const started =
          campaign.status === 'draft' ? await campaigns.start(campaignId, userId, pageSize) : undefined;
        span.addMetadata('transition', started ? 'draft->running' : 'none');
        if (started) return started;
        // Already running, or another start won the race: answer with the state it left.
        const now = await campaigns.find(campaignId);
        if (now?.status === 'draft') {
          throw new ConflictError(
            'Its contacts are being imported: start the campaign once the import is done',
          );
        }
        if (now?.status !== 'running')
          throw new ConflictError(`Campaign is ${now?.status} and cannot be started`);
        return now;
      });
      if (!current.fanoutEnqueued) await enqueueFanout(current);
      return {
        campaignId,
        status: current.status,
        contacts: current.contacts ?? 0,
        fanoutJobs: current.fanoutJobs ?? 0,
      };
    },
  };
}

export type CampaignService = ReturnType<typeof createCampaignService>;
