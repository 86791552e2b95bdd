/**
 * What the campaign control functions share (pause, resume, cancel: POST /campaigns/{campaignId}/<control>, no body):
 * the owner's campaign moved by the campaign service, answered 200 with its status, or 404/409 with why not.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import campaignControlEvent from '../../generated/campaignControl.event.validate.cjs';
import { databaseConfig, functionConfig } from '../../lib/config.ts';
import { openDatabase } from '../../lib/database.ts';
import { createLogger } from '../../lib/logger.ts';
import { httpFunction, json, ownedCampaign } from '../../middleware/httpStack.ts';
import { type CampaignRepository, createCampaignRepository } from '../../repositories/campaignRepository.ts';
import { createCampaignService } from '../../services/campaignService.ts';

export type ControlName = 'pause' | 'resume' | 'cancel';

export function buildControl(
  control: ControlName,
  name: string,
  deps: { campaigns: CampaignRepository; logger: Logger },
) {
  const service = createCampaignService({ campaigns: deps.campaigns });
  return httpFunction(
    { name, eventSchema: campaignControlEvent, jsonBody: false, logger: deps.logger },
    async (event) => {
      const owned = ownedCampaign(event);
      return json(200, await service[control](owned));
    },
  );
}

/** The real dependencies of a control function, made once per function instance. */
export function controlDeps(name: string) {
  functionConfig({ database: databaseConfig });
  return { campaigns: createCampaignRepository(openDatabase()), logger: createLogger(name) };
}
