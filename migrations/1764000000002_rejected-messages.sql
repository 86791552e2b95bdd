-- Up Migration

-- Queue messages that can never succeed (malformed, wrong schema, invalid number, unknown contact), set aside by
-- the queue stack with their reason, whichever queue they came from. The body is kept as received so a fixed
-- message can be replayed; it may hold a phone number, like contacts.
CREATE TABLE rejected_messages (
  queue text NOT NULL,
  message_id text NOT NULL,
  campaign_id text,
  contact_id text,
  reason text NOT NULL,
  body text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (queue, message_id)
);
CREATE INDEX rejected_messages_campaign_idx ON rejected_messages (campaign_id);

INSERT INTO rejected_messages (queue, message_id, campaign_id, contact_id, reason, body, received_at)
SELECT 'dial-tasks', message_id, campaign_id, contact_id, reason, body, received_at FROM rejected_dial_tasks;
INSERT INTO rejected_messages (queue, message_id, reason, body, received_at)
SELECT 'fanout', message_id, reason, body, received_at FROM rejected_fanout_jobs;
DROP TABLE rejected_dial_tasks;
DROP TABLE rejected_fanout_jobs;

-- Down Migration
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
CREATE TABLE rejected_fanout_jobs (
  message_id text PRIMARY KEY,
  reason text NOT NULL,
  body text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO rejected_dial_tasks (message_id, campaign_id, contact_id, reason, body, received_at)
SELECT message_id, campaign_id, contact_id, reason, body, received_at FROM rejected_messages WHERE queue = 'dial-tasks';
INSERT INTO rejected_fanout_jobs (message_id, reason, body, received_at)
SELECT message_id, reason, body, received_at FROM rejected_messages WHERE queue = 'fanout';
DROP TABLE rejected_messages;
