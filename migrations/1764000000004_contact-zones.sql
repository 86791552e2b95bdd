-- Up Migration

-- A contact's zones (every zone it may be in: calling must hold in all of them), where they came from, and the
-- attributes its call flow may use. A number appears once per campaign.
ALTER TABLE contacts
  ADD COLUMN time_zones text[],
  ADD COLUMN zone_source text CHECK (zone_source IN ('given', 'number', 'campaign')),
  ADD COLUMN attributes jsonb NOT NULL DEFAULT '{}';
UPDATE contacts SET time_zones = ARRAY[time_zone], zone_source = 'given' WHERE time_zone IS NOT NULL;
ALTER TABLE contacts DROP COLUMN time_zone;
CREATE UNIQUE INDEX contacts_campaign_number_idx ON contacts (campaign_id, phone_number);

-- Down Migration
DROP INDEX contacts_campaign_number_idx;
ALTER TABLE contacts ADD COLUMN time_zone text;
UPDATE contacts SET time_zone = time_zones[1];
ALTER TABLE contacts DROP COLUMN time_zones, DROP COLUMN zone_source, DROP COLUMN attributes;
