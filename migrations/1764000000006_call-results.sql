-- Up Migration

-- What the telephony workers report of each call (docs/telephony.md): its outcome, whether the person opted out,
-- and the rest of the result as reported (times, duration, hang-up cause). Written once: a result delivered again
-- finds `outcome` set and changes nothing.
ALTER TABLE call_attempts
  ADD COLUMN outcome text
    CHECK (outcome IN ('answered', 'machine', 'busy', 'no_answer', 'failed', 'invalid_number')),
  ADD COLUMN opt_out boolean,
  ADD COLUMN result jsonb,
  ADD COLUMN result_at timestamptz;

-- A contact's next step after a result: due again at `next_call_at` (a retry, by the campaign's delay for the
-- outcome), or done with `final_outcome` (answered, invalid_number, opted_out, max_attempts).
ALTER TABLE contacts
  ADD COLUMN next_call_at timestamptz,
  ADD COLUMN final_outcome text
    CHECK (final_outcome IN ('answered', 'invalid_number', 'opted_out', 'max_attempts'));
-- Due contacts are found through this index, campaign by campaign, never by a scan.
CREATE INDEX contacts_due_idx ON contacts (campaign_id, next_call_at) WHERE next_call_at IS NOT NULL;

-- Down Migration
DROP INDEX contacts_due_idx;
ALTER TABLE contacts DROP COLUMN next_call_at, DROP COLUMN final_outcome;
ALTER TABLE call_attempts DROP COLUMN outcome, DROP COLUMN opt_out, DROP COLUMN result, DROP COLUMN result_at;
