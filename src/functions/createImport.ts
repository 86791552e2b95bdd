/**
 * createImport: POST /campaigns/{campaignId}/imports: opens a CSV import of a draft campaign's contacts. Answers
 * 201 with the import's id and a short-lived upload form (presigned POST, size-limited); the upload starts the
 * import (importWorker), and GET .../imports/{importId} follows it. An optional body names the phone column
 * (`{"phoneColumn": "Mobile"}`).
 */
import createImportEvent from '../generated/createImport.event.validate.cjs';
import type { CreateImportRequest } from '../generated/createImportRequest.ts';
import { json } from '../middleware/httpStack.ts';
import { importApiDeps, importRoute } from './shared/importApi.ts';

export const build = importRoute(
  { name: 'createImport', eventSchema: createImportEvent, jsonBody: 'optional' },
  async ({ event, owned, imports }) =>
    json(201, await imports.open(owned, event.body as CreateImportRequest)),
);

export const handler = build(importApiDeps('createImport'));
