/**
 * cancelImport: DELETE /campaigns/{campaignId}/imports/{importId}: stops an import that is waiting for its file or
 * importing. The contacts it added so far stay in the campaign (delete them one by one, or the draft); the campaign
 * can start at once. Answers 200 with the import as it ended; a finished import answers 409.
 */
import cancelImportEvent from '../generated/cancelImport.event.validate.cjs';
import { json } from '../middleware/httpStack.ts';
import { importApiDeps, importIdOf, importRoute } from './shared/importApi.ts';

export const build = importRoute(
  { name: 'cancelImport', eventSchema: cancelImportEvent },
  async ({ event, owned, imports }) => json(200, await imports.cancel(owned, importIdOf(event))),
);

export const handler = build(importApiDeps('cancelImport'));
