/**
 * createCampaign: POST /campaigns: a draft campaign with its settings (201), defaults for all but name, callerId and
 * callFlow. A retried create with the same `Idempotency-Key` header answers the campaign it made (200).
 */

import type { ResolvedSettings } from '../domain/campaignSettings.ts';
import createCampaignEvent from '../generated/createCampaign.event.validate.cjs';
import type { CreateCampaignRequest } from '../generated/createCampaignRequest.ts';
import { json } from '../middleware/httpStack.ts';
import { campaignApiDeps, campaignRoute } from './shared/campaignApi.ts';

type NewCampaign = CreateCampaignRequest & Pick<ResolvedSettings, 'name' | 'callerId' | 'callFlow'>;

export const build = campaignRoute<NewCampaign>(
  { name: 'createCampaign', eventSchema: createCampaignEvent, jsonBody: true },
  async ({ event, userId, campaigns }) => {
    const { campaign, created } = await campaigns.create(
      userId,
      event.body,
      event.headers['idempotency-key'],
    );
    return json(created ? 201 : 200, campaign);
  },
);

export const handler = build(campaignApiDeps('createCampaign'));
