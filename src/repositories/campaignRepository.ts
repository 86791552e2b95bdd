/**
 * Campaigns in Postgres: loading one, changing its status (one conditional statement each), and its progress and
 * schedule.
 */

import type { CampaignStatus } from '../domain/campaign.ts';
import type { Arm } from '../domain/schedule.ts';
import type { Database } from '../lib/database.ts';
import { analyseContacts } from './contactRepository.ts';

export type { CampaignStatus };

export interface Campaign {
  id: string;
  userId: string;
  status: CampaignStatus;
  /** Counted when the campaign starts. */
  contacts: number | null;
}

interface CampaignRow {
  id: string;
  user_id: string;
  status: CampaignStatus;
  contact_count: number | null;
}

const toCampaign = (row: CampaignRow): Campaign => ({
  id: row.id,
  userId: row.user_id,
  status: row.status,
  contacts: row.contact_count,
});

const COLUMNS = 'id, user_id, status, contact_count';

/** Where a campaign's schedule stands, as its status shows it. */
export interface ScheduleStatus {
  /** Contacts not done yet: due now, due later, or with a call in flight. */
  contactsOpen: number;
  /** The next tick that will release contacts (a running campaign with contacts due). */
  nextReleaseAt: string | null;
  /**
   * When the open contacts would all have had their next call at the campaign's pace (callsPerMinute), from the next
   * release: a floor, which calling hours, concurrency and retry delays only push later.
   */
  estimatedFinishAt: string | null;
  /** The last tick that looked at the campaign, and how many contacts it released. */
  lastTick: { at: string; released: number } | null;
  /** The earliest next call time of an open contact (a due contact's is in the past). */
  nextDueAt: string | null;
}

export interface CampaignRepository {
  find(campaignId: string): Promise<Campaign | undefined>;
  /**
   * Moves the owner's campaign from one of `from` to `to` in one conditional statement (a start also counts its
   * contacts, and waits for an import in progress); undefined when it was not in one of `from`.
   */
  transition(
    owned: { campaignId: string; userId: string },
    from: readonly CampaignStatus[],
    to: CampaignStatus,
  ): Promise<Campaign | undefined>;
  countContacts(campaignId: string): Promise<number>;
  /** The id of an import of the campaign in progress (which a start waits for), if there is one. */
  importInProgress(campaignId: string): Promise<string | undefined>;
  /** Refreshes the planner's statistics of the contacts table (see `analyseContacts`). */
  analyseContacts(): Promise<void>;
  /** Attempts of the campaign by status (queued, dialing, initiated, skipped_blacklisted, failed). */
  attemptCounts(campaignId: string): Promise<Record<string, number>>;
  /** Where the campaign's calls and contacts stand (one statement). */
  runCounts(campaignId: string): Promise<RunCounts>;
  schedule(campaignId: string, now: Date): Promise<ScheduleStatus>;
  /** Calls placed with a result, and those answered by a person, per arm of a campaign using the answer model. */
  armCounts(campaignId: string): Promise<Record<Arm, { calls: number; answered: number }>>;
  /** Calls sent before `before` that have no result yet. */
  unansweredCalls(campaignId: string, before: Date): Promise<number>;
}

export interface RunCounts {
  /** Calls by what the telephony reported (answered, busy, ...). */
  outcomes: Record<string, number>;
  /** Contacts done, by why (answered, opted_out, max_attempts, invalid_number, do_not_call, cancelled, expired). */
  contactsDone: Record<string, number>;
  /** Open contacts due later than now (a retry planned, their hours not open yet, a call in flight). */
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
   WHERE campaign_id = $1 AND final_outcome IS NULL AND next_call_at > now()) AS contacts_due_later,
  (SELECT count(*)::int FROM call_attempts
   WHERE campaign_id = $1 AND outcome IS NULL AND status IN ('dialing', 'initiated')) AS calls_in_flight`;

// A start counts the contacts once (they change no more) and waits for an import in progress; each state keeps when
// it was entered.
const TRANSITION_SQL = `
UPDATE campaigns SET status = $4, updated_at = now(),
  started_at = CASE WHEN $4 = 'running' THEN coalesce(started_at, now()) ELSE started_at END,
  paused_at = CASE WHEN $4 = 'paused' THEN now() WHEN $4 = 'running' THEN NULL ELSE paused_at END,
  cancelled_at = CASE WHEN $4 = 'cancelled' THEN now() ELSE cancelled_at END,
  contact_count = CASE WHEN $4 = 'running'
    THEN coalesce(contact_count, (SELECT count(*) FROM contacts WHERE campaign_id = $1)) ELSE contact_count END
WHERE id = $1 AND user_id = $2 AND status = ANY($3::text[])
  AND NOT ($4 = 'running' AND status = 'draft'
           AND EXISTS (SELECT 1 FROM imports WHERE campaign_id = $1 AND status = 'importing'))
