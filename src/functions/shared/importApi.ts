/**
 * What the import routes share: the import service's wiring (database, bucket, limits), made once per function
 * instance with every setting checked at once, and the route shape.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { createImportFiles } from '../../adapters/importFiles.ts';
import { databaseConfig, functionConfig, importsConfig } from '../../lib/config.ts';
import { openDatabase } from '../../lib/database.ts';
import { createLogger } from '../../lib/logger.ts';
import { s3Clients } from '../../lib/s3Client.ts';
import {
  type EventValidator,
  type HttpEvent,
  httpFunction,
  ownedCampaign,
} from '../../middleware/httpStack.ts';
import { createCampaignDefinitionRepository } from '../../repositories/campaignDefinitionRepository.ts';
import { createImportRepository } from '../../repositories/importRepository.ts';
import { createImportService, type ImportService } from '../../services/importService.ts';

export interface ImportApiDeps {
  imports: ImportService;
  logger: Logger;
}

/** An import route: `build(deps)` makes its handler (the real deps: `importApiDeps`). */
export function importRoute(
  options: { name: string; eventSchema: EventValidator; jsonBody?: 'optional' },
  handle: (request: {
    event: HttpEvent;
    /** The campaign the path names, with its caller. */
    owned: { campaignId: string; userId: string };
    imports: ImportService;
  }) => Promise<APIGatewayProxyResult>,
) {
  return ({ imports, logger }: ImportApiDeps) =>
    httpFunction({ jsonBody: false, ...options, logger }, async (event) =>
      handle({ event, owned: ownedCampaign(event), imports }),
    );
}

/** The import the path names (`/campaigns/{campaignId}/imports/{importId}`: the route's event schema requires it). */
export const importIdOf = (event: HttpEvent): string => event.pathParameters?.importId ?? '';

/** The real dependencies of the import function `name`, made once per function instance. */
export function importApiDeps(name: string): ImportApiDeps {
  const { imports: config } = functionConfig({ database: databaseConfig, imports: importsConfig });
  const db = openDatabase();
  return {
    imports: createImportService({
      definitions: createCampaignDefinitionRepository(db),
      imports: createImportRepository(db),
      files: createImportFiles({ ...s3Clients({ pathStyle: config.s3PathStyle }), bucket: config.bucket }),
      newId: randomUUID,
      now: () => new Date(),
      limits: config,
    }),
    logger: createLogger(name),
  };
}
