/**
 * The end-to-end benchmark (bench/endToEnd.ts), in a process and on an embedded stack of its own: a campaign of
 * `contacts` contacts in four US zones created and started through the API, then run to `completed` as production
 * runs it minute by minute (scheduler tick, dialer, the telephony simulator, result worker; tests/helpers/
 * campaignRunner.ts), with outcomes and retries on. Requests are counted at the functions' clients: SQS and DynamoDB
 * requests by an SDK middleware, PostgreSQL statements at the pg client (the harness's own reads left out).
 *
 * Usage: node bench/endToEndChild.ts <contacts>. Prints one JSON line.
 */
import { seededRandom } from '../local/telephony.ts';
import { campaignRunner } from '../tests/helpers/campaignRunner.ts';
import { startSystemHarness } from '../tests/helpers/systemHarness.ts';
import { countRequests, countStatements } from './counting.ts';

const CONTACTS = Number(process.argv[2] ?? 10_000);

const statements = countStatements();

const harness = await startSystemHarness({ POWERTOOLS_LOG_LEVEL: 'ERROR' });
// The harness's own statements (seeding, status reads) are not the system's: counted apart and taken off.
let harnessStatements = 0;
const harnessQuery = harness.db.query.bind(harness.db);
harness.db.query = ((...args: Parameters<typeof harnessQuery>) => {
  harnessStatements += 1;
  return harnessQuery(...args);
}) as typeof harness.db.query;

const { sqsClient } = await import('../src/lib/sqsClient.ts');
const { dynamoClient } = await import('../src/lib/dynamoClient.ts');
const sqsRequests = countRequests(sqsClient);
const dynamoRequests = countRequests(dynamoClient);

// Four zones: Eastern, Central, Mountain, Pacific; distinct numbers.
const AREAS = ['202', '312', '303', '213'];
const contacts = Array.from({ length: CONTACTS }, (_, i) => ({
  phoneNumber: `+1${AREAS[i % AREAS.length]}555${String(Math.floor(i / AREAS.length) % 10_000).padStart(4, '0')}`,
}));
const runner = campaignRunner(
  harness,
  { answered: 60, busy: 15, no_answer: 15, machine: 10 },
  seededRandom(5),
);
const campaignId = await runner.createRunning('bench-user', contacts);
const start = {
  at: performance.now(),
  statements: statements(),
  harnessStatements,
  sqs: sqsRequests(),
  dynamodb: dynamoRequests(),
};
const rounds = await runner.run(campaignId, {}, 1_000);
const seconds = (performance.now() - start.at) / 1000;
const audit = await runner.audit(campaignId);
const system = statements() - start.statements - (harnessStatements - start.harnessStatements);
const round = (value: number, digits = 2) => Number(value.toFixed(digits));
console.log(
  JSON.stringify({
    contacts: CONTACTS,
    rounds,
    calls: audit.calls,
    seconds: round(seconds, 1),
    contactsPerSecond: round(CONTACTS / seconds, 1),
    requestsPerContact: {
      sqs: round((sqsRequests() - start.sqs) / CONTACTS),
      dynamodb: round((dynamoRequests() - start.dynamodb) / CONTACTS),
      postgresStatements: round(system / CONTACTS),
    },
    audit: {
      lost: audit.lost,
      duplicateCalls: audit.duplicateCalls,
      blacklistedCalled: audit.blacklistedCalled,
      outsideWindow: audit.outsideWindow,
      overCap: audit.overCap,
    },
  }),
);
await harness.stop();
process.exit(0);
