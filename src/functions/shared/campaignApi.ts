/**
 * What the campaign and contact functions share: their wiring (the campaigns' and contacts' services, a logger, made once per
 * function instance, with every setting checked at once) and the caller's identity. Each function file says only
 * what its route does.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { databaseConfig, functionConfig } from '../../lib/config.ts';
import { openDatabase } from '../../lib/database.ts';
import { createLogger } from '../../lib/logger.ts';
import {
  type EventValidator,
  type HttpEvent,
  httpFunction,
  ownedCampaign,
} from '../../middleware/httpStack.ts';
import { createCampaignDefinitionRepository } from '../../repositories/campaignDefinitionRepository.ts';
import { createCampaignRepository } from '../../repositories/campaignRepository.ts';
import { createContactRepository } from '../../repositories/contactRepository.ts';
import {
  type CampaignDefinitionService,
  createCampaignDefinitionService,
} from '../../services/campaignDefinitionService.ts';
import { type ContactService, createContactService } from '../../services/contactService.ts';

export interface CampaignApiDeps {
  campaigns: CampaignDefinitionService;
  contacts: ContactService;
  logger: Logger;
}

/** A campaign route: `build(deps)` makes its handler (the real deps: `campaignApiDeps`). */
export function campaignRoute<TBody>(
  options: { name: string; eventSchema: EventValidator; jsonBody: boolean },
  handle: (request: {
    event: HttpEvent<TBody>;
    userId: string;
    /** The campaign the path names, with its caller (for the routes of one campaign). */
    owned: { campaignId: string; userId: string };
    campaigns: CampaignDefinitionService;
    contacts: ContactService;
  }) => Promise<APIGatewayProxyResult>,
) {
  return ({ campaigns, contacts, logger }: CampaignApiDeps) =>
    httpFunction<TBody>({ ...options, logger }, async (event) => {
      const owned = ownedCampaign(event);
      return handle({ event, userId: owned.userId, owned, campaigns, contacts });
    });
}

/** The real dependencies of the campaign function `name`, made once per function instance. */
export function campaignApiDeps(name: string): CampaignApiDeps {
  functionConfig({ database: databaseConfig });
  const db = openDatabase();
  const definitions = createCampaignDefinitionRepository(db);
  return {
    campaigns: createCampaignDefinitionService({
      definitions,
      campaigns: createCampaignRepository(db),
      newId: randomUUID,
    }),
    contacts: createContactService({ definitions, contacts: createContactRepository(db), newId: randomUUID }),
    logger: createLogger(name),
  };
}
