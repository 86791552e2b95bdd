/**
 * The minute's tick, fanned out: the active campaigns read (one statement), cut into groups, and each group sent as a
 * message to the campaign-ticks queue, where campaign ticker invocations tick the groups in parallel (scheduler.ts).
 * So the minute's work grows with the number of groups' invocations, not with one invocation's time, and one slow or
 * failing campaign delays only its group. Every group of one tick carries the same tick id: a group delivered twice
 * ticks its campaigns once. A group not sent is not retried here: the next minute's tick covers its campaigns.
 */
import { randomUUID } from 'node:crypto';
import type { MessageQueue } from '../adapters/messageQueue.ts';
import type { CampaignTick as TickGroup } from '../generated/campaignTick.ts';
import { traced } from '../lib/tracing.ts';
import type { ScheduleRepository } from '../repositories/scheduleRepository.ts';

export interface TickFanOutDeps {
  schedule: Pick<ScheduleRepository, 'activeCampaignIds'>;
  campaignTicks: MessageQueue;
  /** Campaigns per group: one campaign ticker invocation each. */
  groupSize: number;
  now: () => Date;
}

type Group = TickGroup['campaignIds'];

/** `ids` in groups of at most `size`, in order; none empty. */
export function groupsOf(ids: readonly string[], size: number): Group[] {
  const groups: Group[] = [];
  for (let i = 0; i < ids.length; i += size) {
    const [first, ...rest] = ids.slice(i, i + size);
    if (first !== undefined) groups.push([first, ...rest]);
  }
  return groups;
}

export function createTickFanOut({ schedule, campaignTicks, groupSize, now }: TickFanOutDeps) {
  return {
    /** Sends the minute's groups; answers how many campaigns and groups, and the campaigns whose group was not sent. */
    async fanOut(): Promise<{ tickId: string; campaigns: number; groups: number; unsent: string[] }> {
      const tickAt = now();
      const tickId = randomUUID();
      const ids = await traced('LoadCampaigns', async (span) => {
        const found = await schedule.activeCampaignIds();
        span.addMetadata('campaigns', found.length);
        return found;
      });
      const groups = groupsOf(ids, groupSize);
      const unsent = await traced('SendTickGroups', async (span) => {
        const result = await campaignTicks.send(
          groups.map((campaignIds, i) => {
            const body: TickGroup = { tickId, tickAt: tickAt.toISOString(), campaignIds };
            return { id: String(i), body };
          }),
        );
        const notSent = groups.flatMap((group, i) => (result.sent.has(String(i)) ? [] : group));
        span.addMetadata('groups', {
          groups: groups.length,
          sent: result.sent.size,
          campaignsUnsent: notSent.length,
        });
        return notSent;
      });
      return { tickId, campaigns: ids.length, groups: groups.length, unsent };
    },
  };
}
