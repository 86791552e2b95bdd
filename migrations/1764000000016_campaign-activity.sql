-- Up Migration

-- A campaign's activity in 15-minute buckets (docs/dashboard.md): calls placed (and first calls, the contacts
-- reached for the first time), numbers skipped for the do-not-call list, and results by outcome with opt-outs, each
-- counted in the bucket of the time it happened (the campaign's clock: initiated_at, the claim's time, result_at).
-- Kept by the triggers below in the statement that changes the attempts, so it is never behind them and the metrics
-- route reads at most a few thousand rows for any campaign, however many attempts it has.
CREATE TABLE campaign_activity (
  campaign_id text NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  bucket_start timestamptz NOT NULL,
  dialled integer NOT NULL DEFAULT 0,
  first_dialled integer NOT NULL DEFAULT 0,
  dnc_skipped integer NOT NULL DEFAULT 0,
  answered integer NOT NULL DEFAULT 0,
  machine integer NOT NULL DEFAULT 0,
  busy integer NOT NULL DEFAULT 0,
  no_answer integer NOT NULL DEFAULT 0,
  failed integer NOT NULL DEFAULT 0,
  invalid_number integer NOT NULL DEFAULT 0,
  opted_out integer NOT NULL DEFAULT 0,
  PRIMARY KEY (campaign_id, bucket_start)
);

-- Adds events (an attempt's campaign, when, what: 'dial', 'first_dial', 'skip', 'opt_out' or an outcome) to their
-- buckets: one upsert per statement that changed attempts, the buckets in key order so that two writers never wait
-- on each other in opposite orders.
CREATE FUNCTION add_campaign_activity(campaign_ids text[], ats timestamptz[], kinds text[])
RETURNS void
LANGUAGE sql
AS $$
  INSERT INTO campaign_activity AS a (campaign_id, bucket_start, dialled, first_dialled, dnc_skipped, answered,
    machine, busy, no_answer, failed, invalid_number, opted_out)
  SELECT e.campaign_id, date_bin('15 minutes', e.at, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS bucket,
    count(*) FILTER (WHERE e.kind IN ('dial', 'first_dial')),
    count(*) FILTER (WHERE e.kind = 'first_dial'),
    count(*) FILTER (WHERE e.kind = 'skip'),
    count(*) FILTER (WHERE e.kind = 'answered'),
    count(*) FILTER (WHERE e.kind = 'machine'),
    count(*) FILTER (WHERE e.kind = 'busy'),
    count(*) FILTER (WHERE e.kind = 'no_answer'),
    count(*) FILTER (WHERE e.kind = 'failed'),
    count(*) FILTER (WHERE e.kind = 'invalid_number'),
    count(*) FILTER (WHERE e.kind = 'opt_out')
  FROM unnest(campaign_ids, ats, kinds) AS e(campaign_id, at, kind)
  WHERE e.at IS NOT NULL
  GROUP BY 1, 2
  ORDER BY 1, 2
  ON CONFLICT (campaign_id, bucket_start) DO UPDATE SET
    dialled = a.dialled + excluded.dialled,
    first_dialled = a.first_dialled + excluded.first_dialled,
    dnc_skipped = a.dnc_skipped + excluded.dnc_skipped,
    answered = a.answered + excluded.answered,
    machine = a.machine + excluded.machine,
    busy = a.busy + excluded.busy,
    no_answer = a.no_answer + excluded.no_answer,
    failed = a.failed + excluded.failed,
    invalid_number = a.invalid_number + excluded.invalid_number,
    opted_out = a.opted_out + excluded.opted_out
$$;

-- What an attempt became that it was not before (`o` null: a new row): a call placed (initiated_at set), a skip for
-- the list (status skipped_blacklisted, at the claim's time), an outcome (set once: a result delivered again changes
-- nothing) and an opt-out.
CREATE FUNCTION attempt_events(n call_attempts, o call_attempts)
RETURNS TABLE (campaign_id text, at timestamptz, kind text)
LANGUAGE sql
AS $$
  SELECT n.campaign_id, e.at, e.kind
  FROM (VALUES
    (CASE WHEN o.initiated_at IS NULL THEN n.initiated_at END,
      CASE WHEN n.attempt = 1 THEN 'first_dial' ELSE 'dial' END),
    (CASE WHEN n.status = 'skipped_blacklisted' AND o.status IS DISTINCT FROM 'skipped_blacklisted'
      THEN coalesce((n.compliance ->> 'claimedAt')::timestamptz, n.updated_at) END, 'skip'),
    (CASE WHEN o.outcome IS NULL THEN n.result_at END, n.outcome),
    (CASE WHEN n.opt_out AND o.opt_out IS NOT TRUE THEN n.result_at END, 'opt_out')
  ) AS e(at, kind)
  WHERE e.at IS NOT NULL AND e.kind IS NOT NULL
$$;

CREATE FUNCTION record_campaign_activity() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM add_campaign_activity(array_agg(e.campaign_id), array_agg(e.at), array_agg(e.kind))
    FROM new_rows n CROSS JOIN LATERAL attempt_events(n, NULL) e
    HAVING count(*) > 0;
  ELSE
    PERFORM add_campaign_activity(array_agg(e.campaign_id), array_agg(e.at), array_agg(e.kind))
    FROM new_rows n
    JOIN old_rows o ON o.campaign_id = n.campaign_id AND o.contact_id = n.contact_id AND o.attempt = n.attempt
    CROSS JOIN LATERAL attempt_events(n, o) e
    HAVING count(*) > 0;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER call_attempts_activity_insert AFTER INSERT ON call_attempts
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION record_campaign_activity();
CREATE TRIGGER call_attempts_activity_update AFTER UPDATE ON call_attempts
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION record_campaign_activity();

-- The activity of the attempts already recorded.
SELECT add_campaign_activity(array_agg(e.campaign_id), array_agg(e.at), array_agg(e.kind))
FROM call_attempts n CROSS JOIN LATERAL attempt_events(n, NULL) e
HAVING count(*) > 0;

-- Down Migration
DROP TRIGGER call_attempts_activity_update ON call_attempts;
DROP TRIGGER call_attempts_activity_insert ON call_attempts;
DROP FUNCTION record_campaign_activity();
DROP FUNCTION attempt_events(call_attempts, call_attempts);
DROP FUNCTION add_campaign_activity(text[], timestamptz[], text[]);
DROP TABLE campaign_activity;
