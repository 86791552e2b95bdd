-- Up Migration

-- Best time to call (docs/best-time.md): a campaign's setting (off by default; a tenth of its contacts as the control
-- arm), and the attempts the model reads to learn an owner's answer rates: those placed in a window of time.
ALTER TABLE campaigns
  ADD COLUMN best_time jsonb NOT NULL DEFAULT '{"enabled": false, "controlShare": 0.1}';
CREATE INDEX call_attempts_initiated_idx ON call_attempts (campaign_id, initiated_at) WHERE outcome IS NOT NULL;
-- The arm an attempt was released in by a campaign using the model: ordered by it, or the control (as without it).
ALTER TABLE call_attempts ADD COLUMN arm text CHECK (arm IN ('model', 'control'));

-- Down Migration
ALTER TABLE call_attempts DROP COLUMN arm;
DROP INDEX call_attempts_initiated_idx;
ALTER TABLE campaigns DROP COLUMN best_time;
