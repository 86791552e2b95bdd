/**
 * Call attempts in Postgres. A batch of dial tasks takes two round trips whatever its size: one transaction to claim
 * the attempts (its numbers locked with the facts of their calling hours read, the claim, and, when some were, contacts
 * sent back to the schedule or ended as listed), one statement to record how they ended. The attempt's key (campaign, contact, attempt) is its dialId.
 */

import type { Window } from '../domain/callingHours.ts';
import {
  type CallSettings,
  type ClaimFacts,
  type ClaimIntent,
  type ClaimRequest,
  type ClaimResult,
  type Claims,
  claimResultOf,
  claimRounds,
  dueAgainAt,
  type HoursCheck,
  type RecipientLimit,
  type SentCall,
} from '../domain/claim.ts';
import type { Database } from '../lib/database.ts';
import { type AttemptKey, dialIdOf } from '../lib/dialId.ts';

export type {
  AttemptKey,
  CallSettings,
  ClaimIntent,
  ClaimRequest,
  ClaimResult,
  Claims,
  HoursCheck,
  RecipientLimit,
  SentCall,
};

export interface AttemptRepository {
  /** Claims the attempts at `at` (the dialer's clock), each checked against its contact's calling hours then. */
  claim(
    requests: readonly ClaimRequest[],
    options: { leaseSeconds: number; limits: readonly RecipientLimit[]; at: Date; hours: HoursCheck },
  ): Promise<Claims>;
  /** Marks sent calls `initiated` at `at` and releases the claim of calls that could not be sent. */
  recordOutcomes(
    outcome: { initiated: readonly SentCall[]; released: readonly AttemptKey[] },
    at: Date,
  ): Promise<void>;
}

