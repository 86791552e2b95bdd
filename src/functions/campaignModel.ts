/**
 * campaignModel: GET /campaigns/{campaignId}/model (REST API, authenticated): best time to call for the campaign, its
 * setting, its owner's model in use with its held-out metrics, and the contact rate per call of the model's arm and
 * the control's with 95% intervals (src/services/bestTimeReport.ts, docs/best-time.md).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import campaignModelEvent from '../generated/campaignModel.event.validate.cjs';
import { databaseConfig, functionConfig, modelsConfig } from '../lib/config.ts';
import { openDatabase } from '../lib/database.ts';
import { createLogger } from '../lib/logger.ts';
import { httpFunction, json, ownedCampaign } from '../middleware/httpStack.ts';
import { createCampaignDefinitionRepository } from '../repositories/campaignDefinitionRepository.ts';
import { createCampaignRepository } from '../repositories/campaignRepository.ts';
import { type BestTimeReportDeps, createBestTimeReport } from '../services/bestTimeReport.ts';
import { openModelStore } from './shared/modelBucket.ts';

export function build(deps: BestTimeReportDeps & { logger: Logger }) {
  const report = createBestTimeReport(deps);
  return httpFunction(
    { name: 'campaignModel', eventSchema: campaignModelEvent, jsonBody: false, logger: deps.logger },
    async (event) => json(200, await report.report(ownedCampaign(event))),
  );
}

functionConfig({ database: databaseConfig, models: modelsConfig });
const db = openDatabase();
const campaigns = createCampaignRepository(db);
export const handler = build({
  definitions: createCampaignDefinitionRepository(db),
  armCounts: (campaignId) => campaigns.armCounts(campaignId),
  models: openModelStore(),
  logger: createLogger('campaignModel'),
});
