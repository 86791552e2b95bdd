-- Up Migration

-- A campaign belongs to one user; only its owner can start it or read its status.
CREATE TABLE campaigns (
  id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,64}$'),
  user_id text NOT NULL,
  name text NOT NULL,
  status text NOT NULL DEFAULT 'draft'
    CHECK (status IN ('draft', 'running', 'paused', 'completed', 'cancelled')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz
);
CREATE INDEX campaigns_user_id_idx ON campaigns (user_id);

-- Contacts are read page by page in primary-key order (keyset pagination).
CREATE TABLE contacts (
  campaign_id text NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  id text NOT NULL CHECK (id ~ '^[A-Za-z0-9_-]{1,64}$'),
  phone_number text NOT NULL CHECK (phone_number ~ '^\+[1-9][0-9]{6,14}$'),
  time_zone text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (campaign_id, id)
);

-- One row per call attempt; its key (campaign, contact, attempt) is the call's dialId.
-- queued: a dial task was sent; dialing: claimed by a dialer, call message being sent (claimed_at says since when);
-- initiated: the call message is on the asterisk-calls queue; skipped_blacklisted: the number is on the
-- do-not-call list; failed: given up.
CREATE TABLE call_attempts (
  campaign_id text NOT NULL,
  contact_id text NOT NULL,
  attempt integer NOT NULL CHECK (attempt BETWEEN 1 AND 100),
  status text NOT NULL
    CHECK (status IN ('queued', 'dialing', 'initiated', 'skipped_blacklisted', 'failed')),
  claimed_at timestamptz,
  initiated_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (campaign_id, contact_id, attempt),
  FOREIGN KEY (campaign_id, contact_id) REFERENCES contacts (campaign_id, id) ON DELETE CASCADE
);
CREATE INDEX call_attempts_campaign_status_idx ON call_attempts (campaign_id, status);

-- Dial tasks that can never succeed (malformed, invalid number, unknown contact), set aside with the reason.
-- The body is kept as received so a fixed task can be replayed; it may hold a phone number, like contacts.
CREATE TABLE rejected_dial_tasks (
  message_id text PRIMARY KEY,
  campaign_id text,
  contact_id text,
  attempt integer,
  reason text NOT NULL,
  body text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rejected_dial_tasks_campaign_idx ON rejected_dial_tasks (campaign_id);

-- Down Migration
DROP TABLE rejected_dial_tasks;
DROP TABLE call_attempts;
DROP TABLE contacts;
DROP TABLE campaigns;
