/**
 * Campaigns in Postgres: loading one, starting it (one atomic state change, and its contacts cut into fan-out pages
 * in the same transaction), and its progress.
 */
import type { Database } from '../lib/database.ts';

export type CampaignStatus = 'draft' | 'running' | 'paused' | 'completed' | 'cancelled';

export interface Campaign {
  id: string;
  userId: string;
  status: CampaignStatus;
  contacts: number | null;
  fanoutJobs: number | null;
  fanoutEnqueued: boolean;
}

interface CampaignRow {
  id: string;
  user_id: string;
  status: CampaignStatus;
  contact_count: number | null;
  fanout_jobs: number | null;
  fanout_enqueued_at: Date | null;
}

const toCampaign = (row: CampaignRow): Campaign => ({
  id: row.id,
  userId: row.user_id,
  status: row.status,
  contacts: row.contact_count,
  fanoutJobs: row.fanout_jobs,
  fanoutEnqueued: row.fanout_enqueued_at !== null,
});

const COLUMNS = 'id, user_id, status, contact_count, fanout_jobs, fanout_enqueued_at';

// Pages by primary-key range: page n holds contacts n*size .. (n+1)*size-1 in id order.
const PLAN_PAGES_SQL = `
INSERT INTO fanout_pages (campaign_id, page, first_contact_id, last_contact_id, contact_count)
SELECT $1, page, min(id), max(id), count(*)
FROM (SELECT id, (row_number() OVER (ORDER BY id) - 1) / $2 AS page FROM contacts WHERE campaign_id = $1) numbered
GROUP BY page
RETURNING contact_count`;

export interface CampaignRepository {
  find(campaignId: string): Promise<Campaign | undefined>;
  /**
   * Moves a draft campaign of `userId` to running and plans its fan-out pages, in one transaction. The state change
   * is one conditional UPDATE, so of two concurrent starts exactly one gets the campaign; the other gets undefined,
   * as does a campaign whose contacts are being imported.
   */
  start(campaignId: string, userId: string, pageSize: number): Promise<Campaign | undefined>;
  countContacts(campaignId: string): Promise<number>;
  pendingPages(campaignId: string): Promise<number[]>;
  markFanoutEnqueued(campaignId: string): Promise<void>;
  /** Attempts of the campaign by status (queued, dialing, initiated, skipped_blacklisted, failed). */
  attemptCounts(campaignId: string): Promise<Record<string, number>>;
  /** Where the campaign's calls and contacts stand (one statement). */
  runCounts(campaignId: string): Promise<RunCounts>;
}

export interface RunCounts {
  /** Calls by what the telephony reported (answered, busy, ...). */
  outcomes: Record<string, number>;
  /** Contacts done, by why (answered, opted_out, max_attempts, invalid_number). */
  contactsDone: Record<string, number>;
  /** Contacts due again later (a retry planned, or sent back to the schedule). */
  contactsDueLater: number;
  /** Calls being placed or ringing: claimed to dial, or sent and without a result yet. */
  callsInFlight: number;
}

const RUN_COUNTS_SQL = `
SELECT
  (SELECT coalesce(jsonb_object_agg(outcome, n), '{}') FROM (
     SELECT outcome, count(*)::int AS n FROM call_attempts
     WHERE campaign_id = $1 AND outcome IS NOT NULL GROUP BY outcome) AS o) AS outcomes,
  (SELECT coalesce(jsonb_object_agg(final_outcome, n), '{}') FROM (
     SELECT final_outcome, count(*)::int AS n FROM contacts
     WHERE campaign_id = $1 AND final_outcome IS NOT NULL GROUP BY final_outcome) AS f) AS contacts_done,
  (SELECT count(*)::int FROM contacts
   WHERE campaign_id = $1 AND next_call_at IS NOT NULL AND final_outcome IS NULL) AS contacts_due_later,
  (SELECT count(*)::int FROM call_attempts
   WHERE campaign_id = $1 AND (status = 'dialing' OR (status = 'initiated' AND outcome IS NULL))) AS calls_in_flight`;

export function createCampaignRepository(db: Database): CampaignRepository {
  return {
    async find(campaignId) {
      const { rows } = await db.query<CampaignRow>(`SELECT ${COLUMNS} FROM campaigns WHERE id = $1`, [
        campaignId,
      ]);
      return rows[0] && toCampaign(rows[0]);
    },

    start(campaignId, userId, pageSize) {
      return db.transaction(async (query) => {
        const started = await query<CampaignRow>(
          `UPDATE campaigns SET status = 'running', started_at = now(), updated_at = now()
           WHERE id = $1 AND user_id = $2 AND status = 'draft'
             AND NOT EXISTS (SELECT 1 FROM imports WHERE campaign_id = $1 AND status = 'importing')
           RETURNING ${COLUMNS}`,
          [campaignId, userId],
        );
        if (started.rows.length === 0) return undefined;
        const pages = await query<{ contact_count: number }>(PLAN_PAGES_SQL, [campaignId, pageSize]);
        const contacts = pages.rows.reduce((sum, row) => sum + row.contact_count, 0);
        const { rows } = await query<CampaignRow>(
          `UPDATE campaigns SET contact_count = $2, fanout_jobs = $3 WHERE id = $1 RETURNING ${COLUMNS}`,
          [campaignId, contacts, pages.rows.length],
        );
        return rows[0] && toCampaign(rows[0]);
      });
    },

    async countContacts(campaignId) {
      const { rows } = await db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM contacts WHERE campaign_id = $1',
        [campaignId],
      );
      return rows[0]?.n ?? 0;
    },

    async pendingPages(campaignId) {
      const { rows } = await db.query<{ page: number }>(
        `SELECT page FROM fanout_pages WHERE campaign_id = $1 AND status = 'pending' ORDER BY page`,
        [campaignId],
      );
      return rows.map((row) => row.page);
    },

    async markFanoutEnqueued(campaignId) {
      await db.query('UPDATE campaigns SET fanout_enqueued_at = now() WHERE id = $1', [campaignId]);
    },

    async runCounts(campaignId) {
      const { rows } = await db.query<{
        outcomes: Record<string, number>;
        contacts_done: Record<string, number>;
        contacts_due_later: number;
        calls_in_flight: number;
      }>(RUN_COUNTS_SQL, [campaignId]);
      const row = rows[0];
      return {
        outcomes: row?.outcomes ?? {},
        contactsDone: row?.contacts_done ?? {},
        contactsDueLater: row?.contacts_due_later ?? 0,
        callsInFlight: row?.calls_in_flight ?? 0,
      };
    },

    async attemptCounts(campaignId) {
      const { rows } = await db.query<{ status: string; n: number }>(
        'SELECT status, count(*)::int AS n FROM call_attempts WHERE campaign_id = $1 GROUP BY status ORDER BY status',
        [campaignId],
      );
      return Object.fromEntries(rows.map((row) => [row.status, row.n]));
    },
  };
}
