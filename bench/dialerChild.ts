/**
 * One process of the dialer benchmark (bench/dialer.ts), on an embedded stack of its own, with whichever tracing
 * backend this process resolves (`node --conditions=tracing-opentelemetry` for OpenTelemetry):
 * - traceVolume: a sampled batch of 10 against an unsampled one (alternating rounds), and the datagrams and bytes the
 *   daemon received per sampled batch;
 * - dialer: `tasks` dial tasks in Lambda-sized batches of 10, against the same tasks one per invocation (the
 *   one-call-per-contact design) and against the batch's I/O floor (one BatchGetItem, one SendMessageBatch, the
 *   claim's transaction as BEGIN, one statement, COMMIT), with every request counted at its client (the statements
 *   of the ANALYZE that stands in for autovacuum included).
 *
 * Usage: node [--conditions=tracing-opentelemetry] bench/dialerChild.ts <tasks> <rounds>
 * Prints one JSON line.
 */
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import pg from 'pg';
import { lambdaContext, newTraceHeader } from '../local/lambdaRuntime.ts';
import { queueRef, toSqsRecord } from '../local/sqsLambda.ts';
import { startSystemHarness } from '../tests/helpers/systemHarness.ts';
import { countRequests, countStatements } from './counting.ts';

const [tasksArg = '10000', roundsArg = '7'] = process.argv.slice(2);
const TASKS = Number(tasksArg);
const ROUNDS = Number(roundsArg);
const BATCH = 10;

const statements = countStatements();

const harness = await startSystemHarness({ POWERTOOLS_LOG_LEVEL: 'ERROR' });
const { sqsClient } = await import('../src/lib/sqsClient.ts');
const { dynamoClient } = await import('../src/lib/dynamoClient.ts');

const requests = { sqs: countRequests(sqsClient), dynamodb: countRequests(dynamoClient) };

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const round = (value: number, digits = 3) => Number(value.toFixed(digits));

// Distinct numbers (a number's daily cap would refuse a second call), in zones open at the harness's clock.
const AREAS = ['202', '212', '305', '312', '404', '617'];
const numberFor = (i: number) =>
  `+1${AREAS[Math.floor(i / 10_000)]}555${String(i % 10_000).padStart(4, '0')}`;
const TOTAL = 2 * TASKS + 2 * ROUNDS * 5 * BATCH + BATCH;
if (TOTAL > AREAS.length * 10_000) throw new Error(`at most ${AREAS.length * 10_000} numbers`);
await harness.db.query(
  `INSERT INTO campaigns (id, user_id, name, status) VALUES ('bench', 'u', 'bench', 'running')`,
);
await harness.db.query(
  `INSERT INTO contacts (campaign_id, id, phone_number) SELECT 'bench', 'k' || i, n
   FROM unnest($1::text[]) WITH ORDINALITY AS t(n, i)`,
  [Array.from({ length: TOTAL }, (_, i) => numberFor(i))],
);
await harness.db.query('ANALYZE');

let next = 0;
const dialTasks = queueRef(harness.stack.queueUrls.dialTasks);
function event(size: number): SQSEvent {
  const records = Array.from({ length: size }, () => {
    next += 1;
    const body = JSON.stringify({
      campaignId: 'bench',
      contactId: `k${next}`,
      attempt: 1,
      phoneNumber: numberFor(next - 1),
      userId: 'u',
    });
    return toSqsRecord({ MessageId: `m${next}`, ReceiptHandle: `r${next}`, Body: body }, dialTasks);
  });
  return { Records: records };
}

async function invoke(size: number, sampled: boolean): Promise<void> {
  process.env._X_AMZN_TRACE_ID = newTraceHeader(sampled).header;
  // Called directly: the harness's capture of the functions' output would be measured with them. Its logs are at
  // level ERROR here, so nothing is written.
  const response = await harness.handler(event(size), lambdaContext('dialerWorker'));
  if (response.batchItemFailures.length > 0) throw new Error('a bench task failed');
}

