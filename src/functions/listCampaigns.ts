/** listCampaigns: GET /campaigns?limit=&cursor=: the caller's campaigns, newest first, a page at a time. */
import listCampaignsEvent from '../generated/listCampaigns.event.validate.cjs';
import { json } from '../middleware/httpStack.ts';
import { campaignApiDeps, campaignRoute } from './shared/campaignApi.ts';

/** Campaigns a page when the caller does not say. */
const DEFAULT_LIMIT = 25;

export const build = campaignRoute(
  { name: 'listCampaigns', eventSchema: listCampaignsEvent, jsonBody: false },
  async ({ event, userId, campaigns }) => {
    const query = event.queryStringParameters ?? {};
    return json(200, await campaigns.list(userId, Number(query.limit ?? DEFAULT_LIMIT), query.cursor));
  },
);

export const handler = build(campaignApiDeps('listCampaigns'));
