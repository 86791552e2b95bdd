/** campaignStatus: GET /campaigns/{campaignId} (REST API, authenticated): progress counts by attempt status. */
import type { Logger } from '@aws-lambda-powertools/logger';
import campaignStatusEvent from '../generated/campaignStatus.event.validate.cjs';
import { databaseConfig, functionConfig } from '../lib/config.ts';
import { openDatabase } from '../lib/database.ts';
import { createLogger } from '../lib/logger.ts';
import { httpFunction, json, requireCaller } from '../middleware/httpStack.ts';
import { type CampaignRepository, createCampaignRepository } from '../repositories/campaignRepository.ts';
import { campaignProgress } from '../services/campaignService.ts';

export function build({ campaigns, logger }: { campaigns: CampaignRepository; logger: Logger }) {
  return httpFunction(
    { name: 'campaignStatus', eventSchema: campaignStatusEvent, jsonBody: false, logger },
    async (event) => {
      const owned = { campaignId: event.pathParameters?.campaignId ?? '', userId: requireCaller(event) };
      return json(200, await campaignProgress(campaigns, owned));
    },
  );
}

functionConfig({ database: databaseConfig });
export const handler = build({
  campaigns: createCampaignRepository(openDatabase()),
  logger: createLogger('campaignStatus'),
});