// Every CTE sees the tables as they were before the statement, so `before_status` is the status the claim found. Each
// check is a lookup per task by primary key or index, never a join over a whole table. The limits are counted per
// task for each limit of its campaign's purpose: calls to its number by its owner in the limit's window, placed
// (initiated) or being placed (a claim to dial), this attempt's own claim aside.
const CLAIM_SQL = `
WITH input AS (
  SELECT DISTINCT ON (campaign_id, contact_id, attempt) *
  FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $6::text[], $8::jsonb[], $9::bool[])
    AS i(campaign_id, contact_id, attempt, target, phone_number, given, hours_open)
),
limited AS (
  SELECT i.campaign_id, i.contact_id, i.attempt,
    jsonb_agg(jsonb_build_object('id', l.id, 'calls', l.calls, 'hours', l.hours, 'made', m.made) ORDER BY l.id)
      AS limits,
    bool_or(m.made >= l.calls) AS over_limit,
    max(CASE WHEN m.made >= l.calls THEN m.oldest + make_interval(hours => l.hours) END) AS limit_resets_at
  FROM input i
  JOIN campaigns cp ON cp.id = i.campaign_id
  CROSS JOIN LATERAL jsonb_to_recordset($7::jsonb) AS l(id text, purposes jsonb, calls int, hours int)
  CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE NOT (x.campaign_id = i.campaign_id AND x.contact_id = i.contact_id
                                       AND x.attempt = i.attempt)) AS made,
      min(coalesce(x.initiated_at, x.claimed_at)) AS oldest
    FROM contacts y
    JOIN call_attempts x ON x.campaign_id = y.campaign_id AND x.contact_id = y.id
    JOIN campaigns z ON z.id = y.campaign_id
    WHERE y.phone_number = i.phone_number AND z.user_id = cp.user_id
      AND x.status IN ('initiated', 'dialing')
      AND coalesce(x.initiated_at, x.claimed_at) > $10::timestamptz - make_interval(hours => l.hours)
  ) m
  WHERE l.purposes ? cp.purpose
  GROUP BY i.campaign_id, i.contact_id, i.attempt
),
checked AS (
  SELECT i.*, cp.user_id, cp.max_attempts,
    c.id IS NOT NULL AS contact_exists,
    c.phone_number = i.phone_number AS number_matches,
    i.attempt <= cp.max_attempts AS attempt_allowed,
    cp.status AS campaign_status,
    c.final_outcome,
    EXISTS (SELECT 1 FROM call_attempts x WHERE x.campaign_id = i.campaign_id AND x.contact_id = i.contact_id
            AND x.attempt > i.attempt) AS later_exists,
    i.attempt = 1 OR EXISTS (SELECT 1 FROM call_attempts x WHERE x.campaign_id = i.campaign_id
            AND x.contact_id = i.contact_id AND x.attempt = i.attempt - 1) AS previous_exists,
    coalesce(lm.over_limit, false) AS over_limit,
    lm.limit_resets_at,
    coalesce(lm.limits, '[]'::jsonb) AS limits,
    (SELECT x.status FROM call_attempts x WHERE x.campaign_id = i.campaign_id AND x.contact_id = i.contact_id
       AND x.attempt = i.attempt) AS before_status,
    -- An opt-out in any of the owner's campaigns ends calls to the number in all of them (FCC 24-24).
    EXISTS (SELECT 1 FROM contacts o JOIN campaigns oc ON oc.id = o.campaign_id
            WHERE o.phone_number = i.phone_number AND o.final_outcome = 'opted_out' AND oc.user_id = cp.user_id)
      AS opted_out,
    cp.caller_id, cp.call_flow, c.attributes
  FROM input i
  LEFT JOIN contacts c ON c.campaign_id = i.campaign_id AND c.id = i.contact_id
  LEFT JOIN campaigns cp ON cp.id = i.campaign_id
  LEFT JOIN limited lm ON lm.campaign_id = i.campaign_id AND lm.contact_id = i.contact_id AND lm.attempt = i.attempt
),
claimed AS (
  INSERT INTO call_attempts AS ca (campaign_id, contact_id, attempt, status, claimed_at, compliance)
  SELECT k.campaign_id, k.contact_id, k.attempt, k.effective_target,
    CASE WHEN k.effective_target = 'dialing' THEN $10::timestamptz END,
    k.given || jsonb_build_object('claimedAt', $10::timestamptz, 'attempt', k.attempt, 'maxAttempts', k.max_attempts,
      'recipientLimits', k.limits, 'optedOutInOwnersCampaigns', k.opted_out)
  FROM (SELECT *, CASE WHEN target = 'dialing' AND opted_out THEN 'skipped_blacklisted' ELSE target END
          AS effective_target FROM checked) k
  -- Only the contact's stored number is ever called, only its next attempt, up to the campaign's maximum, while
  -- the campaign runs, the contact is not done, inside its calling hours now, and the number under its limits.
  WHERE k.contact_exists AND k.number_matches AND k.attempt_allowed AND k.campaign_status = 'running'
    AND k.final_outcome IS NULL AND NOT k.later_exists AND k.previous_exists
    AND (k.effective_target <> 'dialing' OR (k.hours_open AND NOT k.over_limit))
  ON CONFLICT (campaign_id, contact_id, attempt) DO UPDATE
    SET status = excluded.status, claimed_at = excluded.claimed_at, compliance = excluded.compliance,
      updated_at = $10::timestamptz
    -- A live claim (a call may be going out) is never taken over, not even to record a skip: that record would be
    -- false. Only a claim whose lease ran out (its invocation died) may be.
    WHERE ca.status = 'queued'
       OR (ca.status = 'dialing'
           AND (ca.claimed_at IS NULL OR ca.claimed_at < $10::timestamptz - make_interval(secs => $5)))
  RETURNING ca.campaign_id, ca.contact_id, ca.attempt
)
SELECT k.campaign_id, k.contact_id, k.attempt, k.target,
       cl.attempt IS NOT NULL AS claimed,
       k.contact_exists, k.number_matches, k.attempt_allowed, k.campaign_status, k.final_outcome,
       k.later_exists, k.previous_exists, k.hours_open, k.over_limit, k.limit_resets_at, k.before_status,
       k.caller_id, k.call_flow, k.attributes, k.opted_out
FROM checked k
LEFT JOIN claimed cl
  ON cl.campaign_id = k.campaign_id AND cl.contact_id = k.contact_id AND cl.attempt = k.attempt`;

