/**
 * campaignMetrics: GET /campaigns/{campaignId}/metrics?from=&to=&bucket= (REST API, authenticated): the campaign's
 * calls, skips, outcomes and opt-outs in buckets over a window, and its figures beside the window before
 * (src/services/campaignMetrics.ts). For the campaign's owner; 404 for anyone else.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import campaignMetricsEvent from '../generated/campaignMetrics.event.validate.cjs';
import { type Clock, clockOf } from '../lib/clock.ts';
import { clockConfig, databaseConfig, functionConfig } from '../lib/config.ts';
import { openDatabase } from '../lib/database.ts';
import { createLogger } from '../lib/logger.ts';
import { httpFunction, json, ownedCampaign } from '../middleware/httpStack.ts';
import { createMetricsRepository } from '../repositories/metricsRepository.ts';
import { createCampaignMetrics, type MetricsDeps } from '../services/campaignMetrics.ts';

export function build(deps: MetricsDeps & { logger: Logger }) {
  const service = createCampaignMetrics(deps);
  return httpFunction(
    { name: 'campaignMetrics', eventSchema: campaignMetricsEvent, jsonBody: false, logger: deps.logger },
    async (event) =>
      json(200, await service.metrics(ownedCampaign(event), event.queryStringParameters ?? {})),
  );
}

const { clock } = functionConfig({ database: databaseConfig, clock: clockConfig });
const deps = { metrics: createMetricsRepository(openDatabase()), logger: createLogger('campaignMetrics') };
/** The function on another clock (the tests' injected one): the same dependencies otherwise. */
export const handlerWithClock = (now: Clock) => build({ ...deps, now });
export const handler = handlerWithClock(clockOf(clock));
