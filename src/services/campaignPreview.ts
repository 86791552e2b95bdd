/**
 * A campaign's preview, before or during its run, placing no call: how many of its open contacts can be called in
 * each of the next 24 hours (inside their calling hours, and how many of those the campaign's pace allows), and how
 * many cannot, by reason: no zone could be determined for them, a holiday of a state they may be in (or a blocked
 * date of the campaign) keeps them from calls, outside their hours for the whole day, on the do-not-call list, or at
 * their per-recipient limit now. Hours are worked out per group of contacts that share them (the facts they come
 * from, then the zones and rules those give), so the cost grows with the groups, not the contacts. The list and the limit are checked for the contacts due soonest (at most
 * `checkLimit`): the preview says how many it checked.
 */

import {
  CALLING_HOURS,
  type ClosedReason,
  type ContactHours,
  callableAt,
  contactHours,
  hoursKey,
} from '../domain/callingHours.ts';
import { openings } from '../domain/zoneOpenings.ts';
import { NotFoundError } from '../lib/errors.ts';
import { traced } from '../lib/tracing.ts';
import type { PreviewRepository } from '../repositories/previewRepository.ts';
import type { BlacklistService } from './blacklistService.ts';
import type { OwnedCampaign } from './campaignService.ts';
import { soonestAtLimit } from './recipientLimits.ts';

export interface PreviewDeps {
  preview: PreviewRepository;
  blacklist: Pick<BlacklistService, 'findBlacklisted'>;
  now: () => Date;
  /** The call deadline, which widens the limits' windows as the claim widens them (the dialer's setting). */
  callDeadlineSeconds: number;
  checkLimit?: number;
}

export interface CampaignPreview {
  campaignId: string;
  status: string;
  at: string;
  rulesVersion: string;
  contactsOpen: number;
  /** One entry per hour from now: contacts inside their hours at its start, and how many the pace can call in it. */
  hours: Array<{ from: string; callable: number; atPace: number }>;
  cannot: {
    /** Contacts no zone could be determined for: never called (their number's area code is unknown, nothing given). */
    noZone: number;
    /** Contacts kept from calls all day by a holiday of a state they may be in, where the law bars calls then. */
    holiday: number;
    /** Contacts kept from calls all day by a date the campaign blocked. */
    blockedDate: number;
    /** Other contacts whose hours do not open at any of the 24 hours. */
    outsideHours: number;
    /** Of the contacts checked, those on the do-not-call list. */
    listed: number;
    /** Of the contacts checked, those whose number had its calls for now. */
    limit: number;
  };
  /** How many contacts (due soonest) were checked against the list and the limit. */
  checked: number;
  /**
   * The open contacts' calling hours now, per set of hours they share (the zones they may be in, the places whose
   * rules apply): open until when, or closed until when. The 20 largest sets.
   */
  hoursNow: Array<{
    zones: string[];
    regions: string[];
    contacts: number;
    open: boolean;
    closesAt?: string;
    opensAt?: string;
  }>;
}

const HOUR = 3_600_000;

export function createCampaignPreview({
  preview,
  blacklist,
  now,
  callDeadlineSeconds,
  checkLimit = 10_000,
}: PreviewDeps) {
  return {
    async preview({ campaignId, userId }: OwnedCampaign): Promise<CampaignPreview> {
      const at = now();
      const campaign = await traced('LoadCampaign', () => preview.campaign(campaignId));
      if (campaign === undefined || campaign.userId !== userId) throw new NotFoundError('Campaign not found');

      const groups = await traced('LoadContactGroups', () => preview.groups(campaignId));
      const starts = Array.from({ length: 24 }, (_, h) => new Date(at.getTime() + h * HOUR));
      const callable = starts.map(() => 0);
      const closed = { noZone: 0, holiday: 0, blockedDate: 0, outsideHours: 0 };
      // Groups of facts that give the same zones and rules share every verdict: each set of hours is asked once.
      const verdicts = new Map<string, { open: boolean[]; why: ClosedReason }>();
      const sets = new Map<string, { hours: ContactHours; contacts: number }>();
      for (const group of groups) {
        const hours = contactHours(
          {
            phoneNumber: group.sampleNumber,
            timeZone: group.timeZone ?? null,
            usState: group.usState ?? null,
            postalCode: group.postalCode ?? null,
          },
          campaign,
        );
        const key = hoursKey(hours);
        const sharing = sets.get(key);
        if (sharing) sharing.contacts += group.contacts;
        else sets.set(key, { hours, contacts: group.contacts });
        let verdict = verdicts.get(key);
        if (verdict === undefined) {
          const each = starts.map((start) => callableAt(start, hours));
          const reasons = new Set(each.flatMap((v) => (v.callable ? [] : [v.reason])));
          const why: ClosedReason = reasons.has('no_zone')
            ? 'no_zone'
            : reasons.has('holiday')
              ? 'holiday'
              : reasons.has('blocked_date')
                ? 'blocked_date'
                : 'outside_hours';
          verdict = { open: each.map((v) => v.callable), why };
          verdicts.set(key, verdict);
        }
        verdict.open.forEach((open, h) => {
          if (open) callable[h] = (callable[h] ?? 0) + group.contacts;
        });
        if (!verdict.open.some(Boolean)) {
          if (verdict.why === 'no_zone') closed.noZone += group.contacts;
          else if (verdict.why === 'holiday') closed.holiday += group.contacts;
          else if (verdict.why === 'blocked_date') closed.blockedDate += group.contacts;
          else closed.outsideHours += group.contacts;
        }
      }

      const checked = await traced('CheckSoonest', async (span) => {
        // The soonest contacts, with their calls counted in each window of the purpose's limits.
        const { soonest, atLimit } = await soonestAtLimit(
          preview,
          { campaignId, userId, purpose: campaign.purpose },
          checkLimit,
          at,
          callDeadlineSeconds,
        );
        const listed = await blacklist.findBlacklisted(soonest);
        const result = {
          count: soonest.length,
          listed: soonest.filter((n) => listed.has(n)).length,
          limit: soonest.filter((n) => !listed.has(n) && atLimit.has(n)).length,
        };
        span.addMetadata('checked', result);
        return result;
      });
      const perHour = campaign.pacing.callsPerMinute * 60;
      return {
        campaignId,
        status: campaign.status,
        at: at.toISOString(),
        rulesVersion: CALLING_HOURS.version,
        contactsOpen: groups.reduce((sum, group) => sum + group.contacts, 0),
        hours: starts.map((start, h) => ({
          from: start.toISOString(),
          callable: callable[h] ?? 0,
          atPace: Math.min(callable[h] ?? 0, perHour),
        })),
        cannot: { ...closed, listed: checked.listed, limit: checked.limit },
        checked: checked.count,
        hoursNow: [...sets.values()]
          .sort((a, b) => b.contacts - a.contacts)
          .slice(0, 20)
          .map(({ hours, contacts }) => {
            const { open, closesAt, opensAt } = openings(at, hours);
            return {
              zones: [...hours.zones],
              regions: [...hours.regions],
              contacts,
              open,
              ...(closesAt ? { closesAt: closesAt.toISOString() } : {}),
              ...(opensAt ? { opensAt: opensAt.toISOString() } : {}),
            };
          }),
      };
    },
  };
}
