-- Up Migration

-- A contact's next step, written in one place: due again at `at`, or done with `final` (its final outcome; then
-- `at` is ignored). A contact already done stays done: a late result of an earlier attempt, or a close racing a
-- result, never reopens or rewrites it. Every writer of `next_call_at` and `final_outcome` goes through this: the
-- scheduler's release and close, the dialer's claim (a contact sent back, or listed), a call's result. Answers how
-- many contacts it changed. PL/pgSQL, so a session plans the update once and reuses the plan (a SQL function's body
-- is planned on every call).
CREATE FUNCTION set_contact_steps(campaign_ids text[], contact_ids text[], ats timestamptz[], finals text[])
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
  changed integer;
BEGIN
  UPDATE contacts c
  SET next_call_at = CASE WHEN s.final IS NULL THEN s.at END, final_outcome = s.final
  FROM unnest(campaign_ids, contact_ids, ats, finals) AS s(campaign_id, contact_id, at, final)
  WHERE c.campaign_id = s.campaign_id AND c.id = s.contact_id AND c.final_outcome IS NULL;
  GET DIAGNOSTICS changed = ROW_COUNT;
  RETURN changed;
END
$$;

-- Down Migration
DROP FUNCTION set_contact_steps(text[], text[], timestamptz[], text[]);
