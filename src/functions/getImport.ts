/**
 * getImport: GET /campaigns/{campaignId}/imports/{importId}: an import's status (waiting, importing, done, failed),
 * progress and counts, and once it ends with refused rows, a short-lived link to its rejects file.
 */
import getImportEvent from '../generated/getImport.event.validate.cjs';
import { json } from '../middleware/httpStack.ts';
import { importApiDeps, importIdOf, importRoute } from './shared/importApi.ts';

export const build = importRoute(
  { name: 'getImport', eventSchema: getImportEvent },
  async ({ event, owned, imports }) => json(200, await imports.get(owned, importIdOf(event))),
);

export const handler = build(importApiDeps('getImport'));
