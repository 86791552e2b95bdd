/**
 * The base of every function's chain: Middy with the X-Ray middleware first and its plugin, run in a trace context
 * of its own per invocation. The HTTP and SQS stacks build on it; function files use those stacks, never `middy()`.
 */

import type { MiddlewareObj } from '@middy/core';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { sharedTraceHeader } from '../lib/traceHeader.ts';
import { flushTraces, runInOwnTraceContext, tracesAwaitExport } from '../lib/tracing.ts';
import { tracingMiddleware, type XrayOptions, xrayPlugin } from './xray.ts';

export type LambdaHandler<TEvent, TResult> = (event: TEvent, context: Context) => Promise<TResult>;

/**
 * Builds `handler` into a traced chain: X-Ray middleware first, then `middlewares` in order.
 * The returned function is what Lambda calls.
 */
export function tracedChain<TEvent, TResult>(
  xray: XrayOptions<TEvent, TResult>,
  middlewares: ReadonlyArray<MiddlewareObj<TEvent, TResult>>,
  handler: LambdaHandler<TEvent, TResult>,
): LambdaHandler<TEvent, TResult> {
  const chain = middy<TEvent, TResult>(handler, xrayPlugin).use(tracingMiddleware(xray));
  for (const middleware of middlewares) chain.use(middleware);
  // Spans sent by request (OTLP) are waited for before the invocation returns: Lambda freezes the process then. To
  // the daemon, nothing is waited for, and no promise is added to the invocation.
  const run = (event: TEvent, context: Context) => {
    const invocation = chain(event, context);
    return tracesAwaitExport() ? invocation.finally(flushTraces) : invocation;
  };
  return (event, context) => runInOwnTraceContext(() => run(event, context), sharedTraceHeader(event));
}
