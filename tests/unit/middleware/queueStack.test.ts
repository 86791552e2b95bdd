/** The queue stack through the real middy(), with a fake service, rejection store and logger: no servers. */

import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { DialTask } from '../../../src/generated/dialTask.ts';
import validateDialTask from '../../../src/generated/dialTask.validate.cjs';
import type { Outcomes, QueueTask, RejectedMessage } from '../../../src/lib/queueTasks.ts';
import { lambdaContext, sqsEvent } from '../../helpers/lambda.ts';

process.env.STAGE = 'test';
const { queueFunction } = await import('../../../src/middleware/queueStack.ts');

const valid = (n: number) =>
  JSON.stringify({
    campaignId: 'c-1',
    contactId: `k-${n}`,
    attempt: 1,
    phoneNumber: '+12025550143',
    userId: 'u-1',
  });

function setup(process: (tasks: readonly QueueTask<DialTask>[]) => Promise<Outcomes>, storeFails = false) {
  const lines: Array<{ level: string; message: string; fields: Record<string, unknown> }> = [];
  const log =
    (level: string) =>
    (message: string, fields: Record<string, unknown> = {}) => {
      lines.push({ level, message, fields });
    };
  // A real Powertools logger (the stack gives it the Lambda context), its lines kept instead of printed.
  const logger = new Logger({ serviceName: 'voice-campaign', logLevel: 'SILENT' });
  for (const level of ['info', 'warn', 'error'] as const) {
    jest.spyOn(logger, level).mockImplementation(log(level) as never);
  }
  const recorded: RejectedMessage[] = [];
  const rejections = {
    async record(messages: readonly RejectedMessage[]) {
      if (storeFails) throw new Error('database down');
      recorded.push(...messages);
    },
  };
  const spec = { name: 'dialerWorker', queue: 'dial-tasks', noun: 'Dial task', validate: validateDialTask };
  const handler = queueFunction<DialTask>(spec, { rejections, logger }, process);
  return { handler, lines, recorded };
}

describe('the queue stack', () => {
  let parse: jest.SpiedFunction<typeof JSON.parse>;
  beforeEach(() => {
    parse = jest.spyOn(JSON, 'parse');
  });
  afterEach(() => {
    parse.mockRestore();
  });

  it('parses and validates each body once and hands the service typed tasks named by their record ids', async () => {
    // Prepare
    const given: QueueTask<DialTask>[] = [];
    const { handler } = setup(async (tasks) => {
      given.push(...tasks);
      return new Map(tasks.map((t) => [t.id, { kind: 'done', result: 'initiated' }]));
    });
    const event = sqsEvent([valid(1), valid(2)]);

    // Act
    const response = await handler(event, lambdaContext('dialerWorker'));

    // Assess
    const bodiesParsed = parse.mock.calls.filter(([text]) => event.Records.some((r) => r.body === text));
    expect(bodiesParsed).toHaveLength(2);
    expect(given.map((t) => [t.id, t.body.contactId])).toEqual([
      ['m-0', 'k-1'],
      ['m-1', 'k-2'],
    ]);
    expect(response).toEqual({ batchItemFailures: [] });
  });

  it('maps outcomes in one place: retries reported, rejections set aside with what could be read, a summary line', async () => {
    // Prepare
    const { handler, lines, recorded } = setup(
      async () =>
        new Map([
          ['m-0', { kind: 'done', result: 'initiated' }],
          ['m-1', { kind: 'retry', reason: 'SQS down' }],
          ['m-2', { kind: 'reject', reason: 'phoneNumber +1 202 555 0143 is not valid' }],
        ]),
    );
    const poison = JSON.stringify({ campaignId: 'c-1', contactId: 'k-9' });
    const event = sqsEvent([valid(1), valid(2), valid(3), valid(4), 'not json', poison]);

    // Act
    const response = await handler(event, lambdaContext('dialerWorker'));

    // Assess: m-3 got no outcome: retried, never dropped
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['m-1', 'm-3']);
    expect(
      recorded.map(({ messageId, campaignId, contactId, reason }) => ({
        messageId,
        campaignId,
        contactId,
        reason,
      })),
    ).toEqual([
      {
        messageId: 'm-4',
        campaignId: undefined,
        contactId: undefined,
        reason: 'Dial task is not valid JSON',
      },
      {
        messageId: 'm-5',
        campaignId: 'c-1',
        contactId: 'k-9',
        reason: 'Dial task does not match its schema: missing field attempt; missing field phoneNumber',
      },
      {
        messageId: 'm-2',
        campaignId: 'c-1',
        contactId: 'k-3',
        reason: 'phoneNumber +1 202 555 0143 is not valid',
      },
    ]);
    expect(
      recorded.every(
        (r) =>
          r.queue === 'dial-tasks' && r.body === event.Records.find((e) => e.messageId === r.messageId)?.body,
      ),
    ).toBe(true);
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.fields.messageId)).toEqual([
      'm-2',
      'm-4',
      'm-5',
    ]);
    expect(JSON.stringify(lines)).not.toContain('202 555 0143');
    expect(lines.at(-1)).toEqual({
      level: 'info',
      message: 'Batch processed',
      fields: { received: 6, initiated: 1, retry: 2, rejected: 3 },
    });
  });

  it('retries, rather than loses, the messages it could not set aside', async () => {
    // Prepare
    const { handler } = setup(async () => new Map(), true);

    // Act
    const response = await handler(sqsEvent(['not json']), lambdaContext('dialerWorker'));

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-0' }]);
  });

  it('fails the invocation, so every record comes back, when the service cannot handle the batch at all', async () => {
    // Prepare
    const { handler } = setup(async () => {
      throw new Error('no key');
    });

    // Act
    const failure = await handler(sqsEvent([valid(1)]), lambdaContext('dialerWorker')).catch(
      (error: unknown) => error,
    );

    // Assess
    expect(failure).toEqual(new Error('no key'));
  });
});
