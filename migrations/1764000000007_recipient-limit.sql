-- Up Migration

-- The dialer counts a number's recent calls across all of its owner's campaigns before each call (at most 3 in 24
-- hours, rules/calling-hours.json): the number's contacts are found by this index.
CREATE INDEX contacts_phone_number_idx ON contacts (phone_number);

-- Down Migration
DROP INDEX contacts_phone_number_idx;
