/**
 * A campaign's run as its owner controls and reads it. Each control is one conditional state change, so of two
 * concurrent requests one wins and the other is answered with the state it left:
 * - start: draft -> running (not while its contacts are being imported). The scheduler releases its contacts from
 *   the next tick on (src/services/scheduler.ts): a start sends nothing itself.
 * - pause: running -> paused. Nothing more is released; tasks already queued go back to the schedule when the dialer
 *   meets them; calls ringing finish and their results are recorded.
 * - resume: paused -> running.
 * - cancel: draft, running or paused -> cancelled, for good; the scheduler marks its open contacts `cancelled`.
 * Asking for the state a campaign is already in changes nothing and answers with it (a retried request); any other
 * state answers 409 naming it. Another user's campaign answers 404, as one that does not exist.
 */
import { ConflictError, describeCause, NotFoundError } from '../lib/errors.ts';
import { traced } from '../lib/tracing.ts';
import type {
  Campaign,
  CampaignRepository,
  CampaignStatus,
  RunCounts,
  ScheduleStatus,
} from '../repositories/campaignRepository.ts';
import { ANALYSE_AFTER_ROWS } from '../repositories/contactRepository.ts';

export interface CampaignServiceDeps {
  campaigns: CampaignRepository;
}

export interface ControlResult {
  campaignId: string;
  status: CampaignStatus;
  contacts: number;
  dryRun?: true;
}

export interface CampaignProgress extends RunCounts, ScheduleStatus {
  campaignId: string;
  status: CampaignStatus;
  contacts: number;
  /** Attempts by status (queued, dialing, initiated, skipped_blacklisted, failed). */
  counts: Record<string, number>;
}

/** A campaign as its owner names it: the pair every campaign operation takes, always as one object. */
export interface OwnedCampaign {
  campaignId: string;
  userId: string;
}

/** The caller's campaign, or 404: another user's campaign is answered as if it did not exist. */
function loadOwned(campaigns: CampaignRepository, { campaignId, userId }: OwnedCampaign): Promise<Campaign> {
  return traced('LoadCampaign', async () => {
    const campaign = await campaigns.find(campaignId);
    if (campaign === undefined || campaign.userId !== userId) throw new NotFoundError('Campaign not found');
    return campaign;
  });
}

/**
 * Progress of the caller's campaign: its status, contacts, attempts by status, calls by outcome, contacts done by
 * why, contacts due again later, calls in flight, the next release and an estimated finish.
 */
export async function campaignProgress(
  campaigns: CampaignRepository,
  { campaignId, userId }: OwnedCampaign,
  now: Date = new Date(),
): Promise<CampaignProgress> {
  const campaign = await loadOwned(campaigns, { campaignId, userId });
  const [counts, run, schedule] = await Promise.all([
    campaigns.attemptCounts(campaignId),
    campaigns.runCounts(campaignId),
    campaigns.schedule(campaignId, now),
  ]);
  const contacts = campaign.contacts ?? (await campaigns.countContacts(campaignId));
  return { campaignId, status: campaign.status, contacts, counts, ...run, ...schedule };
}

/** A control: the states it moves from, the state it moves to, and the conflict message for the others. */
interface Control {
  name: 'start' | 'pause' | 'resume' | 'cancel';
  from: readonly CampaignStatus[];
  to: CampaignStatus;
}

const CONTROLS: Record<Control['name'], Control> = {
  start: { name: 'start', from: ['draft'], to: 'running' },
  pause: { name: 'pause', from: ['running'], to: 'paused' },
  resume: { name: 'resume', from: ['paused'], to: 'running' },
  cancel: { name: 'cancel', from: ['draft', 'running', 'paused'], to: 'cancelled' },
};

const VERB = { start: 'started', pause: 'paused', resume: 'resumed', cancel: 'cancelled' } as const;

export function createCampaignService({ campaigns }: CampaignServiceDeps) {
  /** Why a draft cannot start while an import runs, naming the import (when known) and how to stop it. */
  function importing(campaignId: string, importId: string | undefined): ConflictError {
    return new ConflictError(
      importId === undefined
        ? 'Its contacts are being imported: start the campaign once the import is done'
        : `Its contacts are being imported (import ${importId}): start the campaign once the import is done, or cancel the import (DELETE /campaigns/${campaignId}/imports/${importId})`,
    );
  }

  /** Applies `control`; `onMoved` runs once this request moved the campaign (not for a retried one). */
  async function control(
    control: Control,
    owned: OwnedCampaign,
    onMoved?: (moved: Campaign) => Promise<void>,
  ): Promise<ControlResult> {
    const campaign = await loadOwned(campaigns, owned);
    const { after, movedHere } = await traced('ChangeStatus', async (span) => {
      const moved = control.from.includes(campaign.status)
        ? await campaigns.transition(owned, control.from, control.to)
        : undefined;
      span.addMetadata('transition', moved ? `${campaign.status}->${control.to}` : 'none');
      if (moved) return { after: moved, movedHere: true };
      // Not moved: already there (a retried request, or another request won the race), or in a state that forbids it.
      const now = (await campaigns.find(owned.campaignId)) ?? campaign;
      if (now.status === control.to) return { after: now, movedHere: false };
      if (control.name === 'start' && now.status === 'draft') {
        throw importing(owned.campaignId, await campaigns.importInProgress(owned.campaignId));
      }
      throw new ConflictError(`Campaign is ${now.status} and cannot be ${VERB[control.name]}`);
    });
    if (movedHere && onMoved) await onMoved(after);
    return {
      campaignId: owned.campaignId,
      status: after.status,
      contacts: after.contacts ?? (await campaigns.countContacts(owned.campaignId)),
    };
  }

  return {
    async start(owned: OwnedCampaign, options: { dryRun?: boolean } = {}): Promise<ControlResult> {
      if (options.dryRun) {
        // The answer a start would give, changing nothing: refused as it would be.
        const campaign = await loadOwned(campaigns, owned);
        const { from, to } = CONTROLS.start;
        if (campaign.status !== to && !from.includes(campaign.status)) {
          throw new ConflictError(`Campaign is ${campaign.status} and cannot be ${VERB.start}`);
        }
        const running =
          campaign.status === 'draft' ? await campaigns.importInProgress(owned.campaignId) : undefined;
        if (running !== undefined) throw importing(owned.campaignId, running);
        const contacts = await campaigns.countContacts(owned.campaignId);
        return { campaignId: owned.campaignId, status: campaign.status, contacts, dryRun: true };
      }
      return control(CONTROLS.start, owned, async (started) => {
        if ((started.contacts ?? 0) < ANALYSE_AFTER_ROWS) return;
        // Contacts added through the API in many requests and started at once: the scheduler's first ticks would
        // be planned on statistics that have never seen them. Best effort (0.5-0.8 s on a table of two million
        // contacts, once per large campaign; autovacuum comes later): the campaign is started either way.
        await traced('RefreshStatistics', (span) =>
          campaigns
            .analyseContacts()
            .catch((error: unknown) => span.addMetadata('analyse', describeCause(error))),
        );
      });
    },
    pause: (owned: OwnedCampaign) => control(CONTROLS.pause, owned),
    resume: (owned: OwnedCampaign) => control(CONTROLS.resume, owned),
    cancel: (owned: OwnedCampaign) => control(CONTROLS.cancel, owned),
  };
}

export type CampaignService = ReturnType<typeof createCampaignService>;
