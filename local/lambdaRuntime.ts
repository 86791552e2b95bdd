/**
 * What the Lambda runtime gives a handler, for running handlers on this machine: a context object and, per
 * invocation, a new X-Ray trace header (the SDK reads it from `_X_AMZN_TRACE_ID` in Lambda mode).
 */
import { randomBytes } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** A new trace header, `Root=1-<time>-<id>;Parent=<id>;Sampled=1`, and its trace id. */
export function newTraceHeader(sampled = true): { traceId: string; header: string } {
  const traceId = `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
  return {
    traceId,
    header: `Root=${traceId};Parent=${randomBytes(8).toString('hex')};Sampled=${sampled ? 1 : 0}`,
  };
}

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
