/**
 * `npm run bench`: speed, as ratios against a baseline measured in the same run (this machine is noisy).
 * 1. Tracing overhead: a trivial handler through the traced chain (X-Ray Lambda mode, documents sent over UDP)
 *    against the same handler through plain middy().
 * 2. Dialer batch: 10 tasks through dialerWorker on the embedded stack against the floor of the I/O a batch needs
 *    (one BatchGetItem, one SendMessageBatch, five SQL round trips, made with the same clients).
 * 3. The same dialer batch, traced and sampled, against the same batch with the trace not sampled.
 * 4. The scheduler: one tick for a campaign of 1,000,000 contacts against one of 100,000, fresh and analysed, with
 *    the due query's plan (bench/scheduler.ts).
 * 5. CSV imports: a 1,000,000-row file against a 100,000-row file (rows/s, peak RSS of the importing process),
 *    each imported by importWorker in a process of its own (bench/imports.ts).
 * 6. The tracing backends (X-Ray SDK, OpenTelemetry) against Powertools' Tracer and bare Middy per invocation, and
 *    their bundles' import time against the SDK clients' floor (bench/tracing.ts).
 * Results are appended to bench/results/results.ndjson and printed.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import pg from 'pg';
import { lambdaContext, newTraceHeader } from '../local/lambdaRuntime.ts';
import { startLocalStack } from '../local/stack.ts';
import { measureImports } from './imports.ts';
import { measureScheduler } from './scheduler.ts';
import { measureTracing } from './tracing.ts';

const ROUNDS = 7;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Runs `a` and `b` in alternating rounds of `n` calls; returns each one's median time per call (ms). */
async function compare(n: number, a: () => Promise<unknown>, b: () => Promise<unknown>) {
  const times = { a: [] as number[], b: [] as number[] };
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [key, fn] of [
      ['a', a],
      ['b', b],
    ] as const) {
      const start = performance.now();
      for (let i = 0; i < n; i += 1) await fn();
      times[key].push((performance.now() - start) / n);
    }
  }
  return { a: median(times.a), b: median(times.b) };
}

// 6. First, in processes of their own, before this process loads any tracing backend or starts the stack.
const tracingBackends = await measureTracing();

const stack = await startLocalStack({ fast: true });
Object.assign(process.env, stack.env, {
  STAGE: 'bench',
  PHONE_HASH_KEY: 'bench-phone-hash-key-0123456789',
  PHONE_DEFAULT_REGION: 'US',
  LAMBDA_TASK_ROOT: '/var/task',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
});
const { default: middy } = await import('@middy/core');
const { tracedChain } = await import('../src/middleware/tracedChain.ts');
const { traced } = await import('../src/lib/tracing.ts');
const { handler: dialer } = await import('../src/functions/dialerWorker.ts');
const { sqsClient } = await import('../src/lib/sqsClient.ts');
const { dynamoClient } = await import('../src/lib/dynamoClient.ts');

// 1. Tracing overhead per invocation.
const work = async () => {
  await traced('Work', async () => {});
  return 'ok';
};
const plain = middy(async () => 'ok');
const tracedHandler = tracedChain({ name: 'bench' }, [], work);
const context = lambdaContext('bench');
const tracing = await compare(
  500,
  () => {
    process.env._X_AMZN_TRACE_ID = newTraceHeader().header;
    return tracedHandler({}, context);
  },
  () => plain({}, context),
);

// 2. Dialer batch against its I/O floor.
const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
// A server stopped under an idle client must not crash the run.
db.on('error', () => {});
const CONTACTS = 3 * 10 * 10 * ROUNDS;
await db.query(`INSERT INTO campaigns (id, user_id, name, status) VALUES ('bench', 'u', 'bench', 'running')`);
await db.query(
  `INSERT INTO contacts (campaign_id, id, phone_number)
   SELECT 'bench', 'k' || i, '+1202555' || lpad(i::text, 4, '0') FROM generate_series(0, $1 - 1) AS i`,
  [CONTACTS],
);
let next = 0;
const batch = () => ({
  Records: Array.from({ length: 10 }, () => {
    const i = next++;
    const body = JSON.stringify({
      campaignId: 'bench',
      contactId: `k${i}`,
      attempt: 1,
      phoneNumber: `+1202555${String(i).padStart(4, '0')}`,
    });
    return {
      messageId: `m${i}`,
      receiptHandle: `r${i}`,
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '0',
        SenderId: 'bench',
        ApproximateFirstReceiveTimestamp: '0',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:dial-tasks',
      awsRegion: 'us-east-1',
    };
  }),
});
const ioFloor = async () => {
  const numbers = Array.from({ length: 10 }, (_, i) => ({ phoneNumber: `+1202555${String(9000 + i)}` }));
  await dynamoClient.send(new BatchGetCommand({ RequestItems: { blacklist: { Keys: numbers } } }));
  // The claim's transaction: BEGIN, the numbers' locks, the claim, COMMIT.
  const client = await db.connect();
  try {
    for (const text of ['BEGIN', 'SELECT 1', 'SELECT 1', 'COMMIT']) await client.query(text);
  } finally {
    client.release();
  }
  await sqsClient.send(
    new SendMessageBatchCommand({
      QueueUrl: stack.queueUrls.asteriskCalls,
      Entries: numbers.map((_, i) => ({ Id: String(i), MessageBody: '{"floor":true}' })),
    }),
  );
  await db.query('SELECT 1');
};
const dialing = await compare(
  10,
  async () => {
    process.env._X_AMZN_TRACE_ID = newTraceHeader().header;
    const response = await dialer(batch(), lambdaContext('dialerWorker'));
    if (response.batchItemFailures.length > 0) throw new Error('bench batch failed');
  },
  ioFloor,
);
// 3. The same batch with the trace not sampled: what the per-task subsegments cost.
const sampling = await compare(
  10,
  async () => {
    process.env._X_AMZN_TRACE_ID = newTraceHeader(true).header;
    await dialer(batch(), lambdaContext('dialerWorker'));
  },
  async () => {
    process.env._X_AMZN_TRACE_ID = newTraceHeader(false).header;
    await dialer(batch(), lambdaContext('dialerWorker'));
  },
);
// 4. The scheduler's tick, for a campaign of 100,000 contacts and one of 1,000,000.
const scheduler = await measureScheduler(stack, db);
await db.end();
// 5. CSV imports, 100,000 and 1,000,000 rows.
const imports = await measureImports(stack);
await stack.stop();

const result = {
  date: new Date().toISOString(),
  node: process.version,
  tracing: {
    tracedChainMs: Number(tracing.a.toFixed(4)),
    plainMiddyMs: Number(tracing.b.toFixed(4)),
    overheadMs: Number((tracing.a - tracing.b).toFixed(4)),
  },
  dialerBatch10: {
    batchMs: Number(dialing.a.toFixed(3)),
    ioFloorMs: Number(dialing.b.toFixed(3)),
    ratio: Number((dialing.a / dialing.b).toFixed(2)),
  },
  dialerBatch10Sampling: {
    sampledMs: Number(sampling.a.toFixed(3)),
    unsampledMs: Number(sampling.b.toFixed(3)),
    ratio: Number((sampling.a / sampling.b).toFixed(2)),
  },
  scheduler,
  imports,
  tracingBackends,
};
const dir = join(import.meta.dirname, 'results');
await mkdir(dir, { recursive: true });
await appendFile(join(dir, 'results.ndjson'), `${JSON.stringify(result)}\n`);
console.log(JSON.stringify(result, null, 2));
process.exit(0);
