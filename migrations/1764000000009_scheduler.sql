-- Up Migration

-- The scheduler (src/services/scheduler.ts) releases a running campaign's due contacts a minute at a time. A contact
-- is open until it has its final outcome; an open contact is due at `next_call_at`: from when it is added, again
-- after a retry's delay, at its calling window's next opening, or, once released, when its call should have been
-- heard of (a task lost on the way is released again). Final outcomes gain the scheduler's and the operator's:
-- a listed number (do_not_call), a cancelled campaign's contacts (cancelled), and those left when it ended (expired).
ALTER TABLE contacts ALTER COLUMN next_call_at SET DEFAULT now();
UPDATE contacts SET next_call_at = created_at WHERE next_call_at IS NULL AND final_outcome IS NULL;
ALTER TABLE contacts DROP CONSTRAINT contacts_final_outcome_check;
ALTER TABLE contacts ADD CONSTRAINT contacts_final_outcome_check CHECK (final_outcome IN (
  'answered', 'invalid_number', 'opted_out', 'max_attempts', 'do_not_call', 'cancelled', 'expired'));
-- Due contacts, and whether any contact is still open, are read through this index only: a tick reads the rows it
-- releases (and those it moves on), never the whole campaign. Final contacts leave it.
DROP INDEX contacts_due_idx;
CREATE INDEX contacts_open_idx ON contacts (campaign_id, next_call_at) WHERE final_outcome IS NULL;

-- Calls in flight of a campaign (released, being placed, or ringing without a result yet), counted against its
-- maxConcurrentCalls at every tick: a result leaves the index.
CREATE INDEX call_attempts_in_flight_idx ON call_attempts (campaign_id)
  WHERE outcome IS NULL AND status IN ('queued', 'dialing', 'initiated');

-- The campaigns a tick looks at.
CREATE INDEX campaigns_active_idx ON campaigns (status) WHERE status IN ('running', 'cancelled');
ALTER TABLE campaigns
  ADD COLUMN paused_at timestamptz,
  ADD COLUMN completed_at timestamptz,
  -- A cancelled campaign's open contacts are marked cancelled by the ticks after it, in chunks; then this is set.
  ADD COLUMN closed_at timestamptz,
  -- The last tick that looked at the campaign, and what it released.
  ADD COLUMN last_tick_at timestamptz,
  ADD COLUMN last_released integer;

-- Down Migration
ALTER TABLE campaigns DROP COLUMN paused_at, DROP COLUMN completed_at, DROP COLUMN closed_at,
  DROP COLUMN last_tick_at, DROP COLUMN last_released;
DROP INDEX campaigns_active_idx;
DROP INDEX call_attempts_in_flight_idx;
DROP INDEX contacts_open_idx;
CREATE INDEX contacts_due_idx ON contacts (campaign_id, next_call_at) WHERE next_call_at IS NOT NULL;
UPDATE contacts SET final_outcome = NULL WHERE final_outcome IN ('do_not_call', 'cancelled', 'expired');
ALTER TABLE contacts DROP CONSTRAINT contacts_final_outcome_check;
ALTER TABLE contacts ADD CONSTRAINT contacts_final_outcome_check CHECK (final_outcome IN (
  'answered', 'invalid_number', 'opted_out', 'max_attempts'));
ALTER TABLE contacts ALTER COLUMN next_call_at DROP DEFAULT;
