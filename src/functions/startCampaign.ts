/**
 * startCampaign: POST /campaigns/{campaignId}/start (REST API, authenticated). Answers 202 at once; the contacts are
 * fanned out to dial tasks by fanoutWorker, page by page.
 */

import { createMessageQueue } from '../adapters/messageQueue.ts';
import startCampaignEvent from '../generated/startCampaign.event.validate.cjs';
import type { StartCampaignRequest } from '../generated/startCampaignRequest.ts';
import { campaignConfig } from '../lib/config.ts';
import { openDatabase } from '../lib/database.ts';
import { createLogger } from '../lib/logger.ts';
import { sqsClient } from '../lib/sqsClient.ts';
import { httpFunction, json, requireCaller } from '../middleware/httpStack.ts';
import { createCampaignRepository } from '../repositories/campaignRepository.ts';
import { createCampaignService } from '../services/campaignService.ts';

const config = campaignConfig();
const logger = createLogger('startCampaign');
const campaigns = createCampaignService({
  campaigns: createCampaignRepository(openDatabase()),
  fanoutQueue: createMessageQueue({ sqs: sqsClient, queueUrl: config.fanoutQueueUrl }),
  pageSize: config.fanoutPageSize,
});

export const handler = httpFunction<StartCampaignRequest>(
  { name: 'startCampaign', eventSchema: startCampaignEvent, jsonBody: true, logger },
  async (event) => {
    const userId = requireCaller(event);
    const result = await campaigns.start(
      { campaignId: event.pathParameters?.campaignId ?? '', userId },
      event.body,
    );
    return json(result.dryRun ? 200 : 202, result);
  },
);
