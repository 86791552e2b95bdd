-- Up Migration

-- What a campaign's calls are for chooses the per-number limits that hold (rules/calling-hours.json): sales calls
-- (telemarketing), exempt informational calls, healthcare messages, debt collection. Dates it does not call on (a
-- governor's holiday, a local event), as local dates in each contact's zones.
ALTER TABLE campaigns
  ADD COLUMN purpose text NOT NULL DEFAULT 'telemarketing'
    CHECK (purpose IN ('telemarketing', 'informational', 'healthcare', 'debt_collection')),
  ADD COLUMN blocked_dates jsonb NOT NULL DEFAULT '[]';

-- Down Migration
ALTER TABLE campaigns DROP COLUMN purpose, DROP COLUMN blocked_dates;
