/**
 * What the Lambda runtime gives a handler, for running handlers on this machine: a context object and, per
 * invocation, a new X-Ray trace header (the SDK reads it from `_X_AMZN_TRACE_ID` in Lambda mode).
 */
import { randomBytes } from 'node:crypto';
import type { Context } from 'aws-lambda';

export { newTraceHeader } from '../src/lib/traceHeader.ts';

export function lambdaContext(functionName: string, timeoutMs = 30_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomBytes(16).toString('hex'),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
