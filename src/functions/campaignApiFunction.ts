/**
 * What the campaign-definition functions share: their wiring (the campaigns' repository, a logger, made once per
 * function instance, with every setting checked at once) and the caller's identity. Each function file says only
 * what its route does.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { databaseConfig, functionConfig } from '../lib/config.ts';
import { openDatabase } from '../lib/database.ts';
import { createLogger } from '../lib/logger.ts';
import { type EventValidator, type HttpEvent, httpFunction, requireCaller } from '../middleware/httpStack.ts';
import { createCampaignSettingsRepository } from '../repositories/campaignSettingsRepository.ts';
import {
  type CampaignDefinitionService,
  createCampaignDefinitionService,
} from '../services/campaignDefinitionService.ts';

export interface CampaignApiDeps {
  campaigns: CampaignDefinitionService;
  logger: Logger;
}

/** A campaign route: `build(deps)` makes its handler (the real deps: `campaignApiDeps`). */
export function campaignRoute<TBody>(
  options: { name: string; eventSchema: EventValidator; jsonBody: boolean },
  handle: (request: {
    event: HttpEvent<TBody>;
    userId: string;
    campaigns: CampaignDefinitionService;
  }) => Promise<APIGatewayProxyResult>,
) {
  return ({ campaigns, logger }: CampaignApiDeps) =>
    httpFunction<TBody>({ ...options, logger }, async (event) =>
      handle({ event, userId: requireCaller(event), campaigns }),
    );
}

/** The real dependencies of the campaign function `name`, made once per function instance. */
export function campaignApiDeps(name: string): CampaignApiDeps {
  functionConfig({ database: databaseConfig });
  return {
    campaigns: createCampaignDefinitionService({
      definitions: createCampaignSettingsRepository(openDatabase()),
      newId: randomUUID,
    }),
    logger: createLogger(name),
  };
}
