/**
 * The hopper: a tick (every minute on AWS) looks at each running campaign and releases the contacts due now, at the
 * campaign's pace, as dial tasks spread over the minute. Per campaign, in a `ScheduleCampaign` span:
 * 1. Ended (`endAt` passed): its open contacts become `expired` (in chunks), then the campaign `completed`.
 * 2. Budget: `callsPerMinute`, and `maxConcurrentCalls` less the calls in flight.
 * 3. LoadDueContacts: the longest-due open contacts, through the index, a bounded number.
 * 4. The plan (schedulePlan.ts): release, wait, or end each one; inside its calling hours only. A campaign using
 *    the answer model has its callable contacts ordered by it (bestTimeInference.ts, `ProcessMLInference`).
 * 5. ReleaseContacts: the changes in one statement, then the dial tasks (SendMessageBatch, each with its delay in
 *    the minute). A task not sent puts its contact back to due now: nothing is lost, the next tick sends it.
 * 6. No contact open: the campaign is `completed`.
 * A cancelled campaign's open contacts become `cancelled`, a chunk a tick. The dialer checks everything again when it
 * claims a task: the scheduler's checks decide what goes out, the dialer's what is called.
 */
import type { MessageQueue } from '../adapters/messageQueue.ts';
import { type PlanTimes, planTick } from '../domain/schedulePlan.ts';
import type { DialTask } from '../generated/dialTask.ts';
import { describeCause } from '../lib/errors.ts';
import { traced } from '../lib/tracing.ts';
import type {
  ActiveCampaign,
  ContactChange,
  ScheduleRepository,
} from '../repositories/scheduleRepository.ts';
import { type BestTimeDeps, startInference } from './bestTimeInference.ts';

export interface SchedulerDeps {
  schedule: ScheduleRepository;
  dialTasks: MessageQueue;
  now: () => Date;
  /** How long a released contact and a started call may take. */
  times: PlanTimes;
  /** Open contacts given their final outcome per tick, for a cancelled or ended campaign. */
  closeRows: number;
  /** The seconds a tick's dial tasks are spread over: the minute between ticks. */
  spreadSeconds: number;
  /** The answer model, for campaigns that use it (bestTimeToCall); without it every campaign keeps its order. */
  bestTime?: BestTimeDeps;
}

export interface CampaignTick {
  campaignId: string;
  outcome: 'released' | 'paced' | 'not_started' | 'completed' | 'closing' | 'closed' | 'failed';
  released: number;
  outsideHours: number;
  inFlight: number;
  reason?: string;
}

/** What a run of the scheduler reports: its campaigns, the contacts released, those outside their hours, those done. */
export function tickSummary(ticks: readonly CampaignTick[]) {
  return {
    campaigns: ticks.length,
    released: ticks.reduce((sum, t) => sum + t.released, 0),
    outsideHours: ticks.reduce((sum, t) => sum + t.outsideHours, 0),
    completed: ticks.filter((t) => t.outcome === 'completed').map((t) => t.campaignId),
  };
}

/** How many due contacts a tick reads for a budget: enough to pass over those outside their hours. */
export function scanLimit(budget: number): number {
  return Math.min(5_000, Math.max(200, budget * 4));
}

