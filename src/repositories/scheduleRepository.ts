/**
 * The scheduler's reads and writes in Postgres. Every read of contacts goes through `contacts_open_idx`
 * (campaign, next_call_at) over open contacts, and reads only the rows a tick acts on; calls in flight are counted
 * through `call_attempts_in_flight_idx`. The clock is the caller's (`at`), never the database's, so a tick can run
 * at any instant in tests.
 */

import type { CallingWindow } from '../domain/callingHours.ts';
import { DEFAULT_BEST_TIME, type ResolvedSettings } from '../domain/campaignSettings.ts';
import type { ActiveCampaign, ContactChange, DueContact } from '../domain/schedule.ts';
import type { Database } from '../lib/database.ts';
import { placedContact } from './contactRepository.ts';

export type { ActiveCampaign, ContactChange, DueContact };

export interface ScheduleRepository {
  /** The campaigns a tick looks at (running, or cancelled and not yet closed), in id order. */
  activeCampaignIds(): Promise<string[]>;
  /**
   * Claims those of `ids` still active for the tick `tickId` (issued at `tickAt`) at `at`: none held by another tick
   * now, none claimed for this tick already (a group delivered twice), none ticked by a later tick since (a group
   * delivered late). A claim is held until `finishTick`, or `leaseSeconds` at most.
   */
  claimForTick(
    ids: readonly string[],
    tick: { tickId: string; tickAt: Date; at: Date; leaseSeconds: number },
  ): Promise<ActiveCampaign[]>;
  /** Releases the tick's claim; for a running campaign, records the tick (shown by its status). */
  finishTick(campaignId: string, recorded?: { at: Date; released: number }): Promise<void>;
  /** Calls of the campaign released, being placed or ringing, not counting those sent before `since`. */
  inFlight(campaignId: string, since: Date): Promise<number>;
  /** Up to `limit` open contacts due at `at`, the longest due first. */
  due(campaignId: string, at: Date, limit: number): Promise<DueContact[]>;
  /** Applies a tick's changes to one campaign's contacts (one statement). */
  apply(campaignId: string, changes: readonly ContactChange[], at: Date): Promise<void>;
  /** Gives up to `limit` open contacts their final outcome; returns how many it did. */
  close(campaignId: string, outcome: 'cancelled' | 'expired', limit: number): Promise<number>;
  /** Whether any contact of the campaign is still open. */
  anyOpen(campaignId: string): Promise<boolean>;
  /** Completes a running campaign (none of its contacts open); false when it was no longer running. */
  complete(campaignId: string, at: Date): Promise<boolean>;
  /** Marks a cancelled campaign's contacts all closed. */
  markClosed(campaignId: string, at: Date): Promise<void>;
}

const ACTIVE = "(status = 'running' OR (status = 'cancelled' AND closed_at IS NULL))";

const ACTIVE_IDS_SQL = `SELECT id FROM campaigns WHERE ${ACTIVE} ORDER BY id`;

const CLAIM_FOR_TICK_SQL = `
UPDATE campaigns
SET tick_lease_until = $3::timestamptz + make_interval(secs => $4), tick_id = $2
WHERE id = ANY($1::text[]) AND ${ACTIVE}
  AND (tick_lease_until IS NULL OR tick_lease_until <= $3::timestamptz) AND tick_id IS DISTINCT FROM $2
  AND (last_tick_at IS NULL OR last_tick_at <= $5::timestamptz)
RETURNING id, user_id, status, calling_window, blocked_dates, max_attempts, retry_delays, pacing, start_at, end_at,
  started_at, best_time`;

const FINISH_TICK_SQL = `
UPDATE campaigns
SET tick_lease_until = NULL, last_tick_at = coalesce($2, last_tick_at), last_released = coalesce($3, last_released)
WHERE id = $1`;

const IN_FLIGHT_SQL = `
SELECT count(*)::int AS n FROM call_attempts
WHERE campaign_id = $1 AND outcome IS NULL AND status IN ('queued', 'dialing', 'initiated')
  AND coalesce(initiated_at, updated_at) >= $2`;

// The latest attempt of each due contact is one primary-key lookup.
export const DUE_SQL = `
SELECT c.id, c.phone_number, c.given_time_zone, c.us_state, c.postal_code, c.next_call_at, c.created_at,
       a.attempt, a.status, a.outcome, a.initiated_at
FROM contacts c
LEFT JOIN LATERAL (
  SELECT attempt, status, outcome, initiated_at FROM call_attempts x
  WHERE x.campaign_id = c.campaign_id AND x.contact_id = c.id
  ORDER BY attempt DESC LIMIT 1
) a ON true
WHERE c.campaign_id = $1 AND c.final_outcome IS NULL AND c.next_call_at <= $2
ORDER BY c.next_call_at
LIMIT $3`;

