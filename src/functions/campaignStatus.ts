/** campaignStatus: GET /campaigns/{campaignId}: its settings, progress, and whether it dials now and if not why. */
import type { Logger } from '@aws-lambda-powertools/logger';
import campaignStatusEvent from '../generated/campaignStatus.event.validate.cjs';
import { type Clock, clockOf } from '../lib/clock.ts';
import { callTimesConfig, clockConfig, databaseConfig, functionConfig } from '../lib/config.ts';
import { openDatabase } from '../lib/database.ts';
import { createLogger } from '../lib/logger.ts';
import { httpFunction, json, ownedCampaign } from '../middleware/httpStack.ts';
import {
  type CampaignDefinitionRepository,
  createCampaignDefinitionRepository,
} from '../repositories/campaignDefinitionRepository.ts';
import { type CampaignRepository, createCampaignRepository } from '../repositories/campaignRepository.ts';
import { createPreviewRepository } from '../repositories/previewRepository.ts';
import { createScheduleRepository } from '../repositories/scheduleRepository.ts';
import { campaignDialling, type DiallingDeps } from '../services/campaignDialling.ts';
import { campaignProgress } from '../services/campaignService.ts';

export function build(
  deps: Omit<DiallingDeps, 'campaigns'> & {
    campaigns: CampaignRepository;
    definitions: CampaignDefinitionRepository;
    logger: Logger;
    now: Clock;
  },
) {
  const { campaigns, definitions, logger } = deps;
  return httpFunction(
    { name: 'campaignStatus', eventSchema: campaignStatusEvent, jsonBody: false, logger },
    async (event) => {
      const owned = ownedCampaign(event);
      const now = deps.now();
      // The progress read checks the owner first (404 for anyone else).
      const progress = await campaignProgress(campaigns, owned, now);
      const settings = (await definitions.find(owned.campaignId))?.settings;
      if (settings === undefined) return json(200, progress);
      return json(200, {
        ...progress,
        settings,
        dialling: await campaignDialling(deps, { ...progress, userId: owned.userId }, settings, now),
      });
    },
  );
}

const config = { database: databaseConfig, clock: clockConfig, callTimes: callTimesConfig };
const { clock, callTimes } = functionConfig(config);
const db = openDatabase();
const deps = {
  campaigns: createCampaignRepository(db),
  definitions: createCampaignDefinitionRepository(db),
  schedule: createScheduleRepository(db),
  preview: createPreviewRepository(db),
  resultTimeoutMinutes: callTimes.resultTimeoutMinutes,
  callDeadlineSeconds: callTimes.callDeadlineSeconds,
  logger: createLogger('campaignStatus'),
};
/** The function on another clock (the tests' injected one): the same dependencies otherwise. */
export const handlerWithClock = (now: Clock) => build({ ...deps, now });
export const handler = handlerWithClock(clockOf(clock));
