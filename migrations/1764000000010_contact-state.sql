-- Up Migration

-- The US state a contact lives in, when the caller knows it (two letters): its state's calling rules apply as well
-- as those of its number's area code (a number keeps its area code when its owner moves).
ALTER TABLE contacts ADD COLUMN us_state text CHECK (us_state ~ '^[A-Z]{2}$');

-- Down Migration
ALTER TABLE contacts DROP COLUMN us_state;
