-- Up Migration

-- A campaign's settings, set when it is created through the API (defaults for all but name, caller id and call
-- flow). The calling window is local time in each contact's zone; it can only narrow the legal hours.
ALTER TABLE campaigns
  ADD COLUMN caller_id text CHECK (caller_id ~ '^\+[1-9][0-9]{6,14}$'),
  ADD COLUMN call_flow text,
  ADD COLUMN default_region text CHECK (default_region ~ '^[A-Z]{2}$'),
  ADD COLUMN default_time_zone text,
  ADD COLUMN calling_window jsonb,
  ADD COLUMN max_attempts integer CHECK (max_attempts BETWEEN 1 AND 10),
  ADD COLUMN retry_delays jsonb,
  ADD COLUMN pacing jsonb,
  ADD COLUMN start_at timestamptz,
  ADD COLUMN end_at timestamptz,
  ADD COLUMN cancelled_at timestamptz,
  -- A retried create (same Idempotency-Key from the same user) finds the campaign it made.
  ADD COLUMN idempotency_key text;
-- Every campaign has complete settings: one made without the API (before it existed, or by SQL) gets the defaults
-- the API gives (src/services/campaignSettings.ts, DEFAULT_SETTINGS); only its caller id and call flow stay unset.
ALTER TABLE campaigns
  ALTER COLUMN default_region SET DEFAULT 'US',
  ALTER COLUMN default_time_zone SET DEFAULT 'America/New_York',
  ALTER COLUMN calling_window SET DEFAULT '{"start":"09:00","end":"20:00","days":["mon","tue","wed","thu","fri","sat"]}',
  ALTER COLUMN max_attempts SET DEFAULT 3,
  ALTER COLUMN retry_delays SET DEFAULT '{"busy":15,"no_answer":60,"machine":240,"failed":30}',
  ALTER COLUMN pacing SET DEFAULT '{"callsPerMinute":60,"maxConcurrentCalls":10}';
UPDATE campaigns SET default_region = DEFAULT, default_time_zone = DEFAULT, calling_window = DEFAULT,
  max_attempts = DEFAULT, retry_delays = DEFAULT, pacing = DEFAULT;
ALTER TABLE campaigns
  ALTER COLUMN default_region SET NOT NULL, ALTER COLUMN default_time_zone SET NOT NULL,
  ALTER COLUMN calling_window SET NOT NULL, ALTER COLUMN max_attempts SET NOT NULL,
  ALTER COLUMN retry_delays SET NOT NULL, ALTER COLUMN pacing SET NOT NULL;
CREATE UNIQUE INDEX campaigns_idempotency_idx ON campaigns (user_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
-- A user's campaigns, newest first, by keyset (created_at, id).
CREATE INDEX campaigns_user_newest_idx ON campaigns (user_id, created_at DESC, id DESC);

-- Down Migration
DROP INDEX campaigns_user_newest_idx;
DROP INDEX campaigns_idempotency_idx;
ALTER TABLE campaigns
  DROP COLUMN caller_id, DROP COLUMN call_flow, DROP COLUMN default_region, DROP COLUMN default_time_zone,
  DROP COLUMN calling_window, DROP COLUMN max_attempts, DROP COLUMN retry_delays, DROP COLUMN pacing,
  DROP COLUMN start_at, DROP COLUMN end_at, DROP COLUMN cancelled_at, DROP COLUMN idempotency_key;
