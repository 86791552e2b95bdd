/**
 * campaignStatus: GET /campaigns/{campaignId} (REST API, authenticated): the campaign's settings and its progress,
 * counts by attempt status.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import campaignStatusEvent from '../generated/campaignStatus.event.validate.cjs';
import { type Clock, clockOf } from '../lib/clock.ts';
import { clockConfig, databaseConfig, functionConfig } from '../lib/config.ts';
import { openDatabase } from '../lib/database.ts';
import { createLogger } from '../lib/logger.ts';
import { httpFunction, json, ownedCampaign } from '../middleware/httpStack.ts';
import {
  type CampaignDefinitionRepository,
  createCampaignDefinitionRepository,
} from '../repositories/campaignDefinitionRepository.ts';
import { type CampaignRepository, createCampaignRepository } from '../repositories/campaignRepository.ts';
import { campaignProgress } from '../services/campaignService.ts';

export function build(deps: {
  campaigns: CampaignRepository;
  definitions: CampaignDefinitionRepository;
  logger: Logger;
  now: Clock;
}) {
  const { campaigns, definitions, logger } = deps;
  return httpFunction(
    { name: 'campaignStatus', eventSchema: campaignStatusEvent, jsonBody: false, logger },
    async (event) => {
      const owned = ownedCampaign(event);
      // The progress read checks the owner first (404 for anyone else).
      const progress = await campaignProgress(campaigns, owned, deps.now());
      const settings = (await definitions.find(owned.campaignId))?.settings;
      return json(200, { ...progress, ...(settings ? { settings } : {}) });
    },
  );
}

const { clock } = functionConfig({ database: databaseConfig, clock: clockConfig });
const db = openDatabase();
const deps = {
  campaigns: createCampaignRepository(db),
  definitions: createCampaignDefinitionRepository(db),
  logger: createLogger('campaignStatus'),
};
/** The function on another clock (the tests' injected one): the same dependencies otherwise. */
export const handlerWithClock = (now: Clock) => build({ ...deps, now });
export const handler = handlerWithClock(clockOf(clock));