// What the claim decided for contacts: one whose task was not dialled for a reason of time goes back to the
// schedule, due again at `at`, its released attempt no longer queued (nor counted in flight: the scheduler releases
// it again then); one whose number is listed is done (`do_not_call`), never called in this campaign.
const CONTACT_STEPS_SQL = `
WITH steps AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::timestamptz[], $5::text[])
    AS d(campaign_id, contact_id, attempt, at, final)
),
unqueued AS (
  DELETE FROM call_attempts a USING steps d
  WHERE a.campaign_id = d.campaign_id AND a.contact_id = d.contact_id AND a.attempt = d.attempt
    AND a.status = 'queued' AND d.final IS NULL
)
UPDATE contacts c SET next_call_at = CASE WHEN d.final IS NULL THEN d.at END, final_outcome = d.final
FROM steps d
WHERE c.campaign_id = d.campaign_id AND c.id = d.contact_id AND c.final_outcome IS NULL`;

// One number's claims one at a time, across every invocation (the locks, in a fixed order), and what the calling
// hours of each task's contact are made of: its zones and its campaign's window. One round trip.
const LOCK_AND_FACTS_SQL = `
WITH locked AS MATERIALIZED (
  SELECT count(pg_advisory_xact_lock(hashtext(n))) AS numbers
  FROM (SELECT DISTINCT unnest($3::text[]) AS n ORDER BY 1) AS ordered
)
SELECT i.campaign_id, i.contact_id, c.given_time_zone, c.us_state, c.postal_code, cp.calling_window, cp.blocked_dates,
  l.numbers
FROM locked l
CROSS JOIN unnest($1::text[], $2::text[]) AS i(campaign_id, contact_id)
JOIN contacts c ON c.campaign_id = i.campaign_id AND c.id = i.contact_id
JOIN campaigns cp ON cp.id = i.campaign_id`;

// A sent call's record gains when it was sent and the local time then in each of the contact's zones.
const OUTCOMES_SQL = `
UPDATE call_attempts ca
SET status = CASE WHEN o.initiated THEN 'initiated' ELSE ca.status END,
    initiated_at = CASE WHEN o.initiated THEN $6::timestamptz ELSE ca.initiated_at END,
    claimed_at = CASE WHEN o.initiated THEN ca.claimed_at END,
    compliance = CASE WHEN o.initiated THEN coalesce(ca.compliance, '{}') || o.sent ELSE ca.compliance END,
    updated_at = $6::timestamptz
FROM unnest($1::text[], $2::text[], $3::int[], $4::bool[], $5::jsonb[])
  AS o(campaign_id, contact_id, attempt, initiated, sent)
WHERE ca.campaign_id = o.campaign_id AND ca.contact_id = o.contact_id AND ca.attempt = o.attempt
  AND ca.status = 'dialing'`;

interface ClaimRow {
  campaign_id: string;
  contact_id: string;
  attempt: number;
  target: string;
  claimed: boolean;
  contact_exists: boolean;
  number_matches: boolean | null;
  attempt_allowed: boolean | null;
  campaign_status: string | null;
  final_outcome: string | null;
  later_exists: boolean;
  previous_exists: boolean;
  hours_open: boolean;
  over_limit: boolean;
  limit_resets_at: Date | null;
  before_status: string | null;
  caller_id: string | null;
  call_flow: string | null;
  attributes: Record<string, string> | null;
  opted_out: boolean;
}

/** The facts a claim row gives, as the domain reads them. */
function claimFactsOf(row: ClaimRow): ClaimFacts {
  return {
    claimed: row.claimed,
    target: row.target as ClaimFacts['target'],
    contactExists: row.contact_exists,
    numberMatches: row.number_matches === true,
    attemptAllowed: row.attempt_allowed === true,
    campaignStatus: row.campaign_status,
    finalOutcome: row.final_outcome,
    laterExists: row.later_exists,
    previousExists: row.previous_exists,
    hoursOpen: row.hours_open,
    overLimit: row.over_limit,
    limitResetsAt: row.limit_resets_at,
    beforeStatus: row.before_status,
    optedOut: row.opted_out,
  };
}

