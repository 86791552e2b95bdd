/**
 * Call results in Postgres, a batch at a time: the attempts the results are for (with their contacts' numbers and
 * their campaigns' rules) in one statement, and the results recorded, each once, with their contacts' next steps in
 * another (`record_call_results`, migration 1764000000017: the opt-outs' numbers locked, the results written, the
 * steps set, in the one transaction of that statement), recorded at the worker's clock.
 */

import type { FinalOutcome } from '../domain/callOutcome.ts';
import type { ResolvedSettings } from '../domain/campaignSettings.ts';
import type { Database } from '../lib/database.ts';
import { type AttemptKey, dialIdOf } from '../lib/dialId.ts';
import type { CampaignStatus } from './campaignRepository.ts';

export interface ResultTarget {
  /** Set when a result was recorded already. */
  outcome?: string;
  phoneNumber: string;
  userId: string;
  campaignStatus: CampaignStatus;
  maxAttempts: number;
  retryDelays: ResolvedSettings['retryDelays'];
}

export interface RecordedResult {
  outcome: string;
  optOut: boolean;
  /** Everything else the telephony reported (times, duration, hang-up cause). */
  details: Record<string, unknown>;
  /** The contact's next step; none for a campaign that is over (a late result is recorded, nothing planned). */
  next?: { final: FinalOutcome } | { retryAt: Date };
}

export const TARGETS_SQL = `
SELECT a.campaign_id, a.contact_id, a.attempt, a.outcome, c.phone_number, k.user_id, k.status AS campaign_status,
  k.max_attempts, k.retry_delays
FROM unnest($1::text[], $2::text[], $3::int[]) AS i(campaign_id, contact_id, attempt)
JOIN call_attempts a ON a.campaign_id = i.campaign_id AND a.contact_id = i.contact_id AND a.attempt = i.attempt
JOIN contacts c ON c.campaign_id = a.campaign_id AND c.id = a.contact_id
JOIN campaigns k ON k.id = a.campaign_id`;

export const RECORD_SQL = 'SELECT record_call_results($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) AS written';

export interface CallResultRepository {
  /** The attempts of `keys` that exist, by dialId. */
  targets(keys: readonly AttemptKey[]): Promise<Map<string, ResultTarget>>;
  /**
   * Records each result with its contact's next step, in one transaction; answers the dialIds recorded (one whose
   * attempt had a result already is not: the first result counts). The keys must be distinct.
   */
  record(results: ReadonlyArray<{ key: AttemptKey; result: RecordedResult }>, at: Date): Promise<Set<string>>;
}

export function createCallResultRepository(db: Database): CallResultRepository {
  return {
    async targets(keys) {
      if (keys.length === 0) return new Map();
      const { rows } = await db.query<{
        campaign_id: string;
        contact_id: string;
        attempt: number;
        outcome: string | null;
        phone_number: string;
        user_id: string;
        campaign_status: CampaignStatus;
        max_attempts: number;
        retry_delays: ResolvedSettings['retryDelays'];
      }>(TARGETS_SQL, [
        keys.map((k) => k.campaignId),
        keys.map((k) => k.contactId),
        keys.map((k) => k.attempt),
      ]);
      return new Map(
        rows.map((row) => [
          dialIdOf({ campaignId: row.campaign_id, contactId: row.contact_id, attempt: row.attempt }),
          {
            ...(row.outcome ? { outcome: row.outcome } : {}),
            phoneNumber: row.phone_number,
            userId: row.user_id,
            campaignStatus: row.campaign_status,
            maxAttempts: row.max_attempts,
            retryDelays: row.retry_delays,
          },
        ]),
      );
    },

    async record(results, at) {
      if (results.length === 0) return new Set();
      const { rows } = await db.query<{ written: number[] }>(RECORD_SQL, [
        results.map((r) => r.key.campaignId),
        results.map((r) => r.key.contactId),
        results.map((r) => r.key.attempt),
        results.map((r) => r.result.outcome),
        results.map((r) => r.result.optOut),
        results.map((r) => JSON.stringify(r.result.details)),
        results.map((r) => (r.result.next && 'retryAt' in r.result.next ? r.result.next.retryAt : null)),
        results.map((r) => (r.result.next && 'final' in r.result.next ? r.result.next.final : null)),
        results.map((r) => r.result.next !== undefined),
        at,
      ]);
      const written = rows[0]?.written ?? [];
      return new Set(
        written.flatMap((position) => {
          const entry = results[position - 1];
          return entry ? [dialIdOf(entry.key)] : [];
        }),
      );
    },
  };
}