export function createScheduler({
  schedule,
  dialTasks,
  now,
  times,
  closeRows,
  spreadSeconds,
  bestTime,
}: SchedulerDeps) {
  async function closeCampaign(
    campaign: ActiveCampaign,
    outcome: 'cancelled' | 'expired',
    at: Date,
  ): Promise<CampaignTick> {
    const closed = await schedule.close(campaign.id, outcome, closeRows);
    const base = { campaignId: campaign.id, released: 0, outsideHours: 0, inFlight: 0 };
    if (closed === closeRows) return { ...base, outcome: 'closing' };
    if (outcome === 'cancelled') {
      await schedule.markClosed(campaign.id, at);
      return { ...base, outcome: 'closed' };
    }
    await schedule.complete(campaign.id, at);
    return { ...base, outcome: 'completed' };
  }

  async function release(campaign: ActiveCampaign, at: Date): Promise<CampaignTick> {
    const { callsPerMinute, maxConcurrentCalls } = campaign.pacing;
    const inFlight = await schedule.inFlight(
      campaign.id,
      new Date(at.getTime() - times.resultTimeoutMinutes * 60_000),
    );
    const budget = Math.max(0, Math.min(callsPerMinute, maxConcurrentCalls - inFlight));
    const base = { campaignId: campaign.id, inFlight };
    if (budget === 0) return { ...base, outcome: 'paced', released: 0, outsideHours: 0 };

    const due = await traced('LoadDueContacts', async (span) => {
      const found = await schedule.due(campaign.id, at, scanLimit(budget));
      span.addMetadata('due', found.length);
      return found;
    });
    if (due.length === 0) {
      if (!(await schedule.anyOpen(campaign.id))) {
        await schedule.complete(campaign.id, at);
        return { ...base, outcome: 'completed', released: 0, outsideHours: 0 };
      }
      return { ...base, outcome: 'released', released: 0, outsideHours: 0 };
    }
    const inference = await startInference(bestTime, campaign, at);
    let plan: ReturnType<typeof planTick>;
    try {
      plan = planTick(at, campaign, due, budget, times, undefined, inference.order);
    } finally {
      inference.close();
    }

    const sent = await traced('ReleaseContacts', async (span) => {
      span.addMetadata('plan', {
        released: plan.released.length,
        outsideHours: plan.outsideHours,
        deferredByPace: plan.deferredByPace,
        held: plan.held,
        other: plan.changes.length - plan.released.length - plan.outsideHours - plan.held,
      });
      await schedule.apply(campaign.id, plan.changes, at);
      const count = plan.released.length;
      const result = await dialTasks.send(
        plan.released.map((r, i) => {
          const task: DialTask = {
            campaignId: campaign.id,
            contactId: r.contactId,
            attempt: r.attempt,
            phoneNumber: r.phoneNumber,
            userId: campaign.userId,
          };
          // Spread over the minute: the pace holds within it, not only across ticks.
          return { id: r.contactId, body: task, delaySeconds: Math.floor((i * spreadSeconds) / count) };
        }),
      );
      const unsent: ContactChange[] = plan.released
        .filter((r) => !result.sent.has(r.contactId))
        .map((r) => ({ kind: 'later', contactId: r.contactId, at }));
      if (unsent.length > 0) {
        span.addMetadata('unsent', unsent.length);
        await schedule.apply(campaign.id, unsent, at);
      }
      return count - unsent.length;
    });
    return { ...base, outcome: 'released', released: sent, outsideHours: plan.outsideHours };
  }

  async function tickCampaign(campaign: ActiveCampaign, at: Date): Promise<CampaignTick> {
    return traced('ScheduleCampaign', async (span) => {
      span.annotate('campaignId', campaign.id);
      span.annotate('userId', campaign.userId);
      let result: CampaignTick;
      if (campaign.status === 'cancelled') result = await closeCampaign(campaign, 'cancelled', at);
      else if (campaign.endAt !== null && campaign.endAt <= at)
        result = await closeCampaign(campaign, 'expired', at);
      else if (campaign.startAt !== null && campaign.startAt > at)
        result = {
          campaignId: campaign.id,
          outcome: 'not_started',
          released: 0,
          outsideHours: 0,
          inFlight: 0,
        };
      else result = await release(campaign, at);
      if (campaign.status === 'running') await schedule.recordTick(campaign.id, at, result.released);
      span.addMetadata('tick', result);
      return result;
    });
  }

  return {
    /** One tick over every active campaign; a campaign that fails does not stop the others. */
    async tick(): Promise<CampaignTick[]> {
      const at = now();
      const campaigns = await traced('LoadCampaigns', () => schedule.activeCampaigns());
      const results: CampaignTick[] = [];
      for (const campaign of campaigns) {
        try {
          results.push(await tickCampaign(campaign, at));
        } catch (error) {
          results.push({
            campaignId: campaign.id,
            outcome: 'failed',
            released: 0,
            outsideHours: 0,
            inFlight: 0,
            reason: describeCause(error),
          });
        }
      }
      return results;
    },
  };
}

export type Scheduler = ReturnType<typeof createScheduler>;
