/**
 * createImport: POST /campaigns/{campaignId}/imports: opens a CSV import of a draft campaign's contacts. Answers
 * 201 with the import's id and a short-lived upload form (presigned POST, size-limited); the upload starts the
 * import (importWorker), and GET .../imports/{importId} follows it.
 */
import createImportEvent from '../generated/createImport.event.validate.cjs';
import { json } from '../middleware/httpStack.ts';
import { importApiDeps, importRoute } from './shared/importApi.ts';

export const build = importRoute(
  { name: 'createImport', eventSchema: createImportEvent },
  async ({ event, userId, imports }) => {
    const campaignId = event.pathParameters?.campaignId ?? '';
    return json(201, await imports.open({ campaignId, userId }));
  },
);

export const handler = build(importApiDeps('createImport'));
