/**
 * dialerWorker on the embedded stack (PostgreSQL, DynamoDB and SQS emulators), with the real X-Ray SDK in Lambda
 * mode: assertions on queue messages, database rows, and the documents the SDK sent to the UDP receiver.
 */

import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from '@jest/globals';
import { queueRef } from '../../local/sqsLambda.ts';
import { startSqsWorker } from '../../local/sqsWorker.ts';
import { createBlacklistTable } from '../../local/stack.ts';
import type { XrayDocument } from '../../local/xrayReceiver.ts';
import validateAsteriskCall from '../../src/generated/asteriskCall.validate.cjs';
import type { DialTask } from '../../src/generated/dialTask.ts';
import { byName, childrenOf, inTrace, named, rootOf } from '../helpers/lambda.ts';
import { type Contact, PHONE_HASH_KEY, type Run, startSystemHarness } from '../helpers/systemHarness.ts';

const harness = await startSystemHarness();
const { phoneHash } = await import('../../src/lib/phone.ts');
const { sqsClient } = await import('../../src/lib/sqsClient.ts');

afterAll(() => harness.stop());

const tasksFor = (campaignId: string, contacts: Contact[], userId = 'user-1'): DialTask[] =>
  contacts.map((contact) => ({
    campaignId,
    contactId: contact.id,
    attempt: 1,
    phoneNumber: contact.phoneNumber,
    userId,
  }));

/**
 * Waits until the trace holds a closed root and a subsegment for every record (`ProcessDialTask`, or
 * `RejectedMessage` for one refused before it reached the dialer), and returns its documents.
 */
async function traceOf(run: Run): Promise<XrayDocument[]> {
  const count = run.event.Records.length;
  const docs = await harness.stack.xray.waitFor((all) => {
    const trace = inTrace(all, run.traceId);
    const records = named(trace, 'ProcessDialTask').length + named(trace, 'RejectedMessage').length;
    return named(trace, 'dialerWorker').length === 1 && records === count;
  });
  return inTrace(docs, run.traceId);
}

function taskDoc(trace: XrayDocument[], contactId: string): XrayDocument {
  const doc = byName(trace, 'ProcessDialTask').find((d) => d.annotations?.contactId === contactId);
  if (doc === undefined) throw new Error(`no ProcessDialTask for ${contactId}`);
  return doc;
}

function expectNoRawNumbers(texts: string[], contacts: Contact[]): void {
  const all = texts.join('\n');
  for (const { phoneNumber } of contacts) {
    expect(all).not.toContain(phoneNumber);
    expect(all).not.toContain(phoneNumber.slice(2));
  }
}

