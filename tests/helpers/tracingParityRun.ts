/**
 * The invocations the tracing parity test compares, run on an embedded stack of their own by whichever tracing
 * backend this process resolves (`node --conditions=tracing-opentelemetry` for OpenTelemetry). Every step is
 * deterministic (fixed ids, a fixed clock, a seeded telephony simulator), so two runs differ by their backend only.
 *
 * Usage: node [--conditions=tracing-opentelemetry] tests/helpers/tracingParityRun.ts <result.json>
 * The result: the documents exactly as the daemon received them, and the trace id of the unsampled invocation.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom, simulateCall } from '../../local/telephony.ts';
import { apiEvent } from './apiGateway.ts';
import { lambdaContext, newTrace } from './lambda.ts';
import { startSystemHarness } from './systemHarness.ts';

const [resultFile] = process.argv.slice(2);
if (resultFile === undefined) throw new Error('usage: tracingParityRun.ts <result.json>');

const xrayFile = join(tmpdir(), `voice-campaign-parity-${process.pid}.ndjson`);
const harness = await startSystemHarness({}, { faultProxies: true, xrayFile });
const userId = 'user-parity';
try {
  // HTTP: a campaign made, a request refused (400), a campaign not found (404), a number listed (DynamoDB).
  await harness.http(
    'createCampaign',
    apiEvent({
      method: 'POST',
      resource: '/campaigns',
      userId,
      body: { name: 'Parity', callerId: '+1 202 555 0100', callFlow: 'flows/reminder' },
    }),
  );
  await harness.http(
    'createCampaign',
    apiEvent({ method: 'POST', resource: '/campaigns', userId, body: { name: 42 } }),
  );
  await harness.http(
    'campaignStatus',
    apiEvent({
      method: 'GET',
      resource: '/campaigns/{campaignId}',
      pathParameters: { campaignId: 'c-none' },
      userId,
    }),
  );
  await harness.http(
    'blacklistAdd',
    apiEvent({
      method: 'POST',
      resource: '/blacklist',
      userId,
      scopes: 'dnc:write',
      body: { phoneNumber: '+12025559999', reason: 'asked not to be called' },
    }),
  );

  // The dialer: a batch with a listed number and a message that is not JSON, then a batch whose blacklist read is
  // throttled until the SDK gives up (the task goes back for a retry).
  const contacts = await harness.seedCampaign('c-parity', userId, 6);
  await harness.blacklist([contacts[2]?.phoneNumber ?? '']);
  const task = (index: number) => ({
    campaignId: 'c-parity',
    contactId: `contact-${index}`,
    attempt: 1,
    phoneNumber: contacts[index]?.phoneNumber ?? '',
    userId,
  });
  await harness.enqueue([task(0), task(1), task(2), task(3), 'not json']);
  await harness.runBatch();
  await harness.enqueue([task(4)]);
  harness.faults?.dynamo.inject((operation) =>
    operation.endsWith('BatchGetItem')
      ? {
          kind: 'error',
          status: 400,
          type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
          message: 'Throughput exceeds the current capacity of your table.',
        }
      : undefined,
  );
  await harness.runBatch();
  harness.faults?.dynamo.inject(undefined);

  // The scheduler's tick, and the results of the calls placed.
  await harness.tick();
  const random = seededRandom(7);
  const calls = await harness.takeCalls();
  await harness.deliverResults(
    calls.map((call) => simulateCall(call, harness.now(), { answered: 1, busy: 1 }, random)),
  );

  // An unsampled invocation: nothing may reach the daemon for it.
  const unsampled = newTrace(false);
  await harness.quietly(() =>
    harness.functions.listCampaigns(
      apiEvent({ method: 'GET', resource: '/campaigns', userId }),
      lambdaContext('listCampaigns'),
    ),
  );

  // Documents go out over UDP: give the last ones time to arrive before the receiver stops.
  await new Promise((resolve) => setTimeout(resolve, 500));
  await harness.stop();
  const documents = (await readFile(xrayFile, 'utf8')).split('\n').filter(Boolean);
  await writeFile(resultFile, JSON.stringify({ documents, unsampled }));
} finally {
  await rm(xrayFile, { force: true });
}
// The functions' pools and clients would keep the process alive.
process.exit(0);