// Released attempts are queued (an attempt released again, its task lost, is queued anew), with the arm of a campaign
// using the answer model; every changed contact gets its next time or its final outcome.
const APPLY_SQL = `
WITH changes AS (
  SELECT * FROM unnest($2::text[], $3::int[], $4::timestamptz[], $5::text[], $7::text[])
    AS u(contact_id, attempt, at, final, arm)
),
released AS (
  INSERT INTO call_attempts AS ca (campaign_id, contact_id, attempt, status, created_at, updated_at, arm)
  SELECT $1, contact_id, attempt, 'queued', $6, $6, arm FROM changes WHERE attempt IS NOT NULL
  ON CONFLICT (campaign_id, contact_id, attempt) DO UPDATE SET updated_at = $6, arm = excluded.arm
    WHERE ca.status = 'queued'
)
SELECT set_contact_steps(array_fill($1::text, ARRAY[cardinality($2::text[])]), $2, $4, $5)`;

const CLOSE_SQL = `
SELECT set_contact_steps(array_agg(campaign_id), array_agg(id), array_agg(NULL::timestamptz), array_agg($2::text))
  AS closed
FROM (SELECT campaign_id, id FROM contacts WHERE campaign_id = $1 AND final_outcome IS NULL LIMIT $3) o`;

interface ActiveRow {
  id: string;
  user_id: string;
  status: ActiveCampaign['status'];
  calling_window: CallingWindow;
  blocked_dates: string[];
  max_attempts: number;
  retry_delays: ResolvedSettings['retryDelays'];
  pacing: ResolvedSettings['pacing'];
  start_at: Date | null;
  end_at: Date | null;
  started_at: Date | null;
  /** Campaigns stored before a setting existed lack it: they get its default. */
  best_time: Partial<ResolvedSettings['bestTimeToCall']>;
}

interface DueRow {
  id: string;
  phone_number: string;
  given_time_zone: string | null;
  us_state: string | null;
  postal_code: string | null;
  next_call_at: Date;
  created_at: Date;
  attempt: number | null;
  status: NonNullable<DueContact['latest']>['status'] | null;
  outcome: string | null;
  initiated_at: Date | null;
}

export function createScheduleRepository(db: Database): ScheduleRepository {
  return {
    async activeCampaignIds() {
      const { rows } = await db.query<{ id: string }>(ACTIVE_IDS_SQL);
      return rows.map((row) => row.id);
    },

    async claimForTick(ids, { tickId, tickAt, at, leaseSeconds }) {
      if (ids.length === 0) return [];
      const { rows } = await db.query<ActiveRow>(CLAIM_FOR_TICK_SQL, [ids, tickId, at, leaseSeconds, tickAt]);
      rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      return rows.map((row) => ({
        id: row.id,
        userId: row.user_id,
        status: row.status,
        callingWindow: row.calling_window,
        blockedDates: row.blocked_dates,
        maxAttempts: row.max_attempts,
        retryDelays: row.retry_delays,
        pacing: row.pacing,
        bestTime: { ...DEFAULT_BEST_TIME, ...row.best_time },
        startAt: row.start_at,
        endAt: row.end_at,
        startedAt: row.started_at,
      }));
    },

    async inFlight(campaignId, since) {
      const { rows } = await db.query<{ n: number }>(IN_FLIGHT_SQL, [campaignId, since]);
      return rows[0]?.n ?? 0;
    },

    async due(campaignId, at, limit) {
      const { rows } = await db.query<DueRow>(DUE_SQL, [campaignId, at, limit]);
      return rows.map((row) => ({
        ...placedContact(row),
        dueAt: row.next_call_at,
        addedAt: row.created_at,
        ...(row.attempt !== null && row.status !== null
          ? {
              latest: {
                attempt: row.attempt,
                status: row.status,
                outcome: row.outcome,
                initiatedAt: row.initiated_at,
              },
            }
          : {}),
      }));
    },

    async apply(campaignId, changes, at) {
      if (changes.length === 0) return;
      await db.query(APPLY_SQL, [
        campaignId,
        changes.map((c) => c.contactId),
        changes.map((c) => (c.kind === 'release' ? c.attempt : null)),
        changes.map((c) => (c.kind === 'final' ? null : c.at)),
        changes.map((c) => (c.kind === 'final' ? c.outcome : null)),
        at,
        changes.map((c) => (c.kind === 'release' ? (c.arm ?? null) : null)),
      ]);
    },

    async close(campaignId, outcome, limit) {
      const { rows } = await db.query<{ closed: number }>(CLOSE_SQL, [campaignId, outcome, limit]);
      return rows[0]?.closed ?? 0;
    },

    async anyOpen(campaignId) {
      const { rows } = await db.query(
        'SELECT 1 FROM contacts WHERE campaign_id = $1 AND final_outcome IS NULL LIMIT 1',
        [campaignId],
      );
      return rows.length > 0;
    },

    async complete(campaignId, at) {
      const { rowCount } = await db.query(
        `UPDATE campaigns SET status = 'completed', completed_at = $2, updated_at = $2
         WHERE id = $1 AND status = 'running'`,
        [campaignId, at],
      );
      return (rowCount ?? 0) > 0;
    },

    async markClosed(campaignId, at) {
      await db.query('UPDATE campaigns SET closed_at = $2 WHERE id = $1', [campaignId, at]);
    },

    async finishTick(campaignId, recorded) {
      await db.query(FINISH_TICK_SQL, [campaignId, recorded?.at ?? null, recorded?.released ?? null]);
    },
  };
}
