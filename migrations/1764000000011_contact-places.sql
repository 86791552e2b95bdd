-- Up Migration

-- A contact's zones are no longer stored: the calling rules derive them where they are used
-- (src/domain/candidateZones.ts) from the facts stored here (its number, the zone given with it, its stated state,
-- its postal code), so newer place data applies to contacts already loaded. A zone given with a contact is kept as
-- given; zones that came from its number or its campaign are derived again.
ALTER TABLE contacts ADD COLUMN given_time_zone text, ADD COLUMN postal_code text;
UPDATE contacts SET given_time_zone = time_zones[1] WHERE zone_source = 'given';
ALTER TABLE contacts DROP COLUMN time_zones, DROP COLUMN zone_source;

-- A contact in no zone the rules can determine is never called: the scheduler ends it as `no_zone`.
ALTER TABLE contacts DROP CONSTRAINT contacts_final_outcome_check;
ALTER TABLE contacts ADD CONSTRAINT contacts_final_outcome_check CHECK (final_outcome IN (
  'answered', 'invalid_number', 'opted_out', 'max_attempts', 'do_not_call', 'cancelled', 'expired', 'no_zone'));

-- The claim refuses a number that opted out in any campaign of its owner: such contacts are found by number.
CREATE INDEX contacts_opted_out_idx ON contacts (phone_number) WHERE final_outcome = 'opted_out';

-- Down Migration
DROP INDEX contacts_opted_out_idx;
UPDATE contacts SET final_outcome = NULL WHERE final_outcome = 'no_zone';
ALTER TABLE contacts DROP CONSTRAINT contacts_final_outcome_check;
ALTER TABLE contacts ADD CONSTRAINT contacts_final_outcome_check CHECK (final_outcome IN (
  'answered', 'invalid_number', 'opted_out', 'max_attempts', 'do_not_call', 'cancelled', 'expired'));
ALTER TABLE contacts
  ADD COLUMN time_zones text[],
  ADD COLUMN zone_source text CHECK (zone_source IN ('given', 'number', 'campaign'));
UPDATE contacts SET time_zones = ARRAY[given_time_zone], zone_source = 'given' WHERE given_time_zone IS NOT NULL;
ALTER TABLE contacts DROP COLUMN given_time_zone, DROP COLUMN postal_code;
