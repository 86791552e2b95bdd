/**
 * Test helpers for running handlers as Lambda runs them: in X-Ray's Lambda mode, with a fresh trace header per
 * invocation, and a Lambda context object.
 */

import type { SQSEvent } from 'aws-lambda';
import { lambdaContext, newTraceHeader } from '../../local/lambdaRuntime.ts';
import type { XrayDocument, XrayReceiver } from '../../local/xrayReceiver.ts';
import { sharedTraceHeader } from '../../src/lib/traceHeader.ts';

/** Puts the X-Ray SDK in Lambda mode, sending to `daemonAddress`. Call before the SDK is first imported. */
export function useLambdaTracing(daemonAddress: string): void {
  process.env.LAMBDA_TASK_ROOT = '/var/task';
  process.env.AWS_XRAY_DAEMON_ADDRESS = daemonAddress;
  process.env.AWS_XRAY_CONTEXT_MISSING = 'IGNORE_ERROR';
}

/** Sets a new trace header, as Lambda does before each invocation; returns its trace id. */
export function newTrace(sampled = true): string {
  const { traceId, header } = newTraceHeader(sampled);
  process.env._X_AMZN_TRACE_ID = header;
  return traceId;
}

/**
 * Sets the trace header of an SQS-triggered invocation: its records' sender's trace when they share one (Lambda links
 * the two), else a new one; returns its trace id.
 */
export function traceFor(event: SQSEvent): string {
  const header = sharedTraceHeader(event);
  if (header === undefined) return newTrace();
  process.env._X_AMZN_TRACE_ID = header;
  return /Root=([^;]+)/.exec(header)?.[1] ?? '';
}

export { lambdaContext };

/** The documents of one trace with this name; fails the test when there is none (`named` for a name that may be absent). */
export function byName(docs: XrayDocument[], name: string): XrayDocument[] {
  const found = named(docs, name);
  if (found.length === 0) {
    throw new Error(
      `No document named ${name} among ${[...new Set(docs.map((doc) => doc.name))].join(', ')}`,
    );
  }
  return found;
}

/** The documents with this name, none or more. */
export function named(docs: XrayDocument[], name: string): XrayDocument[] {
  return docs.filter((doc) => doc.name === name);
}

export function childrenOf(docs: XrayDocument[], parent: XrayDocument): XrayDocument[] {
  return docs.filter((doc) => doc.parent_id === parent.id);
}

export function inTrace(docs: XrayDocument[], traceId: string): XrayDocument[] {
  return docs.filter((doc) => doc.trace_id === traceId);
}

/**
 * The documents of trace `traceId` once `count` root subsegments named `root` arrived in it (a function's invocations
 * in that trace); fails the test when they do not come within the receiver's wait.
 */
export async function traceOf(
  receiver: Pick<XrayReceiver, 'waitFor'>,
  traceId: string,
  root: string,
  count = 1,
): Promise<XrayDocument[]> {
  const docs = await receiver.waitFor((all) => named(inTrace(all, traceId), root).length === count);
  return inTrace(docs, traceId);
}

/** The trace's one document named `name` (a function's root subsegment); fails the test when there is not exactly one. */
export function rootOf(trace: XrayDocument[], name: string): XrayDocument {
  const found = byName(trace, name);
  if (found.length > 1) throw new Error(`${found.length} documents named ${name} in one trace`);
  return found[0] as XrayDocument;
}

/** An SQS event of these bodies, as Lambda's event source mapping gives it (message ids `m-0`, `m-1`, ...). */
export function sqsEvent(bodies: readonly string[], queue = 'dial-tasks'): SQSEvent {
  return {
    Records: bodies.map((body, i) => ({
      messageId: `m-${i}`,
      receiptHandle: `r-${i}`,
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '0',
        SenderId: 'local',
        ApproximateFirstReceiveTimestamp: '0',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:us-east-1:123456789012:${queue}`,
      awsRegion: 'us-east-1',
    })),
  };
}
