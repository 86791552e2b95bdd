/**
 * The stack of every SQS-triggered function. The handler gets the whole batch and answers with the records to
 * retry (`ReportBatchItemFailures`); a batch with failed records marks the root subsegment as a fault.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type LambdaHandler, tracedChain } from './tracedChain.ts';

export interface SqsFunctionOptions {
  /** The function's name: the root subsegment's name. */
  name: string;
}

// The bodies of a batch, parsed once for all the root's annotations (campaignId, userId).
const parsedBodies = new WeakMap<SQSEvent, Array<Record<string, unknown> | undefined>>();

function bodiesOf(event: SQSEvent): Array<Record<string, unknown> | undefined> {
  let bodies = parsedBodies.get(event);
  if (bodies === undefined) {
    bodies = (event.Records ?? []).map((record) => {
      try {
        return JSON.parse(record.body) as Record<string, unknown>;
      } catch {
        return undefined;
      }
    });
    parsedBodies.set(event, bodies);
  }
  return bodies;
}

/** Reads one field from every record body; returns it when all records agree, so the root can be annotated. */
export function commonBodyField(event: SQSEvent, field: string): string | undefined {
  let common: string | undefined;
  for (const body of bodiesOf(event)) {
    const value = body?.[field];
    if (typeof value !== 'string' || (common !== undefined && value !== common)) return undefined;
    common = value;
  }
  return common;
}

/** Builds an SQS-triggered function: traced, annotated with the batch's campaign and user when they are one. */
export function sqsFunction(
  options: SqsFunctionOptions,
  handler: LambdaHandler<SQSEvent, SQSBatchResponse>,
): LambdaHandler<SQSEvent, SQSBatchResponse> {
  return tracedChain<SQSEvent, SQSBatchResponse>(
    {
      name: options.name,
      campaignId: (event) => commonBodyField(event, 'campaignId'),
      userId: (event) => commonBodyField(event, 'userId'),
      responseStatus: (response) => (response.batchItemFailures.length > 0 ? 500 : undefined),
    },
    [],
    handler,
  );
}
