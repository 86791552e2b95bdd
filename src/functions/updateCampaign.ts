/**
 * updateCampaign: PATCH /campaigns/{campaignId}: changes settings the campaign's state allows (a draft: any; a
 * running or paused campaign: callingWindow, pacing, endAt; 409 otherwise).
 */
import updateCampaignEvent from '../generated/updateCampaign.event.validate.cjs';
import type { UpdateCampaignRequest } from '../generated/updateCampaignRequest.ts';
import { json } from '../middleware/httpStack.ts';
import { campaignApiDeps, campaignRoute } from './shared/campaignApi.ts';

export const build = campaignRoute<UpdateCampaignRequest>(
  { name: 'updateCampaign', eventSchema: updateCampaignEvent, jsonBody: true },
  async ({ event, owned, campaigns }) => json(200, await campaigns.update(owned, event.body)),
);

export const handler = build(campaignApiDeps('updateCampaign'));
