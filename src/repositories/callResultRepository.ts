/**
 * Call results in Postgres: the attempt a result is for (with its contact's number and its campaign's rules), and the
 * result recorded once with the contact's next step, in one transaction.
 */

import type { FinalOutcome } from '../domain/callOutcome.ts';
import type { ResolvedSettings } from '../domain/campaignSettings.ts';
import type { Database } from '../lib/database.ts';
import type { AttemptKey } from '../lib/dialId.ts';
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
  /** When it was recorded (the worker's clock). */
  at: Date;
  /** The contact's next step; none for a campaign that is over (a late result is recorded, nothing planned). */
  next?: { final: FinalOutcome } | { retryAt: Date };
}

const TARGET_SQL = `
SELECT a.outcome, c.phone_number, k.user_id, k.status AS campaign_status, k.max_attempts, k.retry_delays
FROM call_attempts a
JOIN contacts c ON c.campaign_id = a.campaign_id AND c.id = a.contact_id
JOIN campaigns k ON k.id = a.campaign_id
WHERE a.campaign_id = $1 AND a.contact_id = $2 AND a.attempt = $3`;

export interface CallResultRepository {
  target(key: AttemptKey): Promise<ResultTarget | undefined>;
  /** Records the result and the contact's next step; false when a result was recorded already (nothing changed). */
  record(key: AttemptKey, result: RecordedResult): Promise<boolean>;
}

export function createCallResultRepository(db: Database): CallResultRepository {
  return {
    async target({ campaignId, contactId, attempt }) {
      const { rows } = await db.query<{
        outcome: string | null;
        phone_number: string;
        user_id: string;
        campaign_status: CampaignStatus;
        max_attempts: number;
        retry_delays: ResolvedSettings['retryDelays'];
      }>(TARGET_SQL, [campaignId, contactId, attempt]);
      const row = rows[0];
      if (row === undefined) return undefined;
      return {
        ...(row.outcome ? { outcome: row.outcome } : {}),
        phoneNumber: row.phone_number,
        userId: row.user_id,
        campaignStatus: row.campaign_status,
        maxAttempts: row.max_attempts,
        retryDelays: row.retry_delays,
      };
    },

    record({ campaignId, contactId, attempt }, result) {
      return db.transaction(async (query) => {
        // An opt-out ends the number's calls in every campaign of its owner (the claim checks for it): recorded under
        // the number's lock, the one every claim of the number takes, so a claim after this commit sees it.
        if (result.optOut) {
          await query(
            'SELECT pg_advisory_xact_lock(hashtext(phone_number)) FROM contacts WHERE campaign_id = $1 AND id = $2',
            [campaignId, contactId],
          );
        }
        const { rowCount } = await query(
          `UPDATE call_attempts SET outcome = $4, opt_out = $5, result = $6, result_at = $7, updated_at = $7
           WHERE campaign_id = $1 AND contact_id = $2 AND attempt = $3 AND outcome IS NULL`,
          [
            campaignId,
            contactId,
            attempt,
            result.outcome,
            result.optOut,
            JSON.stringify(result.details),
            result.at,
          ],
        );
        if ((rowCount ?? 0) === 0) return false;
        if (result.next !== undefined) {
          const final = 'final' in result.next ? result.next.final : null;
          const retryAt = 'retryAt' in result.next ? result.next.retryAt : null;
          // A contact already done (a result of an earlier attempt arriving late) stays done.
          await query(
            'SELECT set_contact_steps(ARRAY[$1::text], ARRAY[$2::text], ARRAY[$3::timestamptz], ARRAY[$4::text])',
            [campaignId, contactId, retryAt, final],
          );
        }
        return true;
      });
    },
  };
}
