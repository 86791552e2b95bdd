/**
 * Drives an SQS-triggered handler as Lambda's event source mapping does: receive a batch, build the SQS event
 * Lambda would build, invoke, then delete every record the handler did not report in `batchItemFailures`.
 * Records reported as failed stay on the queue and come back after the visibility timeout (then go to the DLQ).
 */
import { createHash } from 'node:crypto';
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

export interface QueueRef {
  url: string;
  arn: string;
  region: string;
}

/** The ARN of a queue from its URL (`.../<account>/<name>`), as Lambda's event carries it. */
export function queueRef(url: string, region = 'us-east-1'): QueueRef {
  const [account, name] = new URL(url).pathname.split('/').filter(Boolean);
  return { url, region, arn: `arn:aws:sqs:${region}:${account ?? '000000000000'}:${name ?? 'queue'}` };
}

/** The SQS record Lambda delivers for one received message. */
export function toSqsRecord(message: Message, queue: QueueRef): SQSRecord {
  const attributes = message.Attributes ?? {};
  const body = message.Body ?? '';
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body,
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      // The sender's trace, as Lambda passes it on.
      ...(attributes.AWSTraceHeader ? { AWSTraceHeader: attributes.AWSTraceHeader } : {}),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([key, value]) => [
        key,
        {
          stringValue: value.StringValue,
          dataType: value.DataType ?? 'String',
          stringListValues: [],
          binaryListValues: [],
        },
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? createHash('md5').update(body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: queue.arn,
    awsRegion: queue.region,
  };
}

/** Receives up to `batchSize` messages (long polling `waitSeconds`) as one Lambda SQS event; undefined when none. */
export async function receiveEvent(
  sqs: SQSClient,
  queue: QueueRef,
  batchSize: number,
  waitSeconds = 0,
): Promise<SQSEvent | undefined> {
  const received = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queue.url,
      MaxNumberOfMessages: Math.min(batchSize, 10),
      WaitTimeSeconds: waitSeconds,
      AttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    }),
  );
  const messages = received.Messages ?? [];
  return messages.length === 0
    ? undefined
    : { Records: messages.map((message) => toSqsRecord(message, queue)) };
}

/** Deletes the records of `event` that `response` did not report as failed; a thrown handler deletes nothing. */
export async function acknowledge(
  sqs: SQSClient,
  queue: QueueRef,
  event: SQSEvent,
  response: SQSBatchResponse | undefined,
): Promise<number> {
  const failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
  const done = event.Records.filter((record) => !failed.has(record.messageId));
  if (done.length === 0) return 0;
  await sqs.send(
    new DeleteMessageBatchCommand({
      QueueUrl: queue.url,
      Entries: done.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
    }),
  );
  return done.length;
}
