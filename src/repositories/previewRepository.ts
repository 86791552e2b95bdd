/**
 * What a campaign's preview reads in Postgres: its open contacts grouped by what their calling hours depend on (the
 * start of their number, the zone, state and postal code given with them), and, for the contacts due soonest, their numbers and
 * whether each is at its per-recipient limit now.
 */

import type { CallingWindow } from '../domain/callingHours.ts';
import type { ResolvedSettings } from '../domain/campaignSettings.ts';
import type { Database } from '../lib/database.ts';

export interface PreviewCampaign {
  userId: string;
  status: string;
  callingWindow: CallingWindow;
  blockedDates: string[];
  purpose: ResolvedSettings['purpose'];
  pacing: ResolvedSettings['pacing'];
}

/** Open contacts that share the facts their calling hours come from, with one of their numbers. */
export interface HoursGroup {
  timeZone?: string;
  usState?: string;
  postalCode?: string;
  sampleNumber: string;
  contacts: number;
}

export interface PreviewRepository {
  campaign(campaignId: string): Promise<PreviewCampaign | undefined>;
  groups(campaignId: string): Promise<HoursGroup[]>;
  /** The numbers of the `limit` open contacts due soonest, each with its calls in the last `seconds` (the owner's). */
  soonest(
    campaignId: string,
    userId: string,
    limit: number,
    at: Date,
    seconds: number,
  ): Promise<Array<{ phoneNumber: string; recentCalls: number }>>;
}

// '+1202' holds all a NANP number's zones and rules come from (its area code); elsewhere Google's prefix data goes
// to nine digits.
const GROUPS_SQL = `
SELECT c.given_time_zone, c.us_state, c.postal_code, min(c.phone_number) AS sample, count(*)::int AS contacts
FROM contacts c
WHERE c.campaign_id = $1 AND c.final_outcome IS NULL
GROUP BY CASE WHEN c.phone_number LIKE '+1%' THEN left(c.phone_number, 5) ELSE left(c.phone_number, 10) END,
  c.given_time_zone, c.us_state, c.postal_code`;

const SOONEST_SQL = `
SELECT c.phone_number,
  (SELECT count(*)::int FROM contacts y
     JOIN call_attempts x ON x.campaign_id = y.campaign_id AND x.contact_id = y.id
     JOIN campaigns z ON z.id = y.campaign_id
   WHERE y.phone_number = c.phone_number AND z.user_id = $2 AND x.status IN ('initiated', 'dialing')
     AND coalesce(x.initiated_at, x.claimed_at) > $4::timestamptz - make_interval(secs => $5)) AS recent_calls
FROM contacts c
WHERE c.campaign_id = $1 AND c.final_outcome IS NULL
ORDER BY c.next_call_at
LIMIT $3`;

export function createPreviewRepository(db: Database): PreviewRepository {
  return {
    async campaign(campaignId) {
      const { rows } = await db.query<{
        user_id: string;
        status: string;
        calling_window: CallingWindow;
        blocked_dates: string[];
        purpose: ResolvedSettings['purpose'];
        pacing: ResolvedSettings['pacing'];
      }>(
        'SELECT user_id, status, calling_window, blocked_dates, purpose, pacing FROM campaigns WHERE id = $1',
        [campaignId],
      );
      const row = rows[0];
      return (
        row && {
          userId: row.user_id,
          status: row.status,
          callingWindow: row.calling_window,
          blockedDates: row.blocked_dates,
          purpose: row.purpose,
          pacing: row.pacing,
        }
      );
    },

    async groups(campaignId) {
      const { rows } = await db.query<{
        given_time_zone: string | null;
        us_state: string | null;
        postal_code: string | null;
        sample: string;
        contacts: number;
      }>(GROUPS_SQL, [campaignId]);
      return rows.map((row) => ({
        ...(row.given_time_zone ? { timeZone: row.given_time_zone } : {}),
        ...(row.us_state ? { usState: row.us_state } : {}),
        ...(row.postal_code ? { postalCode: row.postal_code } : {}),
        sampleNumber: row.sample,
        contacts: row.contacts,
      }));
    },

    async soonest(campaignId, userId, limit, at, seconds) {
      const { rows } = await db.query<{ phone_number: string; recent_calls: number }>(SOONEST_SQL, [
        campaignId,
        userId,
        limit,
        at,
        seconds,
      ]);
      return rows.map((row) => ({ phoneNumber: row.phone_number, recentCalls: row.recent_calls }));
    },
  };
}
