/** A campaign's contacts in Postgres: added in one statement per request, listed by id, taken out one by one. */

import type { ContactRow } from '../domain/contactInput.ts';
import type { Database, Query } from '../lib/database.ts';

/**
 * A load of at least this many contacts (an import, or a campaign started with them) refreshes the planner's
 * statistics of the contacts table: a campaign's first ticks over rows the statistics have never seen get a join
 * planned over the whole campaign (seconds at a million contacts) instead of index lookups. Autovacuum would analyse
 * the table too, but only after 10% of it changed and up to a minute later.
 */
export const ANALYSE_AFTER_ROWS = 10_000;

/**
 * `ANALYZE contacts`: it samples 30,000 rows whatever the table's size. Waits at most 2 s for the table's lock (an
 * autovacuum worker or another ANALYZE holding it) and fails then: callers treat it as best effort.
 */
export async function analyseContacts(db: Database): Promise<void> {
  await db.transaction(async (query) => {
    await query("SET LOCAL lock_timeout = '2s'");
    await query('ANALYZE contacts');
  });
}

export interface StoredContact extends ContactRow {
  /** The status of its latest call attempt, once calling started. */
  state?: string;
}

const ADD_SQL = `
INSERT INTO contacts (campaign_id, id, phone_number, given_time_zone, us_state, postal_code, attributes)
SELECT $1, r.id, r.phone_number, r.given_time_zone, r.us_state, r.postal_code, r.attributes
FROM jsonb_to_recordset($2::jsonb)
  AS r(id text, phone_number text, given_time_zone text, us_state text, postal_code text, attributes jsonb)
ON CONFLICT DO NOTHING
RETURNING id`;

const LIST_SQL = `
SELECT c.id, c.phone_number, c.given_time_zone, c.us_state, c.postal_code, c.attributes,
  (SELECT a.status FROM call_attempts a
   WHERE a.campaign_id = c.campaign_id AND a.contact_id = c.id ORDER BY a.attempt DESC LIMIT 1) AS state
FROM contacts c
WHERE c.campaign_id = $1 AND ($2::text IS NULL OR c.id > $2)
ORDER BY c.id LIMIT $3`;

interface Row {
  id: string;
  phone_number: string;
  given_time_zone: string | null;
  us_state: string | null;
  postal_code: string | null;
  attributes: Record<string, string>;
  state: string | null;
}

export interface ContactRepository {
  /** Adds the rows a campaign does not hold yet (by id or number); answers the ids added. */
  add(campaignId: string, rows: readonly ContactRow[]): Promise<Set<string>>;
  list(campaignId: string, limit: number, after?: string): Promise<StoredContact[]>;
  /** False when the campaign has no such contact. */
  remove(campaignId: string, contactId: string): Promise<boolean>;
  /** The contact's attempts, first to last, each with its result and compliance record; undefined: no such contact. */
  attempts(campaignId: string, contactId: string): Promise<AttemptView[] | undefined>;
}

/** One call attempt as its owner reads it (no number: the contact's is in its own view). */
export interface AttemptView {
  attempt: number;
  status: string;
  claimedAt?: string;
  initiatedAt?: string;
  outcome?: string;
  optOut?: boolean;
  result?: Record<string, unknown>;
  resultAt?: string;
  /** Why the attempt was allowed or skipped, as known then (docs/telephony.md). */
  compliance?: Record<string, unknown>;
}

const ATTEMPTS_SQL = `
SELECT a.attempt, a.status, a.claimed_at, a.initiated_at, a.outcome, a.opt_out, a.result, a.result_at, a.compliance
FROM contacts c LEFT JOIN call_attempts a ON a.campaign_id = c.campaign_id AND a.contact_id = c.id
WHERE c.campaign_id = $1 AND c.id = $2
ORDER BY a.attempt`;

/**
 * Adds the rows a campaign does not hold yet (by id or number) in one statement, on `query` (a transaction's, when
 * the rows go with other writes); answers the ids added.
 */
export async function insertContacts(
  query: Query,
  campaignId: string,
  rows: readonly ContactRow[],
): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const records = rows.map((r) => ({
    id: r.id,
    phone_number: r.phoneNumber,
    given_time_zone: r.timeZone ?? null,
    us_state: r.usState ?? null,
    postal_code: r.postalCode ?? null,
    attributes: r.attributes,
  }));
  const { rows: added } = await query<{ id: string }>(ADD_SQL, [campaignId, JSON.stringify(records)]);
  return new Set(added.map((row) => row.id));
}

/** The contact's own row: its id, its number and what was given of where it is, the columns left empty left out. */
export function placedContact(row: {
  id: string;
  phone_number: string;
  given_time_zone: string | null;
  us_state: string | null;
  postal_code: string | null;
}) {
  return {
    id: row.id,
    phoneNumber: row.phone_number,
    ...(row.given_time_zone ? { timeZone: row.given_time_zone } : {}),
    ...(row.us_state ? { usState: row.us_state } : {}),
    ...(row.postal_code ? { postalCode: row.postal_code } : {}),
  };
}

export function createContactRepository(db: Database): ContactRepository {
  return {
    add: (campaignId, rows) => insertContacts(db.query, campaignId, rows),

    async list(campaignId, limit, after) {
      const { rows } = await db.query<Row>(LIST_SQL, [campaignId, after ?? null, limit]);
      return rows.map((row) => ({
        ...placedContact(row),
        attributes: row.attributes,
        ...(row.state ? { state: row.state } : {}),
      }));
    },

    async attempts(campaignId, contactId) {
      const { rows } = await db.query<{
        attempt: number | null;
        status: string;
        claimed_at: Date | null;
        initiated_at: Date | null;
        outcome: string | null;
        opt_out: boolean | null;
        result: Record<string, unknown> | null;
        result_at: Date | null;
        compliance: Record<string, unknown> | null;
      }>(ATTEMPTS_SQL, [campaignId, contactId]);
      if (rows.length === 0) return undefined;
      const present = <T>(key: string, value: T | null) => (value === null ? {} : { [key]: value });
      return rows.flatMap((row) =>
        row.attempt === null
          ? []
          : [
              {
                attempt: row.attempt,
                status: row.status,
                ...present('claimedAt', row.claimed_at?.toISOString() ?? null),
                ...present('initiatedAt', row.initiated_at?.toISOString() ?? null),
                ...present('outcome', row.outcome),
                ...present('optOut', row.opt_out),
                ...present('result', row.result),
                ...present('resultAt', row.result_at?.toISOString() ?? null),
                ...present('compliance', row.compliance),
              } as AttemptView,
            ],
      );
    },

    async remove(campaignId, contactId) {
      const { rowCount } = await db.query('DELETE FROM contacts WHERE campaign_id = $1 AND id = $2', [
        campaignId,
        contactId,
      ]);
      return (rowCount ?? 0) > 0;
    },
  };
}
