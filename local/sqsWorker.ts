/**
 * Runs an SQS-triggered handler on this machine as Lambda's event source mapping would: long-poll the queue,
 * hand the batch to the handler as an SQS event with a new trace header, delete what it did not report as failed.
 * One invocation at a time, as in one Lambda instance.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { LambdaHandler } from '../src/middleware/tracedChain.ts';
import { lambdaContext, newTraceHeader } from './lambdaRuntime.ts';
import { acknowledge, type QueueRef, receiveEvent } from './sqsLambda.ts';

export interface SqsWorkerOptions {
  name: string;
  sqs: SQSClient;
  queue: QueueRef;
  batchSize: number;
  handler: LambdaHandler<SQSEvent, SQSBatchResponse>;
  onError?: (error: unknown) => void;
}

/** Starts polling; the returned function stops it after the invocation in progress. */
export function startSqsWorker(options: SqsWorkerOptions): () => Promise<void> {
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const event = await receiveEvent(options.sqs, options.queue, options.batchSize, 1);
        if (event === undefined) continue;
        process.env._X_AMZN_TRACE_ID = newTraceHeader().header;
        const response = await options.handler(event, lambdaContext(options.name)).catch((error: unknown) => {
          // A thrown handler fails the whole batch: every record comes back after the visibility timeout.
          options.onError?.(error);
          return undefined;
        });
        await acknowledge(options.sqs, options.queue, event, response);
      } catch (error) {
        if (running) options.onError?.(error);
      }
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}
