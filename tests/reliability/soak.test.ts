/**
 * The redelivery soak: a campaign of 10,000 contacts in five US zones run to its end through the local telephony
 * simulator (its usual mix of outcomes, opt-outs and retries), on the embedded stack with the clock injected, while
 * - dial tasks are delivered twice at once: a batch's visibility timeout expires under its worker and a second
 *   worker receives the same messages;
 * - call results arrive twice and out of order;
 * - SQS and DynamoDB fail now and then (a request in 30 answered with a 500 or cut off);
 * - 1 number in 50 is on the do-not-call list from the start, and the opt-outs join it as they come.
 * At the end every contact's attempts must match its outcomes exactly: no attempt lost, none placed twice (no dialId
 * twice among the call messages), no listed or opted-out number called, no call outside its window, no contact
 * over its attempts. The figures go to the reliability report.
 */

import { ChangeMessageVisibilityBatchCommand } from '@aws-sdk/client-sqs';
import { afterAll, expect, it } from '@jest/globals';
import type { SQSEvent } from 'aws-lambda';
import { acknowledge, queueRef, receiveEvent } from '../../local/sqsLambda.ts';
import { DEFAULT_MIX, seededRandom } from '../../local/telephony.ts';
import type { CallResult } from '../../src/generated/callResult.ts';
import { campaignRunner } from '../helpers/campaignRunner.ts';
import { lambdaContext, traceFor } from '../helpers/lambda.ts';
import { startSystemHarness } from '../helpers/systemHarness.ts';
import { itKeepsContactsPrivate } from './privacy.ts';
import { writeReportSection } from './report.ts';

const CONTACTS = 10_000;
/** New York, Chicago, Denver, Los Angeles, Honolulu. */
const AREA_CODES = ['212', '312', '303', '415', '808'];
const LISTED_EVERY = 50;
const TWICE_SHARE = 0.1;
const FAILURE_SHARE = 1 / 30;

const harness = await startSystemHarness({}, { faultProxies: true });
afterAll(() => harness.stop());
const random = seededRandom(2026);
const runner = campaignRunner(harness, DEFAULT_MIX, seededRandom(7));
const dialTasks = queueRef(harness.stack.queueUrls.dialTasks);
let redeliveries = 0;

async function invoke(event: SQSEvent) {
  traceFor(event);
  const { result } = await harness.quietly(() => harness.handler(event, lambdaContext('dialerWorker')));
  return result;
}

/**
 * The dialer's event source mapping, with a visibility timeout expiring under some of its workers: the batch comes
 * back to the queue at once and a second worker receives it (with whatever else is visible) while the first works.
 */
async function dialWithRedeliveries(): Promise<void> {
  for (;;) {
    const first = await receiveEvent(harness.sqs, dialTasks, 10, 0);
    if (first === undefined) return;
    if (random() >= TWICE_SHARE) {
      await acknowledge(harness.sqs, dialTasks, first, await invoke(first));
      continue;
    }
    await harness.sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: dialTasks.url,
        Entries: first.Records.map((record, i) => ({
          Id: String(i),
          ReceiptHandle: record.receiptHandle,
          VisibilityTimeout: 0,
        })),
      }),
    );
    const second = await receiveEvent(harness.sqs, dialTasks, 10, 0);
    const ids = new Set(first.Records.map((record) => record.messageId));
    redeliveries += second?.Records.filter((record) => ids.has(record.messageId)).length ?? 0;
    const [a, b] = await Promise.all([invoke(first), second ? invoke(second) : undefined]);
    // The first worker's receipt handles are stale once the second received the messages: its deletes may not hold.
    await acknowledge(harness.sqs, dialTasks, first, a).catch(() => 0);
    if (second && b) await acknowledge(harness.sqs, dialTasks, second, b);
  }
}

/** Results as a telephony platform may send them: some twice, in another order. */
function twiceAndShuffled(results: CallResult[]): CallResult[] {
  const sent = results.flatMap((result) => (random() < TWICE_SHARE ? [result, result] : [result]));
  for (let i = sent.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [sent[i], sent[j]] = [sent[j] as CallResult, sent[i] as CallResult];
  }
  return sent;
}

it('runs 10,000 contacts to the end through redeliveries, duplicate results and transient failures, within the law', async () => {
  // Prepare: the contacts, some listed; transient failures on SQS and DynamoDB from now on
  const numbers = Array.from(
    { length: CONTACTS },
    (_, i) =>
      `+1${AREA_CODES[i % AREA_CODES.length]}555${String(Math.floor(i / AREA_CODES.length)).padStart(4, '0')}`,
  );
  const listed = new Set(numbers.filter((_, i) => i % LISTED_EVERY === 0));
  await harness.blacklist([...listed]);
  const campaignId = await runner.createRunning(
    'soak',
    numbers.map((phoneNumber) => ({ phoneNumber })),
  );
  const transient = () =>
    random() < FAILURE_SHARE
      ? random() < 0.5
        ? ({ kind: 'cut' } as const)
        : ({ kind: 'error', status: 500, type: 'InternalFailure', message: 'injected' } as const)
      : undefined;
  harness.faults?.sqs.inject(transient);
  harness.faults?.dynamo.inject(transient);

  // Act
  const rounds = await runner.run(campaignId, { dial: dialWithRedeliveries, results: twiceAndShuffled }, 400);
  const failuresInjected =
    (harness.faults?.sqs.inject(undefined) ?? 0) + (harness.faults?.dynamo.inject(undefined) ?? 0);

  // Assert
  const audit = await runner.audit(campaignId, listed);
  const { problems, ...figures } = audit;
  await writeReportSection('soak', { ...figures, redeliveries, failuresInjected, rounds });
  expect(problems).toEqual([]);
  expect(audit).toMatchObject({
    contacts: CONTACTS,
    lost: 0,
    duplicateCalls: 0,
    blacklistedCalled: 0,
    outsideWindow: 0,
    overCap: 0,
  });
  expect(redeliveries).toBeGreaterThan(0);
  expect(failuresInjected).toBeGreaterThan(0);
}, 540_000);

itKeepsContactsPrivate(harness, 'soak');