RETURNING ${COLUMNS}`;

// Both counts read the open contacts' index only.
const SCHEDULE_SQL = `
SELECT cp.status, cp.pacing, cp.start_at, cp.last_tick_at, cp.last_released,
  (SELECT min(next_call_at) FROM contacts WHERE campaign_id = $1 AND final_outcome IS NULL) AS next_due,
  (SELECT count(*)::int FROM contacts WHERE campaign_id = $1 AND final_outcome IS NULL) AS open
FROM campaigns cp WHERE cp.id = $1`;

const UNANSWERED_SQL = `
SELECT count(*)::int AS n FROM call_attempts
WHERE campaign_id = $1 AND outcome IS NULL AND status = 'initiated' AND initiated_at < $2`;

const MINUTE = 60_000;
const nextMinute = (at: number) => Math.ceil(at / MINUTE) * MINUTE;

export function createCampaignRepository(db: Database): CampaignRepository {
  return {
    async find(campaignId) {
      const { rows } = await db.query<CampaignRow>(`SELECT ${COLUMNS} FROM campaigns WHERE id = $1`, [
        campaignId,
      ]);
      return rows[0] && toCampaign(rows[0]);
    },

    async transition({ campaignId, userId }, from, to) {
      const { rows } = await db.query<CampaignRow>(TRANSITION_SQL, [campaignId, userId, from, to]);
      return rows[0] && toCampaign(rows[0]);
    },

    analyseContacts: () => analyseContacts(db),

    async countContacts(campaignId) {
      const { rows } = await db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM contacts WHERE campaign_id = $1',
        [campaignId],
      );
      return rows[0]?.n ?? 0;
    },

    async importInProgress(campaignId) {
      const { rows } = await db.query<{ id: string }>(
        "SELECT id FROM imports WHERE campaign_id = $1 AND status = 'importing' ORDER BY created_at LIMIT 1",
        [campaignId],
      );
      return rows[0]?.id;
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

    async schedule(campaignId, now) {
      const { rows } = await db.query<{
        status: CampaignStatus;
        pacing: { callsPerMinute: number };
        start_at: Date | null;
        last_tick_at: Date | null;
        last_released: number | null;
        next_due: Date | null;
        open: number;
      }>(SCHEDULE_SQL, [campaignId]);
      const row = rows[0];
      const open = row?.open ?? 0;
      const lastTick =
        row?.last_tick_at != null
          ? { at: row.last_tick_at.toISOString(), released: row.last_released ?? 0 }
          : null;
      const nextDueAt = row?.next_due?.toISOString() ?? null;
      if (row === undefined || row.status !== 'running' || row.next_due === null || open === 0) {
        return { contactsOpen: open, nextReleaseAt: null, estimatedFinishAt: null, lastTick, nextDueAt };
      }
      // The first tick after the last one (ticks run on whole minutes) at which a contact is due.
      const after = row.last_tick_at ? row.last_tick_at.getTime() + MINUTE : now.getTime();
      const release = nextMinute(Math.max(after, row.next_due.getTime(), row.start_at?.getTime() ?? 0));
      const finish = release + Math.ceil(open / row.pacing.callsPerMinute) * MINUTE;
      return {
        contactsOpen: open,
        nextReleaseAt: new Date(release).toISOString(),
        estimatedFinishAt: new Date(finish).toISOString(),
        lastTick,
        nextDueAt,
      };
    },

    async attemptCounts(campaignId) {
      const { rows } = await db.query<{ status: string; n: number }>(
        'SELECT status, count(*)::int AS n FROM call_attempts WHERE campaign_id = $1 GROUP BY status ORDER BY status',
        [campaignId],
      );
      return Object.fromEntries(rows.map((row) => [row.status, row.n]));
    },

    async unansweredCalls(campaignId, before) {
      const { rows } = await db.query<{ n: number }>(UNANSWERED_SQL, [campaignId, before]);
      return rows[0]?.n ?? 0;
    },

    async armCounts(campaignId) {
      const { rows } = await db.query<{ arm: Arm; calls: number; answered: number }>(
        `SELECT arm, count(*)::int AS calls, (count(*) FILTER (WHERE outcome = 'answered'))::int AS answered
         FROM call_attempts WHERE campaign_id = $1 AND arm IS NOT NULL AND outcome IS NOT NULL GROUP BY arm`,
        [campaignId],
      );
      const none = { calls: 0, answered: 0 };
      const of = (arm: Arm) => rows.find((row) => row.arm === arm) ?? none;
      return {
        model: { calls: of('model').calls, answered: of('model').answered },
        control: { calls: of('control').calls, answered: of('control').answered },
      };
    },
  };
}
