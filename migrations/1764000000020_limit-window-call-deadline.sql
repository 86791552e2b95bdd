-- Up Migration

-- A call is placed when the telephony starts it, up to the call deadline (CALL_DEADLINE_SECONDS) after the dialer
-- claimed it; its claim time is what the limits counted. A number's earlier call claimed just before a limit's window
-- could still have been placed inside it: a stack audit across two campaigns found a number placed 4 times in 24
-- hours (the first of them claimed 3.5 minutes before the window, placed inside it). The limits' windows are widened by
-- the call deadline (`call_deadline_seconds`), so every call counted could have been placed within the window, and a
-- number at its limit is due again that much later; the compliance record says by how much.
DROP FUNCTION claim_attempts(text[], text[], integer[], text[], text[], jsonb[], boolean[], jsonb[], integer[],
  integer, jsonb, timestamptz);

CREATE FUNCTION claim_attempts(
  campaign_ids text[], contact_ids text[], attempt_numbers integer[], claim_targets text[], phone_numbers text[],
  givens jsonb[], hours_opens boolean[], facts_seen jsonb[], rounds integer[], lease_seconds integer,
  recipient_limits jsonb, at_time timestamptz, call_deadline_seconds integer
)
RETURNS TABLE (
  campaign_id text, contact_id text, attempt integer, target text, claimed boolean, contact_exists boolean,
  number_matches boolean, attempt_allowed boolean, campaign_status text, final_outcome text, later_exists boolean,
  previous_exists boolean, hours_open boolean, facts_current boolean, over_limit boolean,
  limit_resets_at timestamptz, before_status text, caller_id text, call_flow text, attributes jsonb, opted_out boolean
)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  claim_round integer;
BEGIN
  PERFORM count(pg_advisory_xact_lock(hashtext(ordered.n)))
  FROM (SELECT DISTINCT unnest(phone_numbers) AS n ORDER BY 1) AS ordered;

  FOR claim_round IN 1 .. coalesce((SELECT max(r) FROM unnest(rounds) AS r), 0) LOOP
    -- Every CTE sees the tables as they were before the statement, so `before_status` is the status the claim found.
    RETURN QUERY
    WITH input AS (
      SELECT DISTINCT ON (u.campaign_id, u.contact_id, u.attempt) *
      FROM unnest(campaign_ids, contact_ids, attempt_numbers, claim_targets, phone_numbers, givens, hours_opens,
                  facts_seen, rounds)
        AS u(campaign_id, contact_id, attempt, target, phone_number, given, hours_open, facts, round)
      WHERE u.round = claim_round
    ),
    limited AS (
      SELECT i.campaign_id, i.contact_id, i.attempt,
        jsonb_agg(jsonb_build_object('id', l.id, 'calls', l.calls, 'hours', l.hours, 'made', m.made) ORDER BY l.id)
          AS limits,
        bool_or(m.made >= l.calls) AS over_limit,
        max(CASE WHEN m.made >= l.calls
              THEN m.oldest + make_interval(hours => l.hours, secs => call_deadline_seconds) END) AS limit_resets_at
      FROM input i
      JOIN campaigns cp ON cp.id = i.campaign_id
      CROSS JOIN LATERAL jsonb_to_recordset(recipient_limits) AS l(id text, purposes jsonb, calls int, hours int)
      CROSS JOIN LATERAL (
        SELECT count(*) FILTER (WHERE NOT (x.campaign_id = i.campaign_id AND x.contact_id = i.contact_id
                                           AND x.attempt = i.attempt)) AS made,
          min(coalesce(x.initiated_at, x.claimed_at)) AS oldest
        FROM contacts y
        JOIN call_attempts x ON x.campaign_id = y.campaign_id AND x.contact_id = y.id
        JOIN campaigns z ON z.id = y.campaign_id
        WHERE y.phone_number = i.phone_number AND z.user_id = cp.user_id
          AND x.status IN ('initiated', 'dialing')
          AND coalesce(x.initiated_at, x.claimed_at)
              > at_time - make_interval(hours => l.hours, secs => call_deadline_seconds)
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
        coalesce(calling_facts(c, cp) = i.facts, false) AS facts_current,
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
      LEFT JOIN limited lm
        ON lm.campaign_id = i.campaign_id AND lm.contact_id = i.contact_id AND lm.attempt = i.attempt
    ),
    taken AS (
      INSERT INTO call_attempts AS ca (campaign_id, contact_id, attempt, status, claimed_at, compliance)
      SELECT k.campaign_id, k.contact_id, k.attempt, k.effective_target,
        CASE WHEN k.effective_target = 'dialing' THEN at_time END,
        k.given || jsonb_build_object('claimedAt', at_time, 'attempt', k.attempt, 'maxAttempts', k.max_attempts,
          'recipientLimits', k.limits, 'limitWindowsWidenedBySeconds', call_deadline_seconds,
          'optedOutInOwnersCampaigns', k.opted_out)
      FROM (SELECT *, CASE WHEN ch.target = 'dialing' AND ch.opted_out THEN 'skipped_blacklisted' ELSE ch.target END
              AS effective_target FROM checked ch) k
      -- Only the contact's stored number is ever called, only its next attempt, up to the campaign's maximum, while
      -- the campaign runs, the contact is not done, inside its calling hours now (checked on the facts it has now),
      -- and the number under its limits.
      WHERE k.contact_exists AND k.number_matches AND k.attempt_allowed AND k.campaign_status = 'running'
        AND k.final_outcome IS NULL AND NOT k.later_exists AND k.previous_exists
        AND (k.effective_target <> 'dialing' OR (k.hours_open AND k.facts_current AND NOT k.over_limit))
      ON CONFLICT (campaign_id, contact_id, attempt) DO UPDATE
        SET status = excluded.status, claimed_at = excluded.claimed_at, compliance = excluded.compliance,
          updated_at = at_time
        -- A live claim (a call may be going out) is never taken over, not even to record a skip: that record would
        -- be false. Only a claim whose lease ran out (its invocation died) may be.
        WHERE ca.status = 'queued'
           OR (ca.status = 'dialing'
               AND (ca.claimed_at IS NULL OR ca.claimed_at < at_time - make_interval(secs => lease_seconds)))
      RETURNING ca.campaign_id, ca.contact_id, ca.attempt
    )
    SELECT k.campaign_id, k.contact_id, k.attempt, k.target,
           cl.attempt IS NOT NULL,
           k.contact_exists, k.number_matches, k.attempt_allowed, k.campaign_status, k.final_outcome,
           k.later_exists, k.previous_exists, k.hours_open, k.facts_current, k.over_limit, k.limit_resets_at,
           k.before_status, k.caller_id, k.call_flow, k.attributes, k.opted_out
    FROM checked k
    LEFT JOIN taken cl
      ON cl.campaign_id = k.campaign_id AND cl.contact_id = k.contact_id AND cl.attempt = k.attempt;
  END LOOP;
END
$$;

-- Down Migration
DROP FUNCTION claim_attempts(text[], text[], integer[], text[], text[], jsonb[], boolean[], jsonb[], integer[],
  integer, jsonb, timestamptz, integer);

CREATE FUNCTION claim_attempts(
  campaign_ids text[], contact_ids text[], attempt_numbers integer[], claim_targets text[], phone_numbers text[],
  givens jsonb[], hours_opens boolean[], facts_seen jsonb[], rounds integer[], lease_seconds integer,
  recipient_limits jsonb, at_time timestamptz
)
RETURNS TABLE (
  campaign_id text, contact_id text, attempt integer, target text, claimed boolean, contact_exists boolean,
  number_matches boolean, attempt_allowed boolean, campaign_status text, final_outcome text, later_exists boolean,
  previous_exists boolean, hours_open boolean, facts_current boolean, over_limit boolean,
  limit_resets_at timestamptz, before_status text, caller_id text, call_flow text, attributes jsonb, opted_out boolean
)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  claim_round integer;
BEGIN
  PERFORM count(pg_advisory_xact_lock(hashtext(ordered.n)))
  FROM (SELECT DISTINCT unnest(phone_numbers) AS n ORDER BY 1) AS ordered;

  FOR claim_round IN 1 .. coalesce((SELECT max(r) FROM unnest(rounds) AS r), 0) LOOP
    -- Every CTE sees the tables as they were before the statement, so `before_status` is the status the claim found.
    RETURN QUERY
    WITH input AS (
      SELECT DISTINCT ON (u.campaign_id, u.contact_id, u.attempt) *
      FROM unnest(campaign_ids, contact_ids, attempt_numbers, claim_targets, phone_numbers, givens, hours_opens,
                  facts_seen, rounds)
        AS u(campaign_id, contact_id, attempt, target, phone_number, given, hours_open, facts, round)
      WHERE u.round = claim_round
    ),
    limited AS (
      SELECT i.campaign_id, i.contact_id, i.attempt,
        jsonb_agg(jsonb_build_object('id', l.id, 'calls', l.calls, 'hours', l.hours, 'made', m.made) ORDER BY l.id)
          AS limits,
        bool_or(m.made >= l.calls) AS over_limit,
        max(CASE WHEN m.made >= l.calls THEN m.oldest + make_interval(hours => l.hours) END) AS limit_resets_at
      FROM input i
      JOIN campaigns cp ON cp.id = i.campaign_id
      CROSS JOIN LATERAL jsonb_to_recordset(recipient_limits) AS l(id text, purposes jsonb, calls int, hours int)
      CROSS JOIN LATERAL (
        SELECT count(*) FILTER (WHERE NOT (x.campaign_id = i.campaign_id AND x.contact_id = i.contact_id
                                           AND x.attempt = i.attempt)) AS made,
          min(coalesce(x.initiated_at, x.claimed_at)) AS oldest
        FROM contacts y
        JOIN call_attempts x ON x.campaign_id = y.campaign_id AND x.contact_id = y.id
        JOIN campaigns z ON z.id = y.campaign_id
        WHERE y.phone_number = i.phone_number AND z.user_id = cp.user_id
          AND x.status IN ('initiated', 'dialing')
          AND coalesce(x.initiated_at, x.claimed_at) > at_time - make_interval(hours => l.hours)
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
        coalesce(calling_facts(c, cp) = i.facts, false) AS facts_current,
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
      LEFT JOIN limited lm
        ON lm.campaign_id = i.campaign_id AND lm.contact_id = i.contact_id AND lm.attempt = i.attempt
    ),
    taken AS (
      INSERT INTO call_attempts AS ca (campaign_id, contact_id, attempt, status, claimed_at, compliance)
      SELECT k.campaign_id, k.contact_id, k.attempt, k.effective_target,
        CASE WHEN k.effective_target = 'dialing' THEN at_time END,
        k.given || jsonb_build_object('claimedAt', at_time, 'attempt', k.attempt, 'maxAttempts', k.max_attempts,
          'recipientLimits', k.limits, 'optedOutInOwnersCampaigns', k.opted_out)
      FROM (SELECT *, CASE WHEN ch.target = 'dialing' AND ch.opted_out THEN 'skipped_blacklisted' ELSE ch.target END
              AS effective_target FROM checked ch) k
      -- Only the contact's stored number is ever called, only its next attempt, up to the campaign's maximum, while
      -- the campaign runs, the contact is not done, inside its calling hours now (checked on the facts it has now),
      -- and the number under its limits.
      WHERE k.contact_exists AND k.number_matches AND k.attempt_allowed AND k.campaign_status = 'running'
        AND k.final_outcome IS NULL AND NOT k.later_exists AND k.previous_exists
        AND (k.effective_target <> 'dialing' OR (k.hours_open AND k.facts_current AND NOT k.over_limit))
      ON CONFLICT (campaign_id, contact_id, attempt) DO UPDATE
        SET status = excluded.status, claimed_at = excluded.claimed_at, compliance = excluded.compliance,
          updated_at = at_time
        -- A live claim (a call may be going out) is never taken over, not even to record a skip: that record would
        -- be false. Only a claim whose lease ran out (its invocation died) may be.
        WHERE ca.status = 'queued'
           OR (ca.status = 'dialing'
               AND (ca.claimed_at IS NULL OR ca.claimed_at < at_time - make_interval(secs => lease_seconds)))
      RETURNING ca.campaign_id, ca.contact_id, ca.attempt
    )
    SELECT k.campaign_id, k.contact_id, k.attempt, k.target,
           cl.attempt IS NOT NULL,
           k.contact_exists, k.number_matches, k.attempt_allowed, k.campaign_status, k.final_outcome,
           k.later_exists, k.previous_exists, k.hours_open, k.facts_current, k.over_limit, k.limit_resets_at,
           k.before_status, k.caller_id, k.call_flow, k.attributes, k.opted_out
    FROM checked k
    LEFT JOIN taken cl
      ON cl.campaign_id = k.campaign_id AND cl.contact_id = k.contact_id AND cl.attempt = k.attempt;
  END LOOP;
END
$$;
