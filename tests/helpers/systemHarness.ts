/**
 * The functions against the embedded stack, driven as Lambda drives them: HTTP functions get API Gateway REST
 * events; SQS functions get batches received from the real queues, each handled with a fresh trace header and
 * acknowledged except for the reported failures.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import pg from 'pg';
import { acknowledge, queueRef, receiveEvent } from '../../local/sqsLambda.ts';
import { type LocalStack, QUEUES, startLocalStack } from '../../local/stack.ts';
import { createModelStore } from '../../src/adapters/modelStore.ts';
import type { AnswerModel } from '../../src/domain/answerModel.ts';
import type { AsteriskCall } from '../../src/generated/asteriskCall.ts';
import type { DialTask } from '../../src/generated/dialTask.ts';
import { startFaultProxy } from './faultProxy.ts';
import { lambdaContext, newTrace, traceFor, useLambdaTracing } from './lambda.ts';

export const PHONE_HASH_KEY = 'test-phone-hash-key-0123456789';

/**
 * The wait of the drains' receives. The local SQS answers a long poll only when it is full or its time is up (a
 * second per receive of a few messages), while it shows every visible message to a short poll at once: the drains
 * poll short, and stop at the first empty answer.
 */
const SHORT_POLL = 0;

export interface Contact {
  id: string;
  phoneNumber: string;
}

export interface Run {
  event: SQSEvent;
  response: SQSBatchResponse;
  traceId: string;
  /** Lines the function wrote to stdout and stderr during the invocation (its logs). */
  output: string[];
}

/**
 * The first Tuesday 16:00 UTC (11:00 in New York, 08:00 in Los Angeles) at least a day after now: inside the calling
 * hours of US numbers, and after every row a test makes now (rows made with the database's clock are due by then).
 */
export function workingHours(from = new Date()): Date {
  const day = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate() + 1, 16));
  while (day.getUTCDay() !== 2) day.setUTCDate(day.getUTCDate() + 1);
  return day;
}

/** A valid US number, distinct for each `n` below 10,000. */
export function phoneNumberFor(n: number): string {
  return `+1202555${String(n).padStart(4, '0')}`;
}

type HttpFunctionName =
  | 'startCampaign'
  | 'pauseCampaign'
  | 'resumeCampaign'
  | 'cancelCampaign'
  | 'campaignPreview'
  | 'campaignStatus'
  | 'campaignMetrics'
  | 'campaignModel'
  | 'trainModel'
  | 'createCampaign'
  | 'listCampaigns'
  | 'updateCampaign'
  | 'deleteCampaign'
  | 'addContacts'
  | 'listContacts'
  | 'deleteContact'
  | 'listAttempts'
  | 'createImport'
  | 'getImport'
  | 'cancelImport'
  | 'blacklistAdd'
  | 'blacklistCheck'
  | 'blacklistRemove';

const collectors = new Set<string[]>();
/** Every line the functions wrote in this test file, for the privacy audit. */
const allOutput: string[] = [];
/** Every API request URL (path and query string) the harness sent, for the privacy audit. */
const requestUrls: string[] = [];
let restoreStreams: (() => void) | undefined;

/**
 * Runs `work` with what it writes to stdout and stderr (the functions' logs) kept for assertions, not printed.
 * Invocations running at once each get every line written meanwhile; the streams come back when the last ends.
 */
async function captureOutput<T>(work: () => Promise<T>): Promise<{ result: T; output: string[] }> {
  const output: string[] = [];
  collectors.add(output);
  if (restoreStreams === undefined) {
    const undo = [process.stdout, process.stderr].map((stream) => {
      const write = stream.write.bind(stream);
      stream.write = ((chunk: string | Uint8Array) => {
        for (const collector of collectors) collector.push(String(chunk));
        allOutput.push(String(chunk));
        return true;
      }) as typeof stream.write;
      return () => {
        stream.write = write;
      };
    });
    restoreStreams = () => {
      for (const restore of undo) restore();
    };
  }
  try {
    return { result: await work(), output };
  } finally {
    collectors.delete(output);
    if (collectors.size === 0) {
      restoreStreams?.();
      restoreStreams = undefined;
    }
  }
}

