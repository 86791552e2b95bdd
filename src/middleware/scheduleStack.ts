/**
 * The base of a function run on a schedule (an EventBridge rule): the traced chain with Powertools' log context, a
 * summary line per run, and a root span flagged fault when part of the work failed. The event carries nothing the
 * function reads: what a run does comes from its own state.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { MiddlewareObj } from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { type LambdaHandler, tracedChain } from './tracedChain.ts';

/** What a run reports: its summary, and whether part of it failed (a fault on its trace, an error in its log). */
export interface ScheduledRun {
  summary: Record<string, unknown>;
  failed: number;
}

export function scheduledFunction(
  name: string,
  logger: Logger,
  run: () => Promise<ScheduledRun>,
): LambdaHandler<ScheduledEvent, ScheduledRun> {
  return tracedChain<ScheduledEvent, ScheduledRun>(
    { name, responseStatus: (result) => (result.failed > 0 ? 500 : undefined) },
    [injectLambdaContext(logger) as MiddlewareObj<ScheduledEvent, ScheduledRun>],
    async () => {
      const result = await run();
      if (result.failed > 0) logger.error('Run done, with failures', result.summary);
      else logger.info('Run done', result.summary);
      return result;
    },
  );
}
