/**
 * startCampaign: POST /campaigns/{campaignId}/start (REST API, authenticated). Answers 202 at once; the contacts are
 * fanned out to dial tasks by fanoutWorker, page by page.
 */

import type { Logger } from '@aws-lambda-powertools/logger';
import { createMessageQueue } from '../adapters/messageQueue.ts';
import startCampaignEvent from '../generated/startCampaign.event.validate.cjs';
import type { StartCampaignRequest } from '../generated/startCampaignRequest.ts';
import { type CampaignConfig, campaignConfig, databaseConfig, functionConfig } from '../lib/config.ts';
import { openDatabase } from '../lib/database.ts';
import { createLogger } from '../lib/logger.ts';
import { sqsClient } from '../lib/sqsClient.ts';
import { httpFunction, json, requireCaller } from '../middleware/httpStack.ts';
import { createCampaignRepository } from '../repositories/campaignRepository.ts';
import { type CampaignServiceDeps, createCampaignService } from '../services/campaignService.ts';

export function build(
  config: CampaignConfig,
  deps: Omit<CampaignServiceDeps, 'pageSize'> & { logger: Logger },
) {
  const campaigns = createCampaignService({ ...deps, pageSize: config.fanoutPageSize });
  return httpFunction<StartCampaignRequest>(
    { name: 'startCampaign', eventSchema: startCampaignEvent, jsonBody: true, logger: deps.logger },
    async (event) => {
      const owned = { campaignId: event.pathParameters?.campaignId ?? '', userId: requireCaller(event) };
      const result = await campaigns.start(owned, event.body);
      return json(result.dryRun ? 200 : 202, result);
    },
  );
}

// Every setting this function needs, checked at once: one error names all that are missing or malformed.
const { campaign: config } = functionConfig({ database: databaseConfig, campaign: campaignConfig });
export const handler = build(config, {
  campaigns: createCampaignRepository(openDatabase()),
  fanoutQueue: createMessageQueue({ sqs: sqsClient, queueUrl: config.fanoutQueueUrl }),
  logger: createLogger('startCampaign'),
});
