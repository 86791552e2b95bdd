-- Up Migration

-- Set when a campaign starts: how many contacts it had and into how many fan-out jobs (pages) they were cut.
-- fanout_enqueued_at stays NULL until every job is on the fan-out queue, so a start that died half way is finished
-- by the next start request.
ALTER TABLE campaigns
  ADD COLUMN contact_count integer,
  ADD COLUMN fanout_jobs integer,
  ADD COLUMN fanout_enqueued_at timestamptz;

-- One row per page of a campaign's contacts, by primary-key range (keyset pagination, never OFFSET).
-- A page delivered twice is fanned out once: `done` says it was.
CREATE TABLE fanout_pages (
  campaign_id text NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  page integer NOT NULL CHECK (page >= 0),
  first_contact_id text NOT NULL,
  last_contact_id text NOT NULL,
  contact_count integer NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done')),
  done_at timestamptz,
  PRIMARY KEY (campaign_id, page)
);

-- Fan-out jobs that can never succeed (malformed, unknown page), set aside with the reason.
CREATE TABLE rejected_fanout_jobs (
  message_id text PRIMARY KEY,
  reason text NOT NULL,
  body text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE rejected_fanout_jobs;
DROP TABLE fanout_pages;
ALTER TABLE campaigns DROP COLUMN contact_count, DROP COLUMN fanout_jobs, DROP COLUMN fanout_enqueued_at;
