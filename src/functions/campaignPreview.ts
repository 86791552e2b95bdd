/**
 * campaignPreview: GET /campaigns/{campaignId}/preview (REST API, authenticated): how many of the campaign's open
 * contacts can be called in each of the next 24 hours, and how many cannot and why, placing no call
 * (src/services/campaignPreview.ts). For the campaign's owner; 404 for anyone else.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import campaignPreviewEvent from '../generated/campaignPreview.event.validate.cjs';
import { type Clock, clockOf } from '../lib/clock.ts';
import {
  blacklistConfig,
  callTimesConfig,
  clockConfig,
  databaseConfig,
  functionConfig,
} from '../lib/config.ts';
import { openDatabase } from '../lib/database.ts';
import { createLogger } from '../lib/logger.ts';
import { httpFunction, json, ownedCampaign } from '../middleware/httpStack.ts';
import { createPreviewRepository } from '../repositories/previewRepository.ts';
import { createCampaignPreview, type PreviewDeps } from '../services/campaignPreview.ts';
import { openDoNotCallList } from './shared/doNotCallList.ts';

export function build(deps: PreviewDeps & { logger: Logger }) {
  const service = createCampaignPreview(deps);
  return httpFunction(
    { name: 'campaignPreview', eventSchema: campaignPreviewEvent, jsonBody: false, logger: deps.logger },
    async (event) => {
      const owned = ownedCampaign(event);
      return json(200, await service.preview(owned));
    },
  );
}

// Every setting this function needs, checked at once: one error names all that are missing or malformed.
const { clock, callTimes } = functionConfig({
  database: databaseConfig,
  blacklist: blacklistConfig,
  clock: clockConfig,
  callTimes: callTimesConfig,
});
const deps = {
  callDeadlineSeconds: callTimes.callDeadlineSeconds,
  preview: createPreviewRepository(openDatabase()),
  blacklist: openDoNotCallList(),
  logger: createLogger('campaignPreview'),
};
/** The function on another clock (the tests' injected one): the same dependencies otherwise. */
export const handlerWithClock = (now: Clock) => build({ ...deps, now });
export const handler = handlerWithClock(clockOf(clock));
