/**
 * Sending to an SQS queue in batches: SendMessageBatch, 10 entries and at most 1 MiB a call; entries that failed
 * for a passing reason (throttling, a service error) are sent again with backoff, those the sender caused are not.
 */
import type { SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { type BackoffOptions, retryPending } from '../lib/backoff.ts';

/** SQS's limits for one SendMessageBatch call. */
export const SEND_BATCH_MAX_ENTRIES = 10;
export const SEND_BATCH_MAX_BYTES = 1_048_576;

export interface OutgoingMessage {
  /** Unique within one send: how the result names this message (a dialId, a page). */
  id: string;
  body: unknown;
  /** String message attributes (consumers can read them without parsing the body). */
  attributes?: Record<string, string>;
  /** Seconds before the message can be received (0-900): the scheduler spreads a minute's calls with it. */
  delaySeconds?: number;
}

export interface SendResult {
  /** Ids of the messages that are on the queue. */
  sent: Set<string>;
  /** Ids of the messages that may not be on the queue, with the reason (no message content in it). */
  failed: Map<string, string>;
}

export interface MessageQueue {
  send(messages: readonly OutgoingMessage[]): Promise<SendResult>;
}

export interface MessageQueueDeps {
  sqs: SQSClient;
  queueUrl: string;
  retry?: BackoffOptions;
  /**
   * The sender's trace header, sent as the message's AWSTraceHeader: X-Ray then links the receiving invocation to
   * the one that sent it (a campaign's start, ticks, dials and results in one timeline).
   */
  traceHeader?: () => string | undefined;
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

export function createMessageQueue({
  sqs,
  queueUrl,
  retry = { attempts: 3, baseDelayMs: 50 },
  traceHeader = () => undefined,
}: MessageQueueDeps): MessageQueue {
  async function sendChunk(messages: readonly OutgoingMessage[], result: SendResult): Promise<void> {
    const header = traceHeader();
    const system = header ? { AWSTraceHeader: { DataType: 'String', StringValue: header } } : undefined;
    // The entries SQS failed for a passing reason are sent again; those the sender caused are not.
    await retryPending(
      messages.map((message, index) => ({ message, id: String(index) })),
      async (pending) => {
        const entries: SendMessageBatchRequestEntry[] = pending.map(({ message, id }) => ({
          Id: id,
          MessageBody: JSON.stringify(message.body),
          ...(message.delaySeconds ? { DelaySeconds: message.delaySeconds } : {}),
          ...(system ? { MessageSystemAttributes: system } : {}),
          MessageAttributes: Object.fromEntries(
            Object.entries(message.attributes ?? {}).map(([key, value]) => [
              key,
              { DataType: 'String', StringValue: value },
            ]),
          ),
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
        const retryable: (typeof pending)[number][] = [];
        for (const item of pending) {
          const failure = failedIds.get(item.id);
          if (failure === undefined) {
            result.sent.add(item.message.id);
            result.failed.delete(item.message.id);
          } else {
            result.failed.set(item.message.id, failure.reason);
            if (!failure.permanent) retryable.push(item);
          }
        }
        return retryable;
      },
      retry,
    );
  }

  return {
    async send(messages) {
      const result: SendResult = { sent: new Set(), failed: new Map() };
      const chunks = chunkEntries(messages.map((message) => JSON.stringify(message.body)));
      await Promise.all(
        chunks.map((chunk) =>
          sendChunk(
            chunk.flatMap((i) => messages[i] ?? []),
            result,
          ),
        ),
      );
      return result;
    },
  };
}
