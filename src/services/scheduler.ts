/**
 * The hopper: a tick (every minute on AWS, a group of campaigns at a time: tickFanOut.ts) looks at each running
 * campaign and releases the contacts due now, at the campaign's pace, as dial tasks spread over the minute. The
 * group's campaigns are claimed for the tick first (`ClaimCampaigns`): one held by another tick, or ticked for this
 * one already (a group delivered twice), is left alone. Per campaign, in a `ScheduleCampaign` span:
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
import { randomUUID } from 'node:crypto';
import type { MessageQueue } from '../adapters/messageQueue.ts';
import { type PlanTimes, planTick } from '../domain/schedulePlan.ts';
import type { CampaignTick as TickGroup } from '../generated/campaignTick.ts';
import type { DialTask } from '../generated/dialTask.ts';
import { describeCause } from '../lib/errors.ts';
import {
  hasTimeFor,
  OUT_OF_TIME,
  type QueueService,
  retryAfter,
  type TaskOutcome,
} from '../lib/queueTasks.ts';
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
  /** How long a campaign claimed for a tick stays claimed if the tick stops before releasing it. */
  tickLeaseSeconds: number;
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
  tickLeaseSeconds,
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
      const run = async (): Promise<CampaignTick> => {
        if (campaign.status === 'cancelled') return closeCampaign(campaign, 'cancelled', at);
        if (campaign.endAt !== null && campaign.endAt <= at) return closeCampaign(campaign, 'expired', at);
        if (campaign.startAt !== null && campaign.startAt > at)
          return {
            campaignId: campaign.id,
            outcome: 'not_started',
            released: 0,
            outsideHours: 0,
            inFlight: 0,
          };
        return release(campaign, at);
      };
      let result: CampaignTick | undefined;
      try {
        result = await run();
        span.addMetadata('tick', result);
        return result;
      } finally {
        // The claim released whatever happened; a running campaign's tick recorded when it ran through.
        const recorded =
          campaign.status === 'running' && result ? { at, released: result.released } : undefined;
        await schedule.finishTick(campaign.id, recorded);
      }
    });
  }

  const scheduler = {
    /**
     * Ticks a group of the minute's tick (`tickId`, its `campaignIds`), or every active campaign without one (a tick
     * of its own); a campaign that fails does not stop the others. Answers each claimed campaign's tick.
     */
    async tick(group?: Pick<TickGroup, 'tickId' | 'tickAt' | 'campaignIds'>): Promise<CampaignTick[]> {
      const at = now();
      const campaigns = await traced('ClaimCampaigns', async (span) => {
        const ids = group?.campaignIds ?? (await schedule.activeCampaignIds());
        const claimed = await schedule.claimForTick(ids, {
          tickId: group?.tickId ?? randomUUID(),
          tickAt: group ? new Date(group.tickAt) : at,
          at,
          leaseSeconds: tickLeaseSeconds,
        });
        span.addMetadata('campaigns', { asked: ids.length, claimed: claimed.length });
        return claimed;
      });
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

  return {
    ...scheduler,
    /**
     * The campaign ticker's messages, each a group of the minute's tick: ticked, its counts in the outcome (a campaign
     * that failed is counted, its error on its `ScheduleCampaign` span: the next minute ticks it again). A group whose
     * campaigns could not be claimed comes back.
     */
    tickGroups: (async (tasks, invocation?) => {
      const outcomes = new Map<string, TaskOutcome>();
      for (const task of tasks) {
        if (!hasTimeFor(invocation)) {
          outcomes.set(task.id, OUT_OF_TIME);
          continue;
        }
        try {
          const ticks = await scheduler.tick(task.body);
          const summary = tickSummary(ticks);
          const failed = ticks.filter((t) => t.outcome === 'failed').length;
          outcomes.set(task.id, {
            kind: 'done',
            result: failed > 0 ? 'ticked_with_failures' : 'ticked',
            counts: {
              campaigns: summary.campaigns,
              released: summary.released,
              outsideHours: summary.outsideHours,
              completed: summary.completed.length,
              failed,
            },
          });
        } catch (error) {
          outcomes.set(task.id, retryAfter('ClaimCampaigns', error));
        }
      }
      return outcomes;
    }) satisfies QueueService<TickGroup>,
  };
}

export type Scheduler = ReturnType<typeof createScheduler>;
