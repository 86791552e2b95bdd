/**
 * What a campaign's metrics read in Postgres: its owner and contacts, its activity buckets in a window, and the
 * totals of everything before it. One statement, reading the campaign's buckets by their key (96 a day), never its
 * attempts.
 */

import type { ActivityCounts, StoredBucket } from '../domain/campaignMetrics.ts';
import type { Database } from '../lib/database.ts';

export interface CampaignActivity {
  userId: string;
  /** Counted when the campaign started; counted now for a draft. */
  contacts: number;
  /** The buckets in [from, to). */
  buckets: StoredBucket[];
  /** The totals of the buckets before `from`. */
  before: ActivityCounts;
}

export interface MetricsRepository {
  /** Undefined when no such campaign exists. */
  activity(campaignId: string, from: Date, to: Date): Promise<CampaignActivity | undefined>;
}

const COUNTS = `dialled AS "dials", first_dialled AS "firstDials", dnc_skipped AS "dncSkips", answered, machine, busy,
  no_answer AS "noAnswer", failed, invalid_number AS "invalidNumber", opted_out AS "optOuts"`;
const SUMS = `coalesce(sum(dialled), 0)::int AS "dials", coalesce(sum(first_dialled), 0)::int AS "firstDials",
  coalesce(sum(dnc_skipped), 0)::int AS "dncSkips", coalesce(sum(answered), 0)::int AS answered,
  coalesce(sum(machine), 0)::int AS machine, coalesce(sum(busy), 0)::int AS busy,
  coalesce(sum(no_answer), 0)::int AS "noAnswer", coalesce(sum(failed), 0)::int AS failed,
  coalesce(sum(invalid_number), 0)::int AS "invalidNumber", coalesce(sum(opted_out), 0)::int AS "optOuts"`;

const ACTIVITY_SQL = `
SELECT k.user_id,
  coalesce(k.contact_count, (SELECT count(*) FROM contacts c WHERE c.campaign_id = k.id))::int AS contacts,
  (SELECT coalesce(json_agg(b ORDER BY b.start), '[]') FROM (
     SELECT bucket_start AS start, ${COUNTS} FROM campaign_activity
     WHERE campaign_id = k.id AND bucket_start >= $2 AND bucket_start < $3) b) AS buckets,
  (SELECT row_to_json(s) FROM (
     SELECT ${SUMS} FROM campaign_activity WHERE campaign_id = k.id AND bucket_start < $2) s) AS before
FROM campaigns k
WHERE k.id = $1`;

export function createMetricsRepository(db: Database): MetricsRepository {
  return {
    async activity(campaignId, from, to) {
      const { rows } = await db.query<{
        user_id: string;
        contacts: number;
        buckets: Array<ActivityCounts & { start: string }>;
        before: ActivityCounts;
      }>(ACTIVITY_SQL, [campaignId, from, to]);
      const row = rows[0];
      if (row === undefined) return undefined;
      return {
        userId: row.user_id,
        contacts: row.contacts,
        buckets: row.buckets.map((b) => ({ ...b, start: new Date(b.start) })),
        before: row.before,
      };
    },
  };
}
