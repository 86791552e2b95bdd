-- Up Migration

-- The minute's tick is fanned out (src/functions/scheduler.ts sends groups of campaigns to the campaign-ticks queue;
-- src/functions/campaignTicker.ts ticks each group): a campaign is claimed for a tick before it is ticked, so two
-- invocations never tick it at once (`tick_lease_until`: held while a tick runs, released when it ends; one whose
-- invocation died frees itself), a group delivered twice ticks it once (`tick_id`: the tick it was last claimed
-- for), and a group delivered late (after a failed delivery) leaves alone a campaign a later tick ticked since
-- (`last_tick_at`).
ALTER TABLE campaigns ADD COLUMN tick_lease_until timestamptz, ADD COLUMN tick_id text;

-- Down Migration
ALTER TABLE campaigns DROP COLUMN tick_lease_until, DROP COLUMN tick_id;
