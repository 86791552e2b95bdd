/**
 * startCampaign: POST /campaigns/{campaignId}/start (REST API, authenticated). Moves the caller's draft campaign to
 * running and answers 202: the scheduler releases its contacts from its next tick, inside their calling hours and at
 * the campaign's pace. `{"dryRun": true}` answers 200 with what would start, changing nothing.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import startCampaignEvent from '../generated/startCampaign.event.validate.cjs';
import type { StartCampaignRequest } from '../generated/startCampaignRequest.ts';
import { databaseConfig, functionConfig } from '../lib/config.ts';
import { openDatabase } from '../lib/database.ts';
import { createLogger } from '../lib/logger.ts';
import { httpFunction, json, ownedCampaign } from '../middleware/httpStack.ts';
import { type CampaignRepository, createCampaignRepository } from '../repositories/campaignRepository.ts';
import { createCampaignService } from '../services/campaignService.ts';

export function build(deps: { campaigns: CampaignRepository; logger: Logger }) {
  const campaigns = createCampaignService(deps);
  return httpFunction<StartCampaignRequest>(
    { name: 'startCampaign', eventSchema: startCampaignEvent, jsonBody: 'optional', logger: deps.logger },
    async (event) => {
      const owned = ownedCampaign(event);
      const result = await campaigns.start(owned, event.body);
      return json(result.dryRun ? 200 : 202, result);
    },
  );
}

functionConfig({ database: databaseConfig });
export const handler = build({
  campaigns: createCampaignRepository(openDatabase()),
  logger: createLogger('startCampaign'),
});
