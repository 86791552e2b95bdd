/**
 * An in-memory ScheduleRepository: campaigns and their contacts as the scheduler's statements see them (due at a
 * time, their latest attempt, a final outcome), so a tick's decisions can be checked without a database.
 */
import type { ActiveCampaign, ContactChange, DueContact } from '../../src/domain/schedule.ts';
import type { ScheduleRepository } from '../../src/repositories/scheduleRepository.ts';

export interface FakeContact extends DueContact {
  nextCallAt: Date;
  final?: string;
}

export interface FakeSchedule extends ScheduleRepository {
  readonly campaigns: ActiveCampaign[];
  readonly contacts: Map<string, FakeContact[]>;
  /** Campaigns completed or closed, and the ticks recorded. */
  readonly ended: Map<string, 'completed' | 'closed'>;
  readonly ticks: Array<{ campaignId: string; released: number }>;
  /** Calls in flight per campaign, as counted from call_attempts. */
  readonly inFlightCalls: Map<string, number>;
  /** Each campaign's tick claim: the tick it was claimed for, and until when while a tick holds it. */
  readonly claims: Map<string, { tickId: string; until: Date | null }>;
  /** When each running campaign was last ticked. */
  readonly tickedAt: Map<string, Date>;
}

export function fakeScheduleRepository(): FakeSchedule {
  const fake: FakeSchedule = {
    campaigns: [],
    contacts: new Map(),
    ended: new Map(),
    ticks: [],
    inFlightCalls: new Map(),
    claims: new Map(),
    tickedAt: new Map(),
    async activeCampaignIds() {
      return active()
        .map((campaign) => campaign.id)
        .sort();
    },
    async claimForTick(ids, { tickId, tickAt, at, leaseSeconds }) {
      return active()
        .filter((campaign) => ids.includes(campaign.id))
        .filter((campaign) => {
          const claim = fake.claims.get(campaign.id);
          const free = claim === undefined || claim.until === null || claim.until <= at;
          const tickedLater = (fake.tickedAt.get(campaign.id) ?? tickAt) > tickAt;
          if (!free || claim?.tickId === tickId || tickedLater) return false;
          fake.claims.set(campaign.id, { tickId, until: new Date(at.getTime() + leaseSeconds * 1000) });
          return true;
        })
        .sort((a, b) => (a.id < b.id ? -1 : 1));
    },
    async finishTick(campaignId, recorded) {
      const claim = fake.claims.get(campaignId);
      if (claim) claim.until = null;
      if (recorded) {
        fake.ticks.push({ campaignId, released: recorded.released });
        fake.tickedAt.set(campaignId, recorded.at);
      }
    },
    async inFlight(campaignId) {
      return fake.inFlightCalls.get(campaignId) ?? 0;
    },
    async due(campaignId, at, limit) {
      return open(campaignId)
        .filter((contact) => contact.nextCallAt <= at)
        .sort((a, b) => a.nextCallAt.getTime() - b.nextCallAt.getTime())
        .slice(0, limit)
        .map(({ nextCallAt, final: _final, ...due }) => ({ ...due, dueAt: nextCallAt }));
    },
    async apply(campaignId, changes) {
      for (const change of changes) applyChange(campaignId, change);
    },
    async close(campaignId, outcome, limit) {
      const closing = open(campaignId).slice(0, limit);
      for (const contact of closing) contact.final = outcome;
      return closing.length;
    },
    async anyOpen(campaignId) {
      return open(campaignId).length > 0;
    },
    async complete(campaignId) {
      fake.ended.set(campaignId, 'completed');
      return true;
    },
    async markClosed(campaignId) {
      fake.ended.set(campaignId, 'closed');
    },
  };
  const active = () => fake.campaigns.filter((campaign) => !fake.ended.has(campaign.id));
  const open = (campaignId: string) =>
    (fake.contacts.get(campaignId) ?? []).filter((contact) => contact.final === undefined);
  function applyChange(campaignId: string, change: ContactChange) {
    const contact = open(campaignId).find((each) => each.id === change.contactId);
    if (contact === undefined) return;
    if (change.kind === 'final') contact.final = change.outcome;
    else contact.nextCallAt = change.at;
    if (change.kind === 'release')
      contact.latest = { attempt: change.attempt, status: 'queued', outcome: null, initiatedAt: null };
  }
  return fake;
}
