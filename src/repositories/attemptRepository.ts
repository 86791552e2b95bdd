/**
 * Call attempts in Postgres. A batch of dial tasks takes two statements whatever its size: one to claim the
 * attempts, one to record how they ended. The attempt's key (campaign, contact, attempt) is its dialId.
 */
import type { Database } from '../lib/database.ts';
import { type AttemptKey, dialIdOf } from '../lib/dialId.ts';

export type { AttemptKey };

export type ClaimIntent = 'dial' | 'skip_blacklisted';

export interface ClaimRequest extends AttemptKey {
  intent: ClaimIntent;
  /** The number the task would call: claimed only if it is the contact's stored number. */
  phoneNumber: string;
}

/**
 * - `claimed`: this invocation owns the attempt now (to dial, or recorded as skipped for the blacklist);
 * - `held`: another invocation claimed it to dial less than a lease ago: try again later;
 * - `done`: the attempt already ended (initiated, skipped, failed): nothing to do;
 * - `unknown_contact`: no such contact in the campaign;
 * - `number_mismatch`: the task's number is not the contact's stored one (never called);
 * - `over_max_attempts`: the attempt is past the campaign's `maxAttempts`.
 */
export type ClaimResult =
  | 'claimed'
  | 'held'
  | 'done'
  | 'unknown_contact'
  | 'number_mismatch'
  | 'over_max_attempts';

/** What the call message of a claimed attempt carries from its campaign and contact. */
export interface CallSettings {
  /** Null for a campaign made without the API (by SQL). */
  callerId: string | null;
  callFlow: string | null;
  attributes: Record<string, string>;
}

export interface Claims {
  /** Each attempt's claim, by dialId. */
  results: Map<string, ClaimResult>;
  /** The call settings of each attempt claimed to dial, by dialId. */
  calls: Map<string, CallSettings>;
}

export interface AttemptRepository {
  claim(requests: readonly ClaimRequest[], leaseSeconds: number): Promise<Claims>;
  /** Marks sent calls `initiated` and releases the claim of calls that could not be sent. */
  recordOutcomes(outcome: {
    initiated: readonly AttemptKey[];
    released: readonly AttemptKey[];
  }): Promise<void>;
}

// The main SELECT sees the table as it was before the statement, so `before_status` is the status the claim found.
const CLAIM_SQL = `
WITH input AS (
  SELECT DISTINCT ON (campaign_id, contact_id, attempt) *
  FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $6::text[])
    AS i(campaign_id, contact_id, attempt, target, phone_number)
),
claimed AS (
  INSERT INTO call_attempts AS ca (campaign_id, contact_id, attempt, status, claimed_at)
  SELECT i.campaign_id, i.contact_id, i.attempt, i.target,
         CASE WHEN i.target = 'dialing' THEN now() END
  FROM input i
  -- Only the contact's stored number is ever called, and no attempt past the campaign's maximum.
  JOIN contacts c ON c.campaign_id = i.campaign_id AND c.id = i.contact_id AND c.phone_number = i.phone_number
  JOIN campaigns cp ON cp.id = i.campaign_id AND i.attempt <= cp.max_attempts
  ON CONFLICT (campaign_id, contact_id, attempt) DO UPDATE
    SET status = excluded.status, claimed_at = excluded.claimed_at, updated_at = now()
    -- A live claim (a call may be going out) is never taken over, not even to record a skip: that record would be
    -- false. Only a claim whose lease ran out (its invocation died) may be.
    WHERE ca.status = 'queued'
       OR (ca.status = 'dialing'
           AND (ca.claimed_at IS NULL OR ca.claimed_at < now() - make_interval(secs => $5)))
  RETURNING ca.campaign_id, ca.contact_id, ca.attempt
)
SELECT i.campaign_id, i.contact_id, i.attempt,
       cl.attempt IS NOT NULL AS claimed,
       c.id IS NOT NULL AS contact_exists,
       c.phone_number = i.phone_number AS number_matches,
       i.attempt <= cp.max_attempts AS attempt_allowed,
       ca.status AS before_status,
       cp.caller_id, cp.call_flow, c.attributes
FROM input i
LEFT JOIN claimed cl
  ON cl.campaign_id = i.campaign_id AND cl.contact_id = i.contact_id AND cl.attempt = i.attempt
LEFT JOIN contacts c ON c.campaign_id = i.campaign_id AND c.id = i.contact_id
LEFT JOIN campaigns cp ON cp.id = i.campaign_id
LEFT JOIN call_attempts ca
  ON ca.campaign_id = i.campaign_id AND ca.contact_id = i.contact_id AND ca.attempt = i.attempt`;

const OUTCOMES_SQL = `
UPDATE call_attempts ca
SET status = CASE WHEN o.initiated THEN 'initiated' ELSE ca.status END,
    initiated_at = CASE WHEN o.initiated THEN now() ELSE ca.initiated_at END,
    claimed_at = CASE WHEN o.initiated THEN ca.claimed_at END,
    updated_at = now()
FROM unnest($1::text[], $2::text[], $3::int[], $4::bool[]) AS o(campaign_id, contact_id, attempt, initiated)
WHERE ca.campaign_id = o.campaign_id AND ca.contact_id = o.contact_id AND ca.attempt = o.attempt
  AND ca.status = 'dialing'`;

interface ClaimRow {
  campaign_id: string;
  contact_id: string;
  attempt: number;
  claimed: boolean;
  contact_exists: boolean;
  number_matches: boolean | null;
  attempt_allowed: boolean | null;
  before_status: string | null;
  caller_id: string | null;
  call_flow: string | null;
  attributes: Record<string, string> | null;
}

function classify(row: ClaimRow): ClaimResult {
  if (row.claimed) return 'claimed';
  if (!row.contact_exists) return 'unknown_contact';
  if (!row.number_matches) return 'number_mismatch';
  if (!row.attempt_allowed) return 'over_max_attempts';
  return row.before_status === 'dialing' ? 'held' : 'done';
}

export function createAttemptRepository(db: Database): AttemptRepository {
  return {
    async claim(requests, leaseSeconds) {
      if (requests.length === 0) return { results: new Map(), calls: new Map() };
      const { rows } = await db.query<ClaimRow>(CLAIM_SQL, [
        requests.map((r) => r.campaignId),
        requests.map((r) => r.contactId),
        requests.map((r) => r.attempt),
        requests.map((r) => (r.intent === 'dial' ? 'dialing' : 'skipped_blacklisted')),
        leaseSeconds,
        requests.map((r) => r.phoneNumber),
      ]);
      const results = new Map<string, ClaimResult>();
      const calls = new Map<string, CallSettings>();
      for (const row of rows) {
        const dialId = dialIdOf({
          campaignId: row.campaign_id,
          contactId: row.contact_id,
          attempt: row.attempt,
        });
        results.set(dialId, classify(row));
        calls.set(dialId, {
          callerId: row.caller_id,
          callFlow: row.call_flow,
          attributes: row.attributes ?? {},
        });
      }
      return { results, calls };
    },

    async recordOutcomes({ initiated, released }) {
      if (initiated.length + released.length === 0) return;
      const updates = [
        ...initiated.map((key) => ({ key, initiated: true })),
        ...released.map((key) => ({ key, initiated: false })),
      ];
      await db.query(OUTCOMES_SQL, [
        updates.map((u) => u.key.campaignId),
        updates.map((u) => u.key.contactId),
        updates.map((u) => u.key.attempt),
        updates.map((u) => u.initiated),
      ]);
    },
  };
}
