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
import { BatchGetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
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
const { CALLING_HOURS } = await import('../src/domain/callingHours.ts');
const { CLAIM_SQL, FACTS_SQL, OUTCOMES_SQL } = await import('../src/repositories/attemptStatements.ts');
const { RECORD_SQL: RESULT_RECORD_SQL, TARGETS_SQL: RESULT_TARGETS_SQL } = await import(
  '../src/repositories/callResultRepository.ts'
);

const requests = { sqs: countRequests(sqsClient), dynamodb: countRequests(dynamoClient) };

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const round = (value: number, digits = 3) => Number(value.toFixed(digits));

// Distinct numbers (a number's daily cap would refuse a second call), in zones open at the harness's clock.
const AREAS = ['202', '212', '305', '312', '404', '617'];
const numberFor = (i: number) =>
  `+1${AREAS[Math.floor(i / 10_000)]}555${String(i % 10_000).padStart(4, '0')}`;
const TOTAL = 2 * TASKS + 2 * ROUNDS * 5 * BATCH + BATCH;
if (TOTAL + 2 * TASKS > AREAS.length * 10_000) throw new Error(`at most ${AREAS.length * 10_000} numbers`);
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

/**
 * The ways of doing the same work are measured in turns (ROUNDS_OF_WORK rounds, each doing a share of every way's
 * tasks, in an order that rotates): the tables grow and bloat as the run goes (every way writes attempts and updates
 * contacts), so a way measured after another would meet larger tables. Each way's time and the requests it made are
 * summed over its turns; the ANALYZE between rounds (standing in for autovacuum) is in none of them.
 */
const ROUNDS_OF_WORK = 10;
interface Tally {
  ms: number;
  sqs: number;
  dynamodb: number;
  statements: number;
}
const tally = (): Tally => ({ ms: 0, sqs: 0, dynamodb: 0, statements: 0 });
async function timed(into: Tally, work: () => Promise<void>): Promise<void> {
  const before = { sqs: requests.sqs(), dynamodb: requests.dynamodb(), statements: statements() };
  const start = performance.now();
  await work();
  into.ms += performance.now() - start;
  into.sqs += requests.sqs() - before.sqs;
  into.dynamodb += requests.dynamodb() - before.dynamodb;
  into.statements += statements() - before.statements;
}
const report = (t: Tally) => ({
  tasksPerSecond: round((TASKS / t.ms) * 1000, 0),
  perBatch: {
    dynamodb: round((t.dynamodb / TASKS) * BATCH, 2),
    sqs: round((t.sqs / TASKS) * BATCH, 2),
    statements: round((t.statements / TASKS) * BATCH, 2),
  },
  ms: round(t.ms, 0),
});
/** Runs every way's share `share` of each round, the order rotating from round to round. */
async function inTurns(ways: ReadonlyArray<[Tally, (round: number) => Promise<void>]>): Promise<void> {
  for (let r = 0; r < ROUNDS_OF_WORK; r += 1) {
    for (let w = 0; w < ways.length; w += 1) {
      const [into, work] = ways[(r + w) % ways.length] ?? [];
      if (into && work) await timed(into, () => work(r));
    }
    // The attempts table grows from nothing here, far faster than autovacuum (a minute apart) would analyse it, and
    // the claim's plan on statistics of an empty table is several times slower.
    await harness.db.query('ANALYZE call_attempts; ANALYZE contacts');
  }
}
const SHARE = TASKS / ROUNDS_OF_WORK;
if (!Number.isInteger(SHARE / BATCH))
  throw new Error(`tasks must be a multiple of ${ROUNDS_OF_WORK * BATCH}`);

/**
 * dialer: the same number of tasks batched, one per invocation, the batch's I/O floor (one BatchGetItem, one
 * SendMessageBatch, BEGIN, SELECT 1, COMMIT: the round trips with nothing for the server to do), and the dialer's own
 * statements sent by a bare client with the same BatchGetItem and SendMessageBatch (the facts read, the claim, every
 * task open and under its limits, and the outcomes, for contacts of their own): against it, the ratio is the cost of
 * the worker's code around its I/O (the queue stack, validation, the hours check, tracing).
 */
const OWN_FROM = TOTAL + TASKS;
await harness.db.query(
  `INSERT INTO contacts (campaign_id, id, phone_number) SELECT 'bench', 'o' || i, n
   FROM unnest($1::text[]) WITH ORDINALITY AS t(n, i)`,
  [Array.from({ length: TASKS }, (_, i) => numberFor(OWN_FROM + i))],
);
await harness.db.query('ANALYZE');
const floorPool = new pg.Pool({ connectionString: harness.stack.databaseUrl, max: 1 });
const limits = JSON.stringify(CALLING_HOURS.recipientLimits);
const dialWays = { batched: tally(), perTask: tally(), floor: tally(), ownStatements: tally() };
let ownNext = 0;
await inTurns([
  [
    dialWays.batched,
    async () => {
      for (let i = 0; i < SHARE / BATCH; i += 1) await invoke(BATCH, false);
    },
  ],
  [
    dialWays.perTask,
    async () => {
      for (let i = 0; i < SHARE; i += 1) await invoke(1, false);
    },
  ],
  [
    dialWays.floor,
    async () => {
      for (let i = 0; i < SHARE / BATCH; i += 1) {
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
    },
  ],
  [
    dialWays.ownStatements,
    async () => {
      for (let i = 0; i < SHARE / BATCH; i += 1) {
        const tasks = Array.from({ length: BATCH }, () => {
          ownNext += 1;
          return { id: `o${ownNext}`, phoneNumber: numberFor(OWN_FROM + ownNext - 1) };
        });
        await dynamoClient.send(
          new BatchGetCommand({
            RequestItems: {
              blacklist: { Keys: tasks.map((t) => ({ phoneNumber: t.phoneNumber })), ConsistentRead: true },
            },
          }),
        );
        const at = new Date();
        const ids = tasks.map(() => 'bench');
        const contactIds = tasks.map((t) => t.id);
        const ones = tasks.map(() => 1);
        const facts = await floorPool.query(FACTS_SQL, [ids, contactIds]);
        const factsOf = new Map(facts.rows.map((row) => [row.contact_id, row.facts]));
        await floorPool.query(CLAIM_SQL, [
          ids,
          contactIds,
          ones,
          tasks.map(() => 'dialing'),
          tasks.map((t) => t.phoneNumber),
          tasks.map(() => '{}'),
          tasks.map(() => true),
          tasks.map((t) => JSON.stringify(factsOf.get(t.id) ?? null)),
          ones,
          120,
          limits,
          at,
          300,
        ]);
        await sqsClient.send(
          new SendMessageBatchCommand({
            QueueUrl: harness.stack.queueUrls.asteriskCalls,
            Entries: tasks.map((_, k) => ({ Id: String(k), MessageBody: '{"floor":true}' })),
          }),
        );
        await floorPool.query(OUTCOMES_SQL, [
          ids,
          contactIds,
          ones,
          tasks.map(() => true),
          tasks.map(() => '{}'),
          [],
          [],
          [],
          [],
          [],
          at,
        ]);
      }
    },
  ],
]);
const batched = report(dialWays.batched);
const perTask = report(dialWays.perTask);
const floor = report(dialWays.floor);
const ownStatements = report(dialWays.ownStatements);

/**
 * results: results for the calls the batched and the one-per-invocation dialer placed above, in turns: in
 * Lambda-sized batches of 10 through resultWorker; as the previous design recorded them (one result at a time: its
 * attempt read, then BEGIN, the number locked for an opt-out, the attempt updated, the contact's step, COMMIT: the same
 * statements without the worker's code around them, so the ratio is a lower bound of the gain); and the worker's own
 * two statements sent by a bare client, with one DynamoDB write per opt-out, for calls placed here directly (the
 * ratio is the cost of the worker's code around its I/O: the queue stack, validation, tracing). One result in 100 is
 * an opt-out.
 */
const { rows: placed } = await harness.db.query<{ campaign_id: string; contact_id: string; attempt: number }>(
  `SELECT campaign_id, contact_id, attempt FROM call_attempts
   WHERE status = 'initiated' AND outcome IS NULL AND contact_id LIKE 'k%' ORDER BY initiated_at, contact_id`,
);
const OUTCOMES = ['no_answer', 'busy', 'answered', 'machine', 'no_answer', 'failed', 'answered'] as const;
const endedAt = new Date().toISOString();
const resultFor = (row: (typeof placed)[number], i: number) => ({
  dialId: `${row.campaign_id}:${row.contact_id}:${row.attempt}`,
  outcome: OUTCOMES[i % OUTCOMES.length],
  endedAt,
  durationSeconds: 20,
  ...(i % 100 === 99 ? { optOut: true } : {}),
});
const callResults = queueRef(harness.stack.queueUrls.callResults);
const viaWorker = placed.slice(0, TASKS);
const viaPrevious = placed.slice(TASKS, 2 * TASKS);
if (viaPrevious.length < TASKS) throw new Error(`only ${placed.length} calls placed for the results`);
// The floor's results are for calls of contacts of their own, with a dialled call's compliance record (the update
// rewrites the row with it, as the worker's do).
const FLOOR_FROM = TOTAL;
await harness.db.query(
  `INSERT INTO contacts (campaign_id, id, phone_number) SELECT 'bench', 'f' || i, n
   FROM unnest($1::text[]) WITH ORDINALITY AS t(n, i)`,
  [Array.from({ length: TASKS }, (_, i) => numberFor(FLOOR_FROM + i))],
);
await harness.db.query(
  `INSERT INTO call_attempts (campaign_id, contact_id, attempt, status, initiated_at, compliance)
   SELECT 'bench', 'f' || i, 1, 'initiated', now(),
     (SELECT compliance FROM call_attempts WHERE status = 'initiated' AND compliance IS NOT NULL LIMIT 1)
   FROM generate_series(1, $1::int) AS i`,
  [TASKS],
);
await harness.db.query('ANALYZE');
const resultWorker = harness.functions.resultWorker;
const previousPool = new pg.Pool({ connectionString: harness.stack.databaseUrl, max: 1 });
const resultWays = { batched: tally(), previous: tally(), floor: tally() };
await inTurns([
  [
    resultWays.batched,
    async (r) => {
      for (let i = r * SHARE; i < (r + 1) * SHARE; i += BATCH) {
        const records = viaWorker.slice(i, i + BATCH).map((row, k) => {
          next += 1;
          const body = JSON.stringify(resultFor(row, i + k));
          return toSqsRecord({ MessageId: `m${next}`, ReceiptHandle: `r${next}`, Body: body }, callResults);
        });
        process.env._X_AMZN_TRACE_ID = newTraceHeader(false).header;
        const response = await resultWorker({ Records: records }, lambdaContext('resultWorker'));
        if (response.batchItemFailures.length > 0) throw new Error('a bench result failed');
      }
    },
  ],
  [
    resultWays.previous,
    async (r) => {
      const client = await previousPool.connect();
      try {
        for (let i = r * SHARE; i < (r + 1) * SHARE; i += 1) {
          const row = viaPrevious[i];
          if (row === undefined) break;
          const result = resultFor(row, i);
          const key = [row.campaign_id, row.contact_id, row.attempt];
          await client.query(
            `SELECT a.outcome, c.phone_number, k.user_id, k.status, k.max_attempts, k.retry_delays
             FROM call_attempts a JOIN contacts c ON c.campaign_id = a.campaign_id AND c.id = a.contact_id
             JOIN campaigns k ON k.id = a.campaign_id
             WHERE a.campaign_id = $1 AND a.contact_id = $2 AND a.attempt = $3`,
            key,
          );
          await client.query('BEGIN');
          if (result.optOut)
            await client.query(
              'SELECT pg_advisory_xact_lock(hashtext(phone_number)) FROM contacts WHERE campaign_id = $1 AND id = $2',
              key.slice(0, 2),
            );
          await client.query(
            `UPDATE call_attempts SET outcome = $4, opt_out = $5, result = $6, result_at = now(), updated_at = now()
             WHERE campaign_id = $1 AND contact_id = $2 AND attempt = $3 AND outcome IS NULL`,
            [
              ...key,
              result.outcome,
              result.optOut === true,
              JSON.stringify({ endedAt, durationSeconds: 20 }),
            ],
          );
          await client.query(
            'SELECT set_contact_steps(ARRAY[$1::text], ARRAY[$2::text], ARRAY[$3::timestamptz], ARRAY[$4::text])',
            [row.campaign_id, row.contact_id, new Date(Date.now() + 3_600_000), null],
          );
          await client.query('COMMIT');
        }
      } finally {
        client.release();
      }
    },
  ],
  [
    resultWays.floor,
    async (r) => {
      const client = await floorPool.connect();
      try {
        for (let i = r * SHARE; i < (r + 1) * SHARE; i += BATCH) {
          const rows = Array.from({ length: BATCH }, (_, k) => ({
            campaign_id: 'bench',
            contact_id: `f${i + k + 1}`,
            attempt: 1,
          }));
          const results = rows.map((row, k) => resultFor(row, i + k));
          const keys = [
            rows.map((x) => x.campaign_id),
            rows.map((x) => x.contact_id),
            rows.map((x) => x.attempt),
          ];
          await client.query(RESULT_TARGETS_SQL, keys);
          for (const result of results.filter((x) => x.optOut))
            await dynamoClient.send(
              new UpdateCommand({
                TableName: harness.stack.env.BLACKLIST_TABLE ?? 'blacklist',
                Key: { phoneNumber: `+1999555${String(i).padStart(4, '0')}` },
                UpdateExpression: 'SET listed = :t, reason = :r',
                ExpressionAttributeValues: { ':t': true, ':r': result.dialId },
              }),
            );
          await client.query(RESULT_RECORD_SQL, [
            ...keys,
            results.map((x) => x.outcome),
            results.map((x) => x.optOut === true),
            results.map(() => JSON.stringify({ endedAt, durationSeconds: 20 })),
            results.map(() => new Date(Date.now() + 3_600_000)),
            results.map(() => null),
            results.map(() => true),
            new Date(),
          ]);
        }
      } finally {
        client.release();
      }
    },
  ],
]);
await previousPool.end();
await floorPool.end();
const resultsBatched = report(resultWays.batched);
const resultsPrevious = report(resultWays.previous);
const resultsFloor = report(resultWays.floor);

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
      ownStatements,
      batchedOverOwnStatements: round(batched.ms / ownStatements.ms, 2),
    },
    results: {
      results: TASKS,
      batched: resultsBatched,
      previousDesign: resultsPrevious,
      ioFloor: resultsFloor,
      batchedOverPrevious: round(resultsBatched.tasksPerSecond / resultsPrevious.tasksPerSecond, 2),
      batchedOverFloor: round(resultsBatched.ms / resultsFloor.ms, 2),
    },
  }),
);
await harness.stop();
process.exit(0);
