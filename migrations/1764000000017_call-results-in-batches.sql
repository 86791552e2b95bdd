-- Up Migration

-- A batch of call results recorded in one statement (src/repositories/callResultRepository.ts): the numbers of the
-- opt-outs locked first (the lock every claim of a number takes, in the same order, so a claim after this commit sees
-- the opt-out), then each result written to its attempt unless one was written before (the first result counts),
-- then the next step of each contact whose result was written and planned (set_contact_steps: a contact already done
-- stays done). Answers the positions (1-based) of the results written. The batch's keys are distinct (the caller
-- keeps the first copy of a result delivered twice in one batch). PL/pgSQL: its statements are planned once per
-- session, and the update after the locks reads a snapshot taken after them.
CREATE FUNCTION record_call_results(
  campaign_ids text[], contact_ids text[], attempts integer[], outcomes text[], opt_outs boolean[], results jsonb[],
  retry_ats timestamptz[], finals text[], planned boolean[], recorded_at timestamptz
)
RETURNS integer[]
LANGUAGE plpgsql
AS $$
DECLARE
  written integer[];
BEGIN
  PERFORM count(pg_advisory_xact_lock(hashtext(o.phone_number)))
  FROM (
    SELECT DISTINCT c.phone_number
    FROM unnest(campaign_ids, contact_ids, opt_outs) AS s(campaign_id, contact_id, opt_out)
    JOIN contacts c ON c.campaign_id = s.campaign_id AND c.id = s.contact_id
    WHERE s.opt_out
    ORDER BY 1
  ) AS o;

  WITH input AS (
    SELECT * FROM unnest(campaign_ids, contact_ids, attempts, outcomes, opt_outs, results)
      WITH ORDINALITY AS s(campaign_id, contact_id, attempt, outcome, opt_out, result, position)
  ),
  updated AS (
    UPDATE call_attempts a
    SET outcome = s.outcome, opt_out = s.opt_out, result = s.result, result_at = recorded_at, updated_at = recorded_at
    FROM input s
    WHERE a.campaign_id = s.campaign_id AND a.contact_id = s.contact_id AND a.attempt = s.attempt
      AND a.outcome IS NULL
    RETURNING s.position
  )
  SELECT coalesce(array_agg(position::integer ORDER BY position), '{}') INTO written FROM updated;

  PERFORM set_contact_steps(array_agg(campaign_ids[p]), array_agg(contact_ids[p]), array_agg(retry_ats[p]),
    array_agg(finals[p]))
  FROM unnest(written) AS p
  WHERE planned[p]
  HAVING count(*) > 0;

  RETURN written;
END
$$;

-- Down Migration
DROP FUNCTION record_call_results(text[], text[], integer[], text[], boolean[], jsonb[], timestamptz[], text[],
  boolean[], timestamptz);
