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
import { pageFiles, publish, unpublish } from '../services/dashboardPublishing.ts';

type Event = CloudFormationCustomResourceEvent;

export function build(deps: { bucketOf: (name: string) => SiteBucket; filesDir: string; logger: Logger }) {
  const { bucketOf, filesDir, logger } = deps;
  return tracedChain<Event, void>(
    { name: 'publishDashboard' },
    [injectLambdaContext(logger) as MiddlewareObj<Event, void>],
    async (event) => {
      const { Bucket, ApiUrl, Region } = event.ResourceProperties as Record<string, string>;
      const physicalId = `${Bucket}/dashboard`;
      try {
        const bucket = bucketOf(String(Bucket));
        const done =
          event.RequestType === 'Delete'
            ? await unpublish(bucket)
            : await publish(
                bucket,
                await pageFiles(filesDir, {
                  apiUrl: String(ApiUrl),
                  traces: { kind: 'xray', region: String(Region) },
                }),
              );
        logger.info('Dashboard published', { request: event.RequestType, ...done });
        await answerStack(event, { ok: true, physicalId });
      } catch (error) {
        // A bucket already gone has nothing left to empty: the stack may go on deleting.
        if (event.RequestType === 'Delete' && (error as { name?: string }).name === 'NoSuchBucket') {
          await answerStack(event, { ok: true, physicalId });
          return;
        }
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