describe('dialerWorker', () => {
  it('calls every contact not on the blacklist once, records each attempt, and traces the batch', async () => {
    // Prepare
    const contacts = await harness.seedCampaign('c-happy', 'user-1', 10, 0);
    const listed = [contacts[3], contacts[7]].map((contact) => contact?.phoneNumber ?? '');
    await harness.blacklist(listed);
    await harness.enqueue(tasksFor('c-happy', contacts));

    // Act
    const run = await harness.runBatch();

    // Assess: queue and database
    expect(run.event.Records).toHaveLength(10);
    expect(run.response.batchItemFailures).toEqual([]);
    const calls = (await harness.callMessages()).filter((call) => call.campaignId === 'c-happy');
    expect(calls.map((call) => call.dialId).sort()).toEqual(
      contacts
        .filter((c) => !listed.includes(c.phoneNumber))
        .map((c) => `c-happy:${c.id}:1`)
        .sort(),
    );
    for (const call of calls) expect(validateAsteriskCall(call)).toBe(true);
    const attempts = await harness.attempts('c-happy');
    expect(attempts.filter((a) => a.status === 'initiated')).toHaveLength(8);
    expect(attempts.filter((a) => a.status === 'skipped_blacklisted').map((a) => a.contact_id)).toEqual([
      'contact-3',
      'contact-7',
    ]);

    // Assess: the trace tree
    const trace = await traceOf(run);
    const root = rootOf(trace, 'dialerWorker');
    expect(root.annotations).toMatchObject({
      campaignId: 'c-happy',
      userId: 'user-1',
      environment: 'test',
      service: 'voice-campaign',
      coldStart: true,
    });
    expect(root.fault ?? root.error ?? false).toBe(false);
    const tasks = childrenOf(trace, root).filter((doc) => doc.name === 'ProcessDialTask');
    expect(tasks).toHaveLength(10);
    const called = taskDoc(trace, 'contact-0');
    expect(called.annotations).toEqual({
      campaignId: 'c-happy',
      contactId: 'contact-0',
      attempt: 1,
      phoneHash: phoneHash(contacts[0]?.phoneNumber ?? '', PHONE_HASH_KEY),
    });
    expect(childrenOf(trace, called).map((doc) => doc.name)).toEqual([
      'ValidateInput',
      'CheckBlacklist',
      'InitiateCall',
      'RecordAttempt',
    ]);
    const skipped = taskDoc(trace, 'contact-3');
    expect(childrenOf(trace, skipped).map((doc) => doc.name)).toEqual([
      'ValidateInput',
      'CheckBlacklist',
      'RecordAttempt',
    ]);
    expect(byName(childrenOf(trace, skipped), 'CheckBlacklist')[0]?.metadata?.default?.blacklisted).toBe(
      true,
    );

    // Assess: batched calls, once per batch, under the root
    const remote = childrenOf(trace, root).filter((doc) => doc.name !== 'ProcessDialTask');
    const operations = remote.map((doc) =>
      doc.sql
        ? `SQL ${String(doc.sql.sanitized_query).trim().split(/\s+/)[0]}`
        : `${doc.name}.${String(doc.aws?.operation)}`,
    );
    // Three statements: the contacts' calling facts read, the claim (its numbers locked, then claimed, in the one
    // transaction of that statement), the outcomes with the listed contact ended.
    expect(operations.sort()).toEqual([
      'DynamoDB.BatchGetItem',
      'SQL SELECT',
      'SQL SELECT',
      'SQL SELECT',
      'SQS.SendMessageBatch',
    ]);
    for (const sql of remote.filter((doc) => doc.sql)) {
      expect(sql.namespace).toBe('remote');
      // The statement's text with its placeholders, never a value
      expect(String(sql.sql?.sanitized_query)).toMatch(/^\s*SELECT/);
      expect(String(sql.sql?.sanitized_query)).not.toMatch(/\+1\d{6}/);
    }

    // Assess: no raw number in any document or log line
    expectNoRawNumbers([JSON.stringify(trace), ...run.output], contacts);
    expect(run.output.some((line) => line.includes('Batch processed'))).toBe(true);
  });

  it('handles a redelivered batch without a second call for any attempt', async () => {
    // Prepare
    const contacts = await harness.seedCampaign('c-redeliver', 'user-1', 5, 100);
    await harness.enqueue(tasksFor('c-redeliver', contacts));
    const first = await harness.runBatch();

    // Act: SQS delivers the same messages again.
    const second = await harness.runBatch(first.event);

    // Assess
    expect(second.response.batchItemFailures).toEqual([]);
    const calls = (await harness.callMessages()).filter((call) => call.campaignId === 'c-redeliver');
    expect(calls).toHaveLength(5);
    expect(new Set(calls.map((call) => call.dialId)).size).toBe(5);
    const trace = await traceOf(second);
    expect(byName(trace, 'ProcessDialTask').map((doc) => doc.metadata?.default?.outcome)).toEqual(
      Array(5).fill('duplicate'),
    );
    expect(named(trace, 'SQS')).toEqual([]);
  });

  it('sends again, under the same dialId, a call whose claim expired; waits on a claim still held', async () => {
    // Prepare: contact-0 was claimed long ago by an invocation that died; contact-1 was claimed just now.
    const contacts = await harness.seedCampaign('c-lease', 'user-1', 2, 200);
    await harness.db.query(
      `INSERT INTO call_attempts (campaign_id, contact_id, attempt, status, claimed_at) VALUES
       ('c-lease', 'contact-0', 1, 'dialing', $1::timestamptz - interval '1 hour'),
       ('c-lease', 'contact-1', 1, 'dialing', $1)`,
      [harness.now()],
    );
    await harness.enqueue(tasksFor('c-lease', contacts));

    // Act
    const run = await harness.runBatch();

    // Assess
    const held = run.event.Records.find((record) => record.body.includes('contact-1'));
    expect(run.response.batchItemFailures).toEqual([{ itemIdentifier: held?.messageId }]);
    const calls = (await harness.callMessages()).filter((call) => call.campaignId === 'c-lease');
    expect(calls.map((call) => call.dialId)).toEqual(['c-lease:contact-0:1']);
    expect(await harness.attempts('c-lease')).toEqual([
      { contact_id: 'contact-0', attempt: 1, status: 'initiated' },
      { contact_id: 'contact-1', attempt: 1, status: 'dialing' },
    ]);
  });

  it('never records as skipped an attempt another invocation is dialling, even when its number was listed since', async () => {
    // Prepare: contact-0's call is being placed right now (a fresh claim); its number is listed a moment later.
    const contacts = await harness.seedCampaign('c-live', 'user-1', 1, 250);
    await harness.db.query(
      `INSERT INTO call_attempts (campaign_id, contact_id, attempt, status, claimed_at)
       VALUES ('c-live', 'contact-0', 1, 'dialing', $1)`,
      [harness.now()],
    );
    await harness.blacklist(contacts.map((contact) => contact.phoneNumber));
    await harness.enqueue(tasksFor('c-live', contacts));

    // Act
    const run = await harness.runBatch();

    // Assess: the claim is left to its owner (the task waits), not overwritten with a false compliance record
    expect(run.response.batchItemFailures).toHaveLength(1);
    expect(await harness.attempts('c-live')).toEqual([
      { contact_id: 'contact-0', attempt: 1, status: 'dialing' },
    ]);
  });

  it('calls only the contact’s stored number, and no attempt past the campaign’s maximum', async () => {
    // Prepare: one task carries another number than its contact's; one asks for attempt 7 of 3
    const contacts = await harness.seedCampaign('c-checks', 'user-1', 3, 260);
    const [good, forged, late] = tasksFor('c-checks', contacts);
    await harness.enqueue([
      good as DialTask,
      { ...(forged as DialTask), phoneNumber: '+12025559999' },
      { ...(late as DialTask), attempt: 7 },
    ]);

    // Act
    const run = await harness.runBatch();

    // Assess
    expect(run.response.batchItemFailures).toEqual([]);
    const calls = (await harness.callMessages()).filter((call) => call.campaignId === 'c-checks');
    expect(calls.map((call) => [call.dialId, call.phoneNumber])).toEqual([
      ['c-checks:contact-0:1', good?.phoneNumber],
    ]);
    const { rows } = await harness.db.query(
      `SELECT contact_id, reason FROM rejected_messages WHERE campaign_id = 'c-checks' ORDER BY contact_id`,
    );
    expect(rows).toEqual([
      { contact_id: 'contact-1', reason: "Dial task's number is not the contact's stored number" },
      { contact_id: 'contact-2', reason: "Dial task's attempt is past the campaign's maxAttempts" },
    ]);
    expect(await harness.attempts('c-checks')).toEqual([
      { contact_id: 'contact-0', attempt: 1, status: 'initiated' },
    ]);
  });

  it('reports exactly the records whose call message failed, and sends them once when retried', async () => {
    // Prepare: SQS answers 200 with per-entry failures for two of the entries (as it does under throttling).
    const contacts = await harness.seedCampaign('c-partial', 'user-1', 6, 300);
    await harness.enqueue(tasksFor('c-partial', contacts));
    const failing = new Set(['c-partial:contact-1:1', 'c-partial:contact-4:1']);
    const failEntries =
      (next: (args: unknown) => Promise<{ output: Record<string, unknown> }>) =>
      async (args: { input: { Entries?: Array<{ Id?: string; MessageBody?: string }> } }) => {
        const entries = args.input.Entries ?? [];
        const dropped = entries.filter((entry) => failing.has(JSON.parse(entry.MessageBody ?? '{}').dialId));
        args.input.Entries = entries.filter((entry) => !dropped.includes(entry));
        const result =
          args.input.Entries.length > 0 ? await next(args) : { output: { Successful: [], $metadata: {} } };
        result.output.Failed = [
          ...((result.output.Failed as unknown[]) ?? []),
          ...dropped.map((entry) => ({ Id: entry.Id, Code: 'ThrottlingException', SenderFault: false })),
        ];
        return result;
      };
    sqsClient.middlewareStack.add(failEntries as never, { step: 'initialize', name: 'failEntries' });

    // Act
    let run: Run;
    try {
      run = await harness.runBatch();
    } finally {
      sqsClient.middlewareStack.remove('failEntries');
    }

    // Assess: only the two records are retried; their claims are released
    const failedIds = run.event.Records.filter((r) => /contact-[14]"/.test(r.body)).map((r) => r.messageId);
    expect(run.response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(failedIds.sort());
    const statuses = Object.fromEntries(
      (await harness.attempts('c-partial')).map((a) => [a.contact_id, a.status]),
    );
    expect(statuses).toMatchObject({
      'contact-1': 'dialing',
      'contact-4': 'dialing',
      'contact-0': 'initiated',
    });
    const trace = await traceOf(run);
    expect(rootOf(trace, 'dialerWorker').fault).toBe(true);
    const failedCall = byName(childrenOf(trace, taskDoc(trace, 'contact-1')), 'InitiateCall')[0];
    expect(failedCall?.fault).toBe(true);
    expect(failedCall?.cause?.exceptions?.[0]?.message).toMatch(/ThrottlingException/);
    expect(taskDoc(trace, 'contact-0').fault).toBeUndefined();

    // Act: the two messages come back (after the visibility timeout) and succeed
    const retry = await harness.runBatch({
      Records: run.event.Records.filter((r) => failedIds.includes(r.messageId)),
    });

    // Assess: one call message per dialId in all
    expect(retry.response.batchItemFailures).toEqual([]);
    const calls = (await harness.callMessages()).filter((call) => call.campaignId === 'c-partial');
    expect(calls.map((call) => call.dialId).sort()).toEqual(
      contacts.map((c) => `c-partial:${c.id}:1`).sort(),
    );
  });

  it('retries every valid record when the blacklist cannot be read, and still sets invalid ones aside', async () => {
    // Prepare: the blacklist table is gone (DynamoDB answers ResourceNotFoundException).
    const contacts = await harness.seedCampaign('c-nodynamo', 'user-1', 3, 400);
    await harness.enqueue([...tasksFor('c-nodynamo', contacts), 'not json']);
    const dynamo = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: harness.stack.env.AWS_ENDPOINT_URL_DYNAMODB,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await dynamo.send(new DeleteTableCommand({ TableName: 'blacklist' }));

    // Act
    let run: Run;
    try {
      run = await harness.runBatch();
    } finally {
      await createBlacklistTable(dynamo);
      dynamo.destroy();
    }

    // Assess
    const valid = run.event.Records.filter((r) => r.body !== 'not json').map((r) => r.messageId);
    expect(run.response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(valid.sort());
    expect(await harness.attempts('c-nodynamo')).toEqual([]);
    const trace = await traceOf(run);
    const check = byName(childrenOf(trace, taskDoc(trace, 'contact-0')), 'CheckBlacklist')[0];
    expect(check?.fault).toBe(true);
    const { rows } = await harness.db.query(
      "SELECT reason FROM rejected_messages WHERE queue = 'dial-tasks' AND body = $1",
      ['not json'],
    );
    expect(rows).toEqual([{ reason: 'Dial task is not valid JSON' }]);
  });

  it('moves a task whose dependency keeps failing to the dead-letter queue after maxReceiveCount receives', async () => {
    // Prepare: a queue that redelivers after 1 s and gives up after 2 receives, driven as Lambda drives it;
    // the blacklist table is gone, so every delivery of the task fails.
    const contacts = await harness.seedCampaign('c-dlq', 'user-1', 1, 700);
    const dlq = await harness.sqs.send(new CreateQueueCommand({ QueueName: 'dlq-test-dlq' }));
    const dlqArn = queueRef(dlq.QueueUrl ?? '').arn;
    const main = await harness.sqs.send(
      new CreateQueueCommand({
        QueueName: 'dlq-test',
        Attributes: {
          VisibilityTimeout: '1',
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }),
        },
      }),
    );
    await harness.sqs.send(
      new SendMessageCommand({
        QueueUrl: main.QueueUrl,
        MessageBody: JSON.stringify(tasksFor('c-dlq', contacts)[0]),
      }),
    );
    const dynamo = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: harness.stack.env.AWS_ENDPOINT_URL_DYNAMODB,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await dynamo.send(new DeleteTableCommand({ TableName: 'blacklist' }));
    const stopWorker = startSqsWorker({
      name: 'dialerWorker',
      sqs: harness.sqs,
      queue: queueRef(main.QueueUrl ?? ''),
      batchSize: 10,
      handler: harness.handler,
    });

    // Act
    let dead: Message[] = [];
    try {
      for (let waited = 0; dead.length === 0 && waited < 15; waited += 1) {
        dead =
          (await harness.sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq.QueueUrl, WaitTimeSeconds: 1 })))
            .Messages ?? [];
      }
    } finally {
      await stopWorker();
      await createBlacklistTable(dynamo);
      dynamo.destroy();
    }

    // Assess
    expect(dead.map((message) => JSON.parse(message.Body ?? '{}').contactId)).toEqual(['contact-0']);
    const left = await harness.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: main.QueueUrl, WaitTimeSeconds: 2 }),
    );
    expect(left.Messages ?? []).toEqual([]);
    expect(await harness.attempts('c-dlq')).toEqual([]);
  });

  it('sets poison tasks aside with their reason, never retried, and dials the valid one', async () => {
    // Prepare
    const contacts = await harness.seedCampaign('c-poison', 'user-1', 2, 500);
    const [good] = tasksFor('c-poison', contacts);
    const poison = [
      '{"campaignId": "c-poison", "contactId": ',
      JSON.stringify({ campaignId: 'c-poison', contactId: 'contact-1' }),
      JSON.stringify({ campaignId: 'c-poison', contactId: 'contact-1', attempt: 1, phoneNumber: '12345' }),
      JSON.stringify({ ...good, contactId: 'contact-999' }),
      JSON.stringify({ ...good, contactId: 'contact-1', priority: 'high' }),
    ];
    await harness.enqueue([good as DialTask, ...poison]);

    // Act
    const run = await harness.runBatch();

    // Assess
    expect(run.response.batchItemFailures).toEqual([]);
    const calls = (await harness.callMessages()).filter((call) => call.campaignId === 'c-poison');
    expect(calls.map((call) => call.dialId)).toEqual(['c-poison:contact-0:1']);
    const { rows } = await harness.db.query(
      `SELECT reason FROM rejected_messages WHERE queue = 'dial-tasks' AND message_id = ANY($1) ORDER BY reason`,
      [run.event.Records.map((r) => r.messageId)],
    );
    expect(rows.map((row) => row.reason)).toEqual([
      'Dial task does not match its schema: missing field attempt; missing field phoneNumber',
      'Dial task does not match its schema: unknown field priority',
      'Dial task is not valid JSON',
      'Dial task names a contact that is not in the campaign',
      'phoneNumber is not a valid phone number',
    ]);
    const trace = await traceOf(run);
    // Refused before the dialer (not JSON, wrong schema): a RejectedMessage each; an invalid number: ValidateInput;
    // an unknown contact: InitiateCall. Errors all, no fault.
    const refusals = [
      ...byName(trace, 'RejectedMessage'),
      ...byName(trace, 'ValidateInput').filter((doc) => doc.error),
      ...byName(trace, 'InitiateCall').filter((doc) => doc.error),
    ];
    expect(refusals.map((doc) => doc.name).sort()).toEqual([
      'InitiateCall',
      'RejectedMessage',
      'RejectedMessage',
      'RejectedMessage',
      'ValidateInput',
    ]);
    expect(refusals.every((doc) => doc.error === true && doc.fault === undefined)).toBe(true);
    expect(rootOf(trace, 'dialerWorker').fault).toBeUndefined();
    expect(run.output.filter((line) => line.includes('Dial task rejected'))).toHaveLength(5);
    expectNoRawNumbers([JSON.stringify(trace), ...run.output], contacts);
  });

  it('reaches Postgres in the same round trips whatever the batch size', async () => {
    // Prepare
    const contacts = await harness.seedCampaign('c-single', 'user-1', 1, 600);
    await harness.enqueue(tasksFor('c-single', contacts));

    // Act
    const run = await harness.runBatch();

    // Assess: as many as for the batch of 10 above
    const trace = await traceOf(run);
    expect(trace.filter((doc) => doc.sql)).toHaveLength(3);
  });
});
