/**
 * deleteCampaign: DELETE /campaigns/{campaignId}: deletes a draft (204); a running or paused campaign is cancelled
 * instead, never deleted, so its call records stay (200 with its status); 409 for one already ended.
 */
import campaignStatusEvent from '../generated/campaignStatus.event.validate.cjs';
import { json } from '../middleware/httpStack.ts';
import { campaignApiDeps, campaignRoute } from './shared/campaignApi.ts';

export const build = campaignRoute(
  { name: 'deleteCampaign', eventSchema: campaignStatusEvent, jsonBody: false },
  async ({ owned, campaigns }) => {
    const done = await campaigns.remove(owned);
    return done === 'deleted'
      ? { statusCode: 204, body: '' }
      : json(200, { campaignId: owned.campaignId, status: 'cancelled' });
  },
);

export const handler = build(campaignApiDeps('deleteCampaign'));
