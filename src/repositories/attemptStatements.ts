/**
 * The statements of src/repositories/attemptRepository.ts (the dialer's claim and the record of its calls), and the
 * claim's row as the domain reads it.
 */
import type { ClaimFacts } from '../domain/claim.ts';

// Every CTE sees the tables as they were before the statement, so `before_status` is the status the claim found. Each
// check is a lookup per task by primary key or index, never a join over a whole table. The limits are counted per
// task for each limit of its campaign's purpose: calls to its number by its owner in the limit's window, placed
// (initiated) or being placed (a claim to dial), this attempt's own claim aside.
export const CLAIM_SQL = `
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
export const CONTACT_STEPS_SQL = `
WITH steps AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::timestamptz[], $5::text[])
    AS d(campaign_id, contact_id, attempt, at, final)
),
unqueued AS (
  DELETE FROM call_attempts a USING steps d
  WHERE a.campaign_id = d.campaign_id AND a.contact_id = d.contact_id AND a.attempt = d.attempt
    AND a.status = 'queued' AND d.final IS NULL
)
SELECT set_contact_steps($1, $2, $4, $5)`;

// One number's claims one at a time, across every invocation (the locks, in a fixed order), and what the calling
// hours of each task's contact are made of: its zones and its campaign's window. One round trip.
export const LOCK_AND_FACTS_SQL = `
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
export const OUTCOMES_SQL = `
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

export interface ClaimRow {
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
export function claimFactsOf(row: ClaimRow): ClaimFacts {
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
