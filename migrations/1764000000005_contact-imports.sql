-- Up Migration

-- A CSV import of a campaign's contacts. The file is uploaded to S3 under `object_key` (presigned POST); the import
-- worker streams it, committing each batch of rows with its checkpoint (`next_byte`: where the next row starts;
-- `rows_read`) so an import that outlives one invocation continues where it stopped, never writing a row twice.
-- `lease_owner`/`lease_until`: the invocation importing it now; a redelivered upload event finds it taken or done.
CREATE TABLE imports (
  id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,64}$'),
  campaign_id text NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  status text NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'importing', 'done', 'failed')),
  object_key text NOT NULL UNIQUE,
  upload_expires_at timestamptz NOT NULL,
  -- The uploaded object as first read: a file replaced during its import fails it rather than mixing two files.
  etag text,
  size_bytes bigint,
  -- The header as read from the file (every later row is read against it) and its separator.
  columns text[],
  delimiter text,
  next_byte bigint NOT NULL DEFAULT 0,
  rows_read integer NOT NULL DEFAULT 0,
  added integer NOT NULL DEFAULT 0,
  refused integer NOT NULL DEFAULT 0,
  invocations integer NOT NULL DEFAULT 0,
  error text,
  rejects_key text,
  lease_owner text,
  lease_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz
);
CREATE INDEX imports_campaign_idx ON imports (campaign_id, created_at DESC);

-- The rows an import refused, until its rejects file is written (then deleted: the file is their record). The
-- cells are kept as read, numbers included, like contacts.
CREATE TABLE import_refusals (
  import_id text NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
  row_number integer NOT NULL,
  reason text NOT NULL,
  cells jsonb NOT NULL,
  PRIMARY KEY (import_id, row_number)
);

-- Down Migration
DROP TABLE import_refusals;
DROP TABLE imports;
