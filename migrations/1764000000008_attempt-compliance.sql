-- Up Migration

-- Why each attempt was allowed (or skipped), as known when it was decided: the rules version and limit applied,
-- the do-not-call check (when, and its answer), attempt n of the campaign's maximum, the number's calls in the last
-- 24 hours across the owner's campaigns, the contact's zones and where they came from, and, for a call sent, the
-- local time in each zone when it was sent. Never the number itself.
ALTER TABLE call_attempts ADD COLUMN compliance jsonb;

-- Down Migration
ALTER TABLE call_attempts DROP COLUMN compliance;
