/**
 * publishDashboard: the custom resource of config/dashboard.cjs, run by CloudFormation at each deploy whose page
 * changed (and at the stack's deletion). Writes the built page (in this function's package: web/dist) and its
 * config.json (the API's URL and the region, given by the template) into the dashboard's bucket, or empties the
 * bucket. Always answers the stack, with the cause when it failed: a custom resource that never answers holds a
 * deploy for an hour.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { MiddlewareObj } from '@middy/core';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { type SiteBucket, siteBucket } from '../adapters/siteBucket.ts';
import { dashboardFilesConfig, functionConfig } from '../lib/config.ts';
import { answerStack } from '../lib/customResource.ts';
import { describeCause } from '../lib/errors.ts';
import { createLogger } from '../lib/logger.ts';
import { s3Clients } from '../lib/s3Client.ts';
import { tracedChain } from '../middleware/tracedChain.ts';
import { applyRequest } from '../services/dashboardPublishing.ts';

type Event = CloudFormationCustomResourceEvent;

export function build(deps: { bucketOf: (name: string) => SiteBucket; filesDir: string; logger: Logger }) {
  const { bucketOf, filesDir, logger } = deps;
  return tracedChain<Event, void>(
    { name: 'publishDashboard' },
    [injectLambdaContext(logger) as MiddlewareObj<Event, void>],
    async (event) => {
      const { Bucket, ApiUrl, Region } = event.ResourceProperties as Record<string, string>;
      const physicalId = `${Bucket}/dashboard`;
      const properties = { bucket: String(Bucket), apiUrl: String(ApiUrl), region: String(Region) };
      try {
        const done = await applyRequest(event.RequestType, properties, { bucketOf, filesDir });
        logger.info('Dashboard published', { request: event.RequestType, ...done });
        await answerStack(event, { ok: true, physicalId });
      } catch (error) {
        logger.error('Dashboard not published', { request: event.RequestType, cause: describeCause(error) });
        await answerStack(event, { ok: false, physicalId, reason: describeCause(error) });
      }
    },
  );
}

const { dashboardFiles } = functionConfig({ dashboardFiles: dashboardFilesConfig });
const { s3 } = s3Clients({ pathStyle: false });
export const handler = build({
  bucketOf: (name) => siteBucket(s3, name),
  filesDir: dashboardFiles.filesDir,
  logger: createLogger('publishDashboard'),
});
