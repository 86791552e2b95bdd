/** campaignStatus: GET /campaigns/{campaignId} (REST API, authenticated): progress counts by attempt status. */
import campaignStatusEvent from '../generated/campaignStatus.event.validate.cjs';
import { openDatabase } from '../lib/database.ts';
import { createLogger } from '../lib/logger.ts';
import { httpFunction, json, requireCaller } from '../middleware/httpStack.ts';
import { createCampaignRepository } from '../repositories/campaignRepository.ts';
import { campaignProgress } from '../services/campaignService.ts';

const logger = createLogger('campaignStatus');
const campaigns = createCampaignRepository(openDatabase());

export const handler = httpFunction(
  { name: 'campaignStatus', eventSchema: campaignStatusEvent, jsonBody: false, logger },
  async (event) => {
    const userId = requireCaller(event);
    return json(
      200,
      await campaignProgress(campaigns, { campaignId: event.pathParameters?.campaignId ?? '', userId }),
    );
  },
);
