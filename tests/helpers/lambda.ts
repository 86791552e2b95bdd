/**
 * Test helpers for running handlers as Lambda runs them: in X-Ray's Lambda mode, with a fresh trace header per
 * invocation, and a Lambda context object.
 */
import { randomBytes } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { XrayDocument } from '../../local/xrayReceiver.ts';

/** Puts the X-Ray SDK in Lambda mode, sending to `daemonAddress`. Call before the SDK is first imported. */
export function useLambdaTracing(daemonAddress: string): void {
  process.env.LAMBDA_TASK_ROOT = '/var/task';
  process.env.AWS_XRAY_DAEMON_ADDRESS = daemonAddress;
  process.env.AWS_XRAY_CONTEXT_MISSING = 'IGNORE_ERROR';
}

/** Sets a new sampled trace header, as Lambda does before each invocation; returns its trace id. */
export function newTrace(sampled = true): string {
  const traceId = `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
  process.env._X_AMZN_TRACE_ID = `Root=${traceId};Parent=${randomBytes(8).toString('hex')};Sampled=${sampled ? 1 : 0}`;
  return traceId;
}

export function lambdaContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomBytes(16).toString('hex'),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 30_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** The documents of one trace, by name; fails the test when a name is missing. */
export function byName(docs: XrayDocument[], name: string): XrayDocument[] {
  return docs.filter((doc) => doc.name === name);
}

export function childrenOf(docs: XrayDocument[], parent: XrayDocument): XrayDocument[] {
  return docs.filter((doc) => doc.parent_id === parent.id);
}

export function inTrace(docs: XrayDocument[], traceId: string): XrayDocument[] {
  return docs.filter((doc) => doc.trace_id === traceId);
}