export function createAttemptRepository(db: Database): AttemptRepository {
  return {
    claim(requests, { leaseSeconds, limits, at, hours }) {
      if (requests.length === 0) return Promise.resolve({ results: new Map(), calls: new Map() });
      return db.transaction(async (query) => {
        // One number's claims one at a time, across every invocation: the count of its recent calls that decides
        // the limit is then read after any other claim of it committed (read committed: a fresh snapshot). With the
        // locks, the facts of each contact's calling hours now; a task whose contact does not exist is refused by
        // the claim below.
        const facts = await query<{
          campaign_id: string;
          contact_id: string;
          given_time_zone: string | null;
          us_state: string | null;
          postal_code: string | null;
          calling_window: Window;
          blocked_dates: string[];
        }>(LOCK_AND_FACTS_SQL, [
          requests.map((r) => r.campaignId),
          requests.map((r) => r.contactId),
          requests.map((r) => r.phoneNumber),
        ]);
        const factsOf = new Map(facts.rows.map((row) => [`${row.campaign_id}:${row.contact_id}`, row]));
        const verdicts = new Map(
          requests.map((r) => {
            const fact = factsOf.get(`${r.campaignId}:${r.contactId}`);
            const verdict =
              fact === undefined
                ? undefined
                : hours({
                    phoneNumber: r.phoneNumber,
                    timeZone: fact.given_time_zone,
                    usState: fact.us_state,
                    postalCode: fact.postal_code,
                    callingWindow: fact.calling_window,
                    blockedDates: fact.blocked_dates,
                  });
            return [dialIdOf(r), verdict] as const;
          }),
        );
        const results = new Map<string, ClaimResult>();
        const calls = new Map<string, CallSettings>();
        const steps: Array<{ row: ClaimRow; at: Date | null; final: 'do_not_call' | null }> = [];
        // One statement counts a number's recent calls once for all of its rows, so two tasks of one number in a
        // batch (two campaigns calling it) would both pass the limit: each round holds a number at most once, and
        // a later round's statement sees the claims of the rounds before it (one transaction).
        for (const round of claimRounds(requests)) {
          const { rows } = await query<ClaimRow>(CLAIM_SQL, [
            round.map((r) => r.campaignId),
            round.map((r) => r.contactId),
            round.map((r) => r.attempt),
            round.map((r) => (r.intent === 'dial' ? 'dialing' : 'skipped_blacklisted')),
            leaseSeconds,
            round.map((r) => r.phoneNumber),
            JSON.stringify(limits),
            round.map((r) =>
              JSON.stringify({ ...r.record, callingHours: verdicts.get(dialIdOf(r))?.record }),
            ),
            round.map((r) => verdicts.get(dialIdOf(r))?.open ?? false),
            at,
          ]);
          for (const row of rows) {
            const dialId = dialIdOf({
              campaignId: row.campaign_id,
              contactId: row.contact_id,
              attempt: row.attempt,
            });
            const verdict = verdicts.get(dialId);
            const facts = claimFactsOf(row);
            const result = claimResultOf(facts);
            results.set(dialId, result);
            calls.set(dialId, {
              callerId: row.caller_id,
              callFlow: row.call_flow,
              attributes: row.attributes ?? {},
              zones: verdict?.zones ?? [],
            });
            const opensAt = verdict && !verdict.open ? verdict.opensAt : undefined;
            const until = dueAgainAt(facts, result, at, opensAt);
            if (until !== undefined) steps.push({ row, at: until, final: null });
            if ((result === 'claimed' && row.target === 'skipped_blacklisted') || result === 'opted_out')
              steps.push({ row, at: null, final: 'do_not_call' });
          }
        }
        if (steps.length > 0) {
          await query(CONTACT_STEPS_SQL, [
            steps.map((d) => d.row.campaign_id),
            steps.map((d) => d.row.contact_id),
            steps.map((d) => d.row.attempt),
            steps.map((d) => d.at),
            steps.map((d) => d.final),
          ]);
        }
        return { results, calls };
      });
    },

    async recordOutcomes({ initiated, released }, at) {
      if (initiated.length + released.length === 0) return;
      const updates = [
        ...initiated.map((sent) => ({ key: sent, initiated: true, record: sent.record })),
        ...released.map((key) => ({ key, initiated: false, record: {} })),
      ];
      await db.query(OUTCOMES_SQL, [
        updates.map((u) => u.key.campaignId),
        updates.map((u) => u.key.contactId),
        updates.map((u) => u.key.attempt),
        updates.map((u) => u.initiated),
        updates.map((u) => JSON.stringify(u.record)),
        at,
      ]);
    },
  };
}
