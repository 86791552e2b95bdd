/**
 * Poison messages on every consumed queue (dial-tasks, call-results, imports), on the embedded stack: malformed,
 * truncated, oversized, NUL-holding, wrong-schema, unknown-campaign and invalid-number messages. Each must be set
 * aside in `rejected_messages` with its reason (with its campaign and contact when they can be read), acknowledged on
 * its first delivery: never retried, never dropped without a record. The figures go to the reliability report.
 */

import { GetQueueAttributesCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterAll, expect, it } from '@jest/globals';
import { startSystemHarness } from '../helpers/systemHarness.ts';
import { itKeepsContactsPrivate } from './privacy.ts';
import { writeReportSection } from './report.ts';

const harness = await startSystemHarness();
afterAll(() => harness.stop());

const DIAL = { campaignId: 'poison', contactId: 'c-1', attempt: 1, phoneNumber: '+12025550101', userId: 'u' };
const RESULT = { dialId: 'poison:c-1:1', outcome: 'busy', endedAt: '2026-12-02T15:00:00Z' };
const IMPORT = {
  Records: [
    {
      eventName: 'ObjectCreated:Post',
      s3: { bucket: { name: 'imports' }, object: { key: 'uploads/x/y.csv', size: 1 } },
    },
  ],
};

/** The poison of one queue: what a valid message looks like, spoiled every way. */
function poisonFor(valid: Record<string, unknown>): Array<[string, string]> {
  const text = JSON.stringify(valid);
  return [
    ['malformed JSON', '{"campaignId": '],
    ['truncated', text.slice(0, Math.floor(text.length / 2))],
    ['not an object', '[1, 2, 3]'],
    ['empty', '""'],
    ['NUL character', JSON.stringify({ ...valid, extra: '\u0000' })],
    ['oversized', JSON.stringify({ ...valid, padding: 'x'.repeat(200_000) })],
    ['wrong schema', JSON.stringify({ foo: 1 })],
    ['wrong types', JSON.stringify(Object.fromEntries(Object.keys(valid).map((key) => [key, [42]])))],
  ];
}

const QUEUES = {
  dialTasks: {
    name: 'dial-tasks',
    poison: [
      ...poisonFor(DIAL),
      ['unknown campaign', JSON.stringify({ ...DIAL, campaignId: 'no-such-campaign' })],
      ['invalid number', JSON.stringify({ ...DIAL, phoneNumber: 'not a number' })],
      ['attempt out of range', JSON.stringify({ ...DIAL, attempt: 1000 })],
    ] as Array<[string, string]>,
    drain: () => harness.drain('dialTasks'),
  },
  callResults: {
    name: 'call-results',
    poison: [
      ...poisonFor(RESULT),
      ['unknown campaign', JSON.stringify({ ...RESULT, dialId: 'no-such-campaign:c-1:1' })],
      ['unknown outcome', JSON.stringify({ ...RESULT, outcome: 'exploded' })],
    ] as Array<[string, string]>,
    drain: () => harness.deliverResults([]),
  },
  imports: {
    name: 'imports',
    poison: [
      ...poisonFor(IMPORT),
      ['unknown record shape', JSON.stringify({ Records: [{ nothing: true }] })],
    ] as Array<[string, string]>,
    drain: () => harness.drainImports(),
  },
} as const;

async function send(queueUrl: string, bodies: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < bodies.length; i += 1) {
    const { Successful = [], Failed = [] } = await harness.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [{ Id: '0', MessageBody: bodies[i] ?? '' }],
      }),
    );
    expect(Failed).toEqual([]);
    ids.push(Successful[0]?.MessageId ?? '');
  }
  return ids;
}

async function waiting(queueUrl: string): Promise<number> {
  const { Attributes = {} } = await harness.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

it('sets aside every poison message with its reason, on its first delivery: none retried, none dropped', async () => {
  const perQueue: Record<
    string,
    { tried: number; recorded: number; retriedForever: number; dropped: number }
  > = {};
  const missing: string[] = [];
  for (const [key, queue] of Object.entries(QUEUES)) {
    const url = harness.stack.queueUrls[key as keyof typeof QUEUES];
    const dlq = harness.stack.dlqUrls[key as keyof typeof QUEUES];
    // Act: the poison on the queue, then its consumer until the queue is empty
    const ids = await send(
      url,
      queue.poison.map(([, body]) => body),
    );
    await queue.drain();
    // Assert: each recorded, the queue and its DLQ empty
    const { rows } = await harness.db.query<{ message_id: string; reason: string }>(
      'SELECT message_id, reason FROM rejected_messages WHERE queue = $1 AND message_id = ANY($2)',
      [queue.name, ids],
    );
    const recorded = new Set(rows.map((row) => row.message_id));
    const left = await waiting(url);
    for (const [i, [what]] of queue.poison.entries())
      if (!recorded.has(ids[i] ?? '')) missing.push(`${key}: ${what}`);
    perQueue[key] = {
      tried: ids.length,
      recorded: recorded.size,
      retriedForever: left + (await waiting(dlq)),
      dropped: ids.length - recorded.size - left,
    };
    // Every reason says what was wrong, and never holds the body's number
    for (const row of rows) expect(row.reason).not.toMatch(/2025550101/);
  }
  const total = Object.values(perQueue).reduce(
    (sum, q) => ({
      tried: sum.tried + q.tried,
      recorded: sum.recorded + q.recorded,
      retriedForever: sum.retriedForever + q.retriedForever,
      dropped: sum.dropped + q.dropped,
    }),
    { tried: 0, recorded: 0, retriedForever: 0, dropped: 0 },
  );
  await writeReportSection('poisonMessages', { ...total, byQueue: perQueue });
  expect(missing).toEqual([]);
  expect(total.retriedForever).toBe(0);
  expect(total.dropped).toBe(0);
}, 300_000);

itKeepsContactsPrivate(harness, 'poisonMessages');
