/**
 * The asterisk-calls queue: where a call leaves this system for the Asterisk telephony workers.
 * Calls go out with SendMessageBatch, 10 a call; entries that failed for a passing reason are sent again.
 */
import type { SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { AsteriskCall } from '../generated/asteriskCall.ts';
import { type BackoffOptions, backoff } from '../lib/backoff.ts';

/** SQS's limits for one SendMessageBatch call. */
export const SEND_BATCH_MAX_ENTRIES = 10;
export const SEND_BATCH_MAX_BYTES = 1_048_576;

export interface SendResult {
  /** dialIds whose message is on the queue. */
  sent: Set<string>;
  /** dialIds whose message may not be on the queue, with the reason (no phone number in it). */
  failed: Map<string, string>;
}

export interface CallQueue {
  send(calls: readonly AsteriskCall[]): Promise<SendResult>;
}

export interface CallQueueDeps {
  sqs: SQSClient;
  queueUrl: string;
  retry?: BackoffOptions;
}

/** Groups entries into batches of at most 10 entries and 1 MiB. */
export function chunkEntries(bodies: readonly string[]): number[][] {
  const chunks: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  bodies.forEach((body, index) => {
    const size = Buffer.byteLength(body);
    if (
      current.length === SEND_BATCH_MAX_ENTRIES ||
      (current.length > 0 && bytes + size > SEND_BATCH_MAX_BYTES)
    ) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(index);
    bytes += size;
  });
  if (current.length > 0) chunks.push(current);
  return chunks;
}

export function createCallQueue({
  sqs,
  queueUrl,
  retry = { attempts: 3, baseDelayMs: 50 },
}: CallQueueDeps): CallQueue {
  async function sendChunk(calls: readonly AsteriskCall[], result: SendResult): Promise<void> {
    let pending = calls.map((call, index) => ({ call, id: String(index) }));
    for (let tried = 1; pending.length > 0 && tried <= retry.attempts; tried += 1) {
      if (tried > 1) await backoff(tried - 1, retry);
      const entries: SendMessageBatchRequestEntry[] = pending.map(({ call, id }) => ({
        Id: id,
        MessageBody: JSON.stringify(call),
        MessageAttributes: { dialId: { DataType: 'String', StringValue: call.dialId } },
      }));
      let failedIds: Map<string, { reason: string; permanent: boolean }>;
      try {
        const response = await sqs.send(
          new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }),
        );
        failedIds = new Map(
          (response.Failed ?? []).map((entry) => [
            entry.Id ?? '',
            { reason: `SQS ${entry.Code ?? 'error'}`, permanent: entry.SenderFault === true },
          ]),
        );
      } catch (error) {
        const reason = `SQS ${error instanceof Error ? error.name : 'error'}`;
        failedIds = new Map(pending.map(({ id }) => [id, { reason, permanent: false }]));
      }
      const retryable: typeof pending = [];
      for (const item of pending) {
        const failure = failedIds.get(item.id);
        if (failure === undefined) {
          result.sent.add(item.call.dialId);
          result.failed.delete(item.call.dialId);
        } else {
          result.failed.set(item.call.dialId, failure.reason);
          if (!failure.permanent) retryable.push(item);
        }
      }
      pending = retryable;
    }
  }

  return {
    async send(calls) {
      const result: SendResult = { sent: new Set(), failed: new Map() };
      const chunks = chunkEntries(calls.map((call) => JSON.stringify(call)));
      await Promise.all(
        chunks.map((chunk) =>
          sendChunk(
            chunk.map((i) => calls[i] as AsteriskCall),
            result,
          ),
        ),
      );
      return result;
    },
  };
}