/**
 * Starts the embedded stack and loads the functions on it. `env` changes the functions' environment (read once,
 * when they load); a variable set to undefined is removed.
 */
export async function startSystemHarness(
  env: Record<string, string | undefined> = {},
  options: { faultProxies?: boolean; xrayFile?: string } = {},
) {
  const stack: LocalStack = await startLocalStack({ fast: true, xrayFile: options.xrayFile });
  // The functions reach SQS and DynamoDB through proxies that can inject faults; the harness's own clients do not.
  const faults = options.faultProxies
    ? {
        sqs: await startFaultProxy(stack.env.AWS_ENDPOINT_URL_SQS ?? ''),
        dynamo: await startFaultProxy(stack.env.AWS_ENDPOINT_URL_DYNAMODB ?? ''),
      }
    : undefined;
  Object.assign(process.env, stack.env, {
    STAGE: 'test',
    SERVICE_NAME: 'voice-campaign',
    PHONE_HASH_KEY,
    PHONE_DEFAULT_REGION: 'US',
    DIAL_CLAIM_LEASE_SECONDS: '120',
    // A tick's dial tasks go out at once: the tests' clock is injected, not waited for.
    SCHEDULER_SPREAD_SECONDS: '0',
    POWERTOOLS_LOG_LEVEL: 'INFO',
  });
  if (faults) {
    process.env.AWS_ENDPOINT_URL_SQS = faults.sqs.endpoint;
    process.env.AWS_ENDPOINT_URL_DYNAMODB = faults.dynamo.endpoint;
    // The SQS client sends each request to its queue URL's host: the URLs name the proxy too.
    const sqsOrigin = new URL(stack.env.AWS_ENDPOINT_URL_SQS ?? '').origin;
    for (const [name, value] of Object.entries(stack.env))
      if (name.endsWith('_QUEUE_URL')) process.env[name] = value.replace(sqsOrigin, faults.sqs.endpoint);
  }
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  useLambdaTracing(stack.xray.address);
  // The clock of the functions that act on time (the dialer, the scheduler, the result worker, the status, the
  // preview): fixed at a time inside the usual calling hours of the US numbers the tests use, until a test sets it.
  let fixedNow: Date | undefined = workingHours();
  const clock = () => fixedNow ?? new Date();
  const handler = (await import('../../src/functions/dialerWorker.ts')).handlerWithClock(clock);
  const scheduler = (await import('../../src/functions/scheduler.ts')).handlerWithClock(clock);
  const campaignTicker = (await import('../../src/functions/campaignTicker.ts')).handlerWithClock(clock);
  const importSweeper = (await import('../../src/functions/importSweeper.ts')).handler;
  const functions = {
    startCampaign: (await import('../../src/functions/startCampaign.ts')).handler,
    pauseCampaign: (await import('../../src/functions/pauseCampaign.ts')).handler,
    resumeCampaign: (await import('../../src/functions/resumeCampaign.ts')).handler,
    cancelCampaign: (await import('../../src/functions/cancelCampaign.ts')).handler,
    campaignPreview: (await import('../../src/functions/campaignPreview.ts')).handlerWithClock(clock),
    campaignStatus: (await import('../../src/functions/campaignStatus.ts')).handlerWithClock(clock),
    campaignMetrics: (await import('../../src/functions/campaignMetrics.ts')).handlerWithClock(clock),
    campaignModel: (await import('../../src/functions/campaignModel.ts')).handler,
    trainModel: (await import('../../src/functions/trainModel.ts')).handlerWithClock(clock),
    createCampaign: (await import('../../src/functions/createCampaign.ts')).handler,
    listCampaigns: (await import('../../src/functions/listCampaigns.ts')).handler,
    updateCampaign: (await import('../../src/functions/updateCampaign.ts')).handler,
    deleteCampaign: (await import('../../src/functions/deleteCampaign.ts')).handler,
    addContacts: (await import('../../src/functions/addContacts.ts')).handler,
    listContacts: (await import('../../src/functions/listContacts.ts')).handler,
    deleteContact: (await import('../../src/functions/deleteContact.ts')).handler,
    listAttempts: (await import('../../src/functions/listAttempts.ts')).handler,
    createImport: (await import('../../src/functions/createImport.ts')).handler,
    getImport: (await import('../../src/functions/getImport.ts')).handler,
    cancelImport: (await import('../../src/functions/cancelImport.ts')).handler,
    importWorker: (await import('../../src/functions/importWorker.ts')).handler,
    resultWorker: (await import('../../src/functions/resultWorker.ts')).handlerWithClock(clock),
    blacklistAdd: (await import('../../src/functions/blacklistAdd.ts')).handler,
    blacklistCheck: (await import('../../src/functions/blacklistCheck.ts')).handler,
    blacklistRemove: (await import('../../src/functions/blacklistRemove.ts')).handler,
  };

  const clientConfig = {
    region: stack.env.AWS_REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
  const sqs = new SQSClient({ ...clientConfig, endpoint: stack.env.AWS_ENDPOINT_URL_SQS });
  const dynamo = DynamoDBDocumentClient.from(
    new DynamoDBClient({ ...clientConfig, endpoint: stack.env.AWS_ENDPOINT_URL_DYNAMODB }),
  );
  const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
  // A server stopped under an idle client (another test's, or a restart) must not crash the run.
  db.on('error', () => {});
  const dialTasks = queueRef(stack.queueUrls.dialTasks);
  const calls: AsteriskCall[] = [];
  const dialTaskMessages: DialTask[] = [];

  /**
   * Messages a function reported as failures: invisible until their queue's visibility timeout has passed on the
   * functions' clock (the tests' injected one moves minutes at a time; SQS's own runs in real time).
   */
  const invisible: Array<{ url: string; receiptHandle: string; visibleAt: number }> = [];
  const holdFailures = (queue: 'dialTasks' | 'callResults', event: SQSEvent, response: SQSBatchResponse) => {
    const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    const visibleAt = clock().getTime() + QUEUES[queue].visibilityTimeout * 1000;
    for (const record of event.Records)
      if (failed.has(record.messageId))
        invisible.push({ url: stack.queueUrls[queue], receiptHandle: record.receiptHandle, visibleAt });
  };

  return {
    stack,
    /**
     * Makes visible again the failed messages whose visibility timeout has passed on the functions' clock, as SQS
     * does; answers how many.
     */
    async releaseExpired(): Promise<number> {
      const due = invisible.filter((m) => m.visibleAt <= clock().getTime());
      for (const message of due) {
        invisible.splice(invisible.indexOf(message), 1);
        await sqs
          .send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: message.url,
              ReceiptHandle: message.receiptHandle,
              VisibilityTimeout: 0,
            }),
          )
          .catch(() => {});
      }
      return due.length;
    },
    /** The fault-injecting proxies in front of SQS and DynamoDB (with `faultProxies`). */
    faults,
    handler,
    functions,
    sqs,
    db,
    dynamo,

    /** Sets the functions' clock (undefined: the real one again). */
    setNow(at: Date | undefined): void {
      fixedNow = at;
    },
    now: clock,

    /** What the functions wrote so far, and the request URLs sent: the privacy audit's material. */
    written: () => ({ lines: [...allOutput], urls: [...requestUrls] }),

    /** Runs `work` (an invocation of a function the harness does not load) with its logs kept, not printed. */
    quietly: captureOutput,

    /** Runs one scheduler tick, as its schedule does, with a new trace. */
    async tick() {
      const traceId = newTrace();
      const event = {
        version: '0',
        id: `tick-${traceId}`,
        'detail-type': 'Scheduled Event' as const,
        source: 'aws.events' as const,
        account: '000000000000',
        time: clock().toISOString(),
        region: 'us-east-1',
        resources: [],
        detail: {},
      };
      const { result, output } = await captureOutput(() => scheduler(event, lambdaContext('scheduler')));
      // Its groups ticked as the campaign-ticks queue's mapping does: one group an invocation, in the tick's trace.
      const ref = queueRef(stack.queueUrls.campaignTicks);
      const groups: unknown[] = [];
      for (;;) {
        const received = await receiveEvent(sqs, ref, 1, SHORT_POLL);
        if (received === undefined) break;
        traceFor(received);
        const ticked = await captureOutput(() => campaignTicker(received, lambdaContext('campaignTicker')));
        await acknowledge(sqs, ref, received, ticked.result);
        output.push(...ticked.output);
        groups.push(ticked.result);
      }
      return { ...result, groups, traceId, output };
    },

    /** Moves the functions' clock to the campaign's next due contact (at least a minute on), on a whole minute. */
    async jumpToNextDue(campaignId: string): Promise<void> {
      const { rows } = await db.query<{ next: Date | null }>(
        'SELECT min(next_call_at) AS next FROM contacts WHERE campaign_id = $1 AND final_outcome IS NULL',
        [campaignId],
      );
      const next = Math.max(clock().getTime() + 60_000, rows[0]?.next?.getTime() ?? 0);
      fixedNow = new Date(Math.ceil(next / 60_000) * 60_000);
    },

    /** Stores `model` in the model bucket as the owner's promoted answer model (what trainModels does when it may). */
    async promoteModel(userId: string, model: AnswerModel): Promise<void> {
      const models = createModelStore({
        s3: new S3Client({
          region: stack.env.AWS_REGION,
          endpoint: stack.env.AWS_ENDPOINT_URL_S3,
          forcePathStyle: true,
          credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        }),
        bucket: stack.env.MODEL_BUCKET ?? 'models',
      });
      await models.save(userId, model);
      await models.promote(userId, {
        version: model.version,
        promotedAt: model.trainedAt,
        reason: 'seeded by a test',
      });
    },

    /** The campaign's status as stored. */
    async campaignStatus(campaignId: string): Promise<string | undefined> {
      const { rows } = await db.query<{ status: string }>('SELECT status FROM campaigns WHERE id = $1', [
        campaignId,
      ]);
      return rows[0]?.status;
    },

    /** Runs the import sweeper once, as its schedule does. */
    async sweepImports() {
      const event = {
        version: '0',
        id: 'sweep',
        'detail-type': 'Scheduled Event' as const,
        source: 'aws.events' as const,
        account: '000000000000',
        time: new Date().toISOString(),
        region: 'us-east-1',
        resources: [],
        detail: {},
      };
      const { result } = await captureOutput(() => importSweeper(event, lambdaContext('importSweeper')));
      return result;
    },

    async seedCampaign(
      campaignId: string,
      userId: string,
      count: number,
      firstNumber = 0,
      status = 'running',
    ): Promise<Contact[]> {
      const contacts = Array.from({ length: count }, (_, i) => ({
        id: `contact-${i}`,
        phoneNumber: phoneNumberFor(firstNumber + i),
      }));
      await db.query('INSERT INTO campaigns (id, user_id, name, status) VALUES ($1, $2, $1, $3)', [
        campaignId,
        userId,
        status,
      ]);
      await db.query(
        `INSERT INTO contacts (campaign_id, id, phone_number)
         SELECT $1, * FROM unnest($2::text[], $3::text[])`,
        [campaignId, contacts.map((c) => c.id), contacts.map((c) => c.phoneNumber)],
      );
      return contacts;
    },

    async blacklist(numbers: readonly string[]): Promise<void> {
      // BatchWriteItem takes 25 items at most.
      for (let i = 0; i < numbers.length; i += 25) {
        await dynamo.send(
          new BatchWriteCommand({
            RequestItems: {
              [stack.env.BLACKLIST_TABLE ?? 'blacklist']: numbers.slice(i, i + 25).map((phoneNumber) => ({
                PutRequest: { Item: { phoneNumber, addedBy: 'test', addedAt: new Date().toISOString() } },
              })),
            },
          }),
        );
      }
    },

    /** Puts message bodies on the dial-tasks queue (tasks as JSON, strings as they are). */
    async enqueue(bodies: ReadonlyArray<DialTask | string>): Promise<void> {
      for (let i = 0; i < bodies.length; i += 10) {
        const chunk = bodies.slice(i, i + 10);
        await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: dialTasks.url,
            Entries: chunk.map((body, index) => ({
              Id: String(index),
              MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
            })),
          }),
        );
      }
    },

    /** Receives one batch (up to 10) and runs the handler on it as Lambda would, with a new trace. */
    async runBatch(event?: SQSEvent): Promise<Run> {
      const batch = event ?? (await receiveEvent(sqs, dialTasks, 10, 1));
      if (batch === undefined) throw new Error('no dial task on the queue');
      const traceId = newTrace();
      const { result: response, output } = await captureOutput(() =>
        handler(batch, lambdaContext('dialerWorker')),
      );
      if (event === undefined) await acknowledge(sqs, dialTasks, batch, response);
      return { event: batch, response, traceId, output };
    },

    /** Calls an HTTP function with a fresh trace; returns its response with the body parsed when it is JSON. */
    async http(fn: HttpFunctionName, event: APIGatewayProxyEvent) {
      const query = new URLSearchParams(
        (event.queryStringParameters as Record<string, string> | null) ?? {},
      ).toString();
      requestUrls.push(`${event.path}${query ? `?${query}` : ''}`);
      const traceId = newTrace();
      const { result: response, output } = await captureOutput(() => functions[fn](event, lambdaContext(fn)));
      let body: unknown = response.body;
      try {
        body = response.body ? JSON.parse(response.body) : undefined;
      } catch {
        // Not JSON: kept as text for the assertion to show.
      }
      return { ...response, body: body as Record<string, unknown>, traceId, output };
    },

    /** Delivers the queue's messages to an SQS function, batch after batch, until the queue is empty. */
    async drain(
      queue: 'dialTasks',
      batchSize = 10,
      timeoutMs = 30_000,
    ): Promise<{ invocations: number; failures: number }> {
      const ref = queueRef(stack.queueUrls[queue]);
      let invocations = 0;
      let failures = 0;
      for (;;) {
        const event = await receiveEvent(sqs, ref, batchSize, SHORT_POLL);
        if (event === undefined) return { invocations, failures };
        traceFor(event);
        // The functions' logs are kept, not printed: a drain runs hundreds of batches.
        const { result: response } = await captureOutput(() =>
          handler(event, lambdaContext('dialerWorker', timeoutMs)),
        );
        await acknowledge(sqs, ref, event, response);
        holdFailures('dialTasks', event, response);
        invocations += 1;
        failures += response.batchItemFailures.length;
      }
    },

    /**
     * Delivers the imports queue's messages (upload notices, continuations) to importWorker one at a time, as its
     * event source mapping does, until the queue stays empty (or `limit` invocations); each has `timeoutMs` to run.
     */
    async drainImports(
      timeoutMs = 900_000,
      limit = Number.POSITIVE_INFINITY,
    ): Promise<{ invocations: number; failures: number; output: string[] }> {
      const ref = queueRef(stack.queueUrls.imports);
      let invocations = 0;
      let failures = 0;
      const lines: string[] = [];
      while (invocations < limit) {
        const event = await receiveEvent(sqs, ref, 1, SHORT_POLL);
        if (event === undefined) return { invocations, failures, output: lines };
        traceFor(event);
        const { result: response, output } = await captureOutput(() =>
          functions.importWorker(event, lambdaContext('importWorker', timeoutMs)),
        );
        lines.push(...output);
        await acknowledge(sqs, ref, event, response);
        invocations += 1;
        failures += response.batchItemFailures.length;
      }
      return { invocations, failures, output: lines };
    },

    /** Puts call results on the call-results queue and delivers them to resultWorker until the queue is empty. */
    async deliverResults(
      results: readonly unknown[],
      timeoutMs = 30_000,
    ): Promise<{ failures: number; output: string[] }> {
      const ref = queueRef(stack.queueUrls.callResults);
      for (let i = 0; i < results.length; i += 10) {
        await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: ref.url,
            Entries: results.slice(i, i + 10).map((body, index) => ({
              Id: String(index),
              MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
            })),
          }),
        );
      }
      let failures = 0;
      const lines: string[] = [];
      for (;;) {
        const event = await receiveEvent(sqs, ref, 10, SHORT_POLL);
        if (event === undefined) return { failures, output: lines };
        traceFor(event);
        const { result: response, output } = await captureOutput(() =>
          functions.resultWorker(event, lambdaContext('resultWorker', timeoutMs)),
        );
        lines.push(...output);
        await acknowledge(sqs, ref, event, response);
        holdFailures('callResults', event, response);
        failures += response.batchItemFailures.length;
      }
    },

    /** Deletes what waits on the imports queue (a lost message); answers how many. */
    async discardImportMessages(): Promise<number> {
      const ref = queueRef(stack.queueUrls.imports);
      let count = 0;
      for (;;) {
        const event = await receiveEvent(sqs, ref, 10, SHORT_POLL);
        if (event === undefined) return count;
        count += await acknowledge(sqs, ref, event, { batchItemFailures: [] });
      }
    },

    /**
     * The call messages put on the asterisk-calls queue since the last take, taken off it as the telephony workers
     * take them (they stay in `callMessages()`'s history).
     */
    async takeCalls(): Promise<AsteriskCall[]> {
      const taken: AsteriskCall[] = [];
      for (;;) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: stack.queueUrls.asteriskCalls,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: SHORT_POLL,
          }),
        );
        if (Messages.length === 0) return taken;
        for (const message of Messages) taken.push(JSON.parse(message.Body ?? '{}') as AsteriskCall);
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: stack.queueUrls.asteriskCalls,
            Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
          }),
        );
        calls.push(...taken.slice(-Messages.length));
      }
    },

    /** Every call message on the asterisk-calls queue so far (read without being consumed by a later read). */
    async callMessages(): Promise<AsteriskCall[]> {
      for (;;) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: stack.queueUrls.asteriskCalls,
            MaxNumberOfMessages: 10,
            VisibilityTimeout: 3600,
            // Long polling: a short poll may answer empty while messages are still there.
            WaitTimeSeconds: 1,
          }),
        );
        if (Messages.length === 0) return [...calls];
        for (const message of Messages) calls.push(JSON.parse(message.Body ?? '{}') as AsteriskCall);
      }
    },

    /**
     * The dial tasks on the dial-tasks queue so far, of one campaign or all (read without being consumed by a later
     * read).
     */
    async receiveDialTasks(campaignId?: string): Promise<DialTask[]> {
      for (;;) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: dialTasks.url,
            MaxNumberOfMessages: 10,
            VisibilityTimeout: 3600,
            // Long polling: a short poll may answer empty while messages are still there.
            WaitTimeSeconds: 1,
          }),
        );
        if (Messages.length === 0) break;
        for (const message of Messages) dialTaskMessages.push(JSON.parse(message.Body ?? '{}') as DialTask);
      }
      return dialTaskMessages.filter((task) => campaignId === undefined || task.campaignId === campaignId);
    },

    async attempts(
      campaignId: string,
    ): Promise<Array<{ contact_id: string; attempt: number; status: string }>> {
      const { rows } = await db.query(
        'SELECT contact_id, attempt, status FROM call_attempts WHERE campaign_id = $1 ORDER BY contact_id, attempt',
        [campaignId],
      );
      return rows;
    },

    async stop(): Promise<void> {
      await faults?.sqs.stop();
      await faults?.dynamo.stop();
      sqs.destroy();
      dynamo.destroy();
      await db.end();
      await stack.stop();
    },
  };
}

export type SystemHarness = Awaited<ReturnType<typeof startSystemHarness>>;
