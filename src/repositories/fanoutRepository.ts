/** Fan-out pages in Postgres: reading one page's contacts and recording what became of them, in one statement each. */
import type { Database } from '../lib/database.ts';

export interface PageContacts {
  /** Absent when the campaign has no such page. */
  pageStatus?: 'pending' | 'done';
  campaignStatus?: string;
  /** Contacts of the page that have no first attempt yet, in id order. */
  contacts: Array<{ id: string; phoneNumber: string }>;
}

// Keyset range of the page; contacts that already have their first attempt (a page run before) are left out.
const LOAD_PAGE_SQL = `
SELECT p.status AS page_status, cp.status AS campaign_status, c.id, c.phone_number
FROM fanout_pages p
JOIN campaigns cp ON cp.id = p.campaign_id
LEFT JOIN contacts c
  ON c.campaign_id = p.campaign_id AND c.id BETWEEN p.first_contact_id AND p.last_contact_id
  AND NOT EXISTS (
    SELECT 1 FROM call_attempts a WHERE a.campaign_id = c.campaign_id AND a.contact_id = c.id AND a.attempt = 1
  )
WHERE p.campaign_id = $1 AND p.page = $2
ORDER BY c.id`;

const RECORD_PAGE_SQL = `
WITH attempts AS (
  INSERT INTO call_attempts (campaign_id, contact_id, attempt, status)
  SELECT $1, id, 1, status FROM unnest($3::text[], $4::text[]) AS a(id, status)
  ON CONFLICT DO NOTHING
)
UPDATE fanout_pages SET status = 'done', done_at = now()
WHERE campaign_id = $1 AND page = $2 AND $5::boolean`;

export interface FanoutRepository {
  loadPage(campaignId: string, page: number): Promise<PageContacts>;
  /** Records first attempts (queued or skipped_blacklisted) and, when `done`, marks the page done. */
  recordPage(
    campaignId: string,
    page: number,
    attempts: ReadonlyArray<{ contactId: string; status: 'queued' | 'skipped_blacklisted' }>,
    done: boolean,
  ): Promise<void>;
}

export function createFanoutRepository(db: Database): FanoutRepository {
  return {
    async loadPage(campaignId, page) {
      const { rows } = await db.query<{
        page_status: 'pending' | 'done';
        campaign_status: string;
        id: string | null;
        phone_number: string | null;
      }>(LOAD_PAGE_SQL, [campaignId, page]);
      return {
        pageStatus: rows[0]?.page_status,
        campaignStatus: rows[0]?.campaign_status,
        contacts: rows.flatMap((row) =>
          row.id && row.phone_number ? [{ id: row.id, phoneNumber: row.phone_number }] : [],
        ),
      };
    },

    async recordPage(campaignId, page, attempts, done) {
      await db.query(RECORD_PAGE_SQL, [
        campaignId,
        page,
        attempts.map((a) => a.contactId),
        attempts.map((a) => a.status),
        done,
      ]);
    },
  };
}
