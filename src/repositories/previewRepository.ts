/**
 * What a campaign's preview reads in Postgres: its open contacts grouped by what their calling hours depend on (their
 * zones, and the start of their number: country and area code), and, for the contacts due soonest, their numbers and
 * whether each is at its per-recipient limit now.
 */
import type { Database } from '../lib/database.ts';
import type { Window } from '../services/callingHours.ts';
import type { Settings } from '../services/campaignSettings.ts';

export interface PreviewCampaign {
  userId: string;
  status: string;
  callingWindow: Window;
  pacing: Settings['pacing'];
}

/** Open contacts that share their calling hours: zones and number prefix, with one of their numbers. */
export interface HoursGroup {
  zones: string[];
  usState?: string;
  sampleNumber: string;
  contacts: number;
}

export interface PreviewRepository {
  campaign(campaignId: string): Promise<PreviewCampaign | undefined>;
  groups(campaignId: string): Promise<HoursGroup[]>;
  /** The numbers of the `limit` open contacts due soonest, each with its calls in the last `hours` (the owner's). */
  soonest(
    campaignId: string,
    userId: string,
    limit: number,
    at: Date,
    hours: number,
  ): Promise<Array<{ phoneNumber: string; recentCalls: number }>>;
}

// '+1202' holds a NANP number's country and area code; other prefixes their country (and often their region).
const GROUPS_SQL = `
SELECT coalesce(c.time_zones, ARRAY[k.default_time_zone]) AS time_zones, c.us_state, min(c.phone_number) AS sample,
  count(*)::int AS contacts
FROM contacts c JOIN campaigns k ON k.id = c.campaign_id
WHERE c.campaign_id = $1 AND c.final_outcome IS NULL
GROUP BY 1, c.us_state, left(c.phone_number, 5)`;

const SOONEST_SQL = `
SELECT c.phone_number,
  (SELECT count(*)::int FROM contacts y
     JOIN call_attempts x ON x.campaign_id = y.campaign_id AND x.contact_id = y.id
     JOIN campaigns z ON z.id = y.campaign_id
   WHERE y.phone_number = c.phone_number AND z.user_id = $2 AND x.status IN ('initiated', 'dialing')
     AND coalesce(x.initiated_at, x.claimed_at) > $4::timestamptz - make_interval(hours => $5)) AS recent_calls
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
        calling_window: Window;
        pacing: Settings['pacing'];
      }>('SELECT user_id, status, calling_window, pacing FROM campaigns WHERE id = $1', [campaignId]);
      const row = rows[0];
      return (
        row && {
          userId: row.user_id,
          status: row.status,
          callingWindow: row.calling_window,
          pacing: row.pacing,
        }
      );
    },

    async groups(campaignId) {
      const { rows } = await db.query<{
        time_zones: string[] | null;
        us_state: string | null;
        sample: string;
        contacts: number;
      }>(GROUPS_SQL, [campaignId]);
      return rows.map((row) => ({
        zones: row.time_zones ?? [],
        ...(row.us_state ? { usState: row.us_state } : {}),
        sampleNumber: row.sample,
        contacts: row.contacts,
      }));
    },

    async soonest(campaignId, userId, limit, at, hours) {
      const { rows } = await db.query<{ phone_number: string; recent_calls: number }>(SOONEST_SQL, [
        campaignId,
        userId,
        limit,
        at,
        hours,
      ]);
      return rows.map((row) => ({ phoneNumber: row.phone_number, recentCalls: row.recent_calls }));
    },
  };
}
