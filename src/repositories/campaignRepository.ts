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
}

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

    async attemptCounts(campaignId) {
      const { rows } = await db.query<{ status: string; n: number }>(
        'SELECT status, count(*)::int AS n FROM call_attempts WHERE campaign_id = $1 GROUP BY status ORDER BY status',
        [campaignId],
      );
      return Object.fromEntries(rows.map((row) => [row.status, row.n]));
    },
  };
}
