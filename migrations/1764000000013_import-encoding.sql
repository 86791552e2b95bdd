-- Up Migration

-- What an import read its file as: the text encoding detected from its first bytes (a WHATWG name: utf-8,
-- utf-16le, windows-1252, ...), kept so an import continued by a new invocation reads the rest the same way; the
-- phone column's name when the user gave it. An import can be cancelled (the rows it added stay).
ALTER TABLE imports
  ADD COLUMN encoding text,
  ADD COLUMN phone_column text CHECK (length(phone_column) BETWEEN 1 AND 200),
  DROP CONSTRAINT imports_status_check,
  ADD CONSTRAINT imports_status_check CHECK (status IN ('waiting', 'importing', 'done', 'failed', 'cancelled'));
-- An import left by a crashed invocation (lease ended) is found by the sweep that hands it on again.
CREATE INDEX imports_importing_idx ON imports (lease_until) WHERE status = 'importing';

-- Down Migration
DROP INDEX imports_importing_idx;
ALTER TABLE imports
  DROP CONSTRAINT imports_status_check,
  ADD CONSTRAINT imports_status_check CHECK (status IN ('waiting', 'importing', 'done', 'failed')),
  DROP COLUMN phone_column,
  DROP COLUMN encoding;