// traceVolume: sampled against unsampled batches of 10, alternating.
await invoke(BATCH, true);
// The warm-up's datagram arrives before the count starts; the tables are analysed as autovacuum would have.
await new Promise((resolve) => setTimeout(resolve, 200));
await harness.db.query('ANALYZE');
const times = { sampled: [] as number[], unsampled: [] as number[] };
let sampledBatches = 0;
const before = harness.stack.xray.stats();
for (let r = 0; r < ROUNDS; r += 1) {
  for (const sampled of [true, false]) {
    const start = performance.now();
    for (let i = 0; i < 5; i += 1) await invoke(BATCH, sampled);
    times[sampled ? 'sampled' : 'unsampled'].push((performance.now() - start) / 5);
    if (sampled) sampledBatches += 5;
  }
}
await new Promise((resolve) => setTimeout(resolve, 300));
const after = harness.stack.xray.stats();

/** Runs `work` and answers its time and the requests it made, per task. */
async function measured(work: () => Promise<void>) {
  const start = {
    sqs: requests.sqs(),
    dynamodb: requests.dynamodb(),
    statements: statements(),
    at: performance.now(),
  };
  await work();
  const ms = performance.now() - start.at;
  return {
    tasksPerSecond: round((TASKS / ms) * 1000, 0),
    perBatch: {
      dynamodb: round(((requests.dynamodb() - start.dynamodb) / TASKS) * BATCH, 2),
      sqs: round(((requests.sqs() - start.sqs) / TASKS) * BATCH, 2),
      statements: round(((statements() - start.statements) / TASKS) * BATCH, 2),
    },
    ms: round(ms, 0),
  };
}

/**
 * The attempts table grows from nothing here, far faster than autovacuum (a minute apart) would analyze it, and the
 * claim's plan on statistics of an empty table is several times slower (a batch of 10: 12 ms analysed, 25 to 60 ms
 * as 1,000 batches go by without). Production's tables are analysed by autovacuum; here, every 1,000 tasks.
 */
const ANALYZE_EVERY = 1_000;
async function analyzeEvery(done: number): Promise<void> {
  if (done % ANALYZE_EVERY === 0) await harness.db.query('ANALYZE call_attempts; ANALYZE contacts');
}

// dialer: the same number of tasks, batched, one per invocation, and the floor of a batch's I/O.
await harness.db.query('ANALYZE');
const batched = await measured(async () => {
  for (let i = 0; i < TASKS / BATCH; i += 1) {
    await invoke(BATCH, false);
    await analyzeEvery((i + 1) * BATCH);
  }
});
const perTask = await measured(async () => {
  for (let i = 0; i < TASKS; i += 1) {
    await invoke(1, false);
    await analyzeEvery(i + 1);
  }
});
const floorPool = new pg.Pool({ connectionString: harness.stack.databaseUrl, max: 1 });
const floor = await measured(async () => {
  for (let i = 0; i < TASKS / BATCH; i += 1) {
    const keys = Array.from({ length: BATCH }, (_, k) => ({ phoneNumber: numberFor(k) }));
    await dynamoClient.send(
      new BatchGetCommand({ RequestItems: { blacklist: { Keys: keys, ConsistentRead: true } } }),
    );
    const client = await floorPool.connect();
    try {
      for (const text of ['BEGIN', 'SELECT 1', 'COMMIT']) await client.query(text);
    } finally {
      client.release();
    }
    await sqsClient.send(
      new SendMessageBatchCommand({
        QueueUrl: harness.stack.queueUrls.asteriskCalls,
        Entries: keys.map((_, k) => ({ Id: String(k), MessageBody: '{"floor":true}' })),
      }),
    );
  }
});
await floorPool.end();

const sampledMs = median(times.sampled);
const unsampledMs = median(times.unsampled);
console.log(
  JSON.stringify({
    traceVolume: {
      datagramsPerSampledBatch: round((after.datagrams - before.datagrams) / sampledBatches, 2),
      bytesPerSampledBatch: round((after.bytes - before.bytes) / sampledBatches, 0),
      sampledBatchMs: round(sampledMs),
      unsampledBatchMs: round(unsampledMs),
      sampledOverUnsampled: round(sampledMs / unsampledMs, 2),
    },
    dialer: {
      tasks: TASKS,
      batched,
      perTask,
      ioFloor: floor,
      batchedOverPerTask: round(batched.tasksPerSecond / perTask.tasksPerSecond, 2),
      batchedOverFloor: round(batched.ms / floor.ms, 2),
    },
  }),
);
await harness.stop();
process.exit(0);
