/**
 * `npm run demo:dial`: puts one dial task per demo contact on the dial-tasks queue of the running local stack
 * (what the campaign fan-out does in the full system), then reports what the dialer made of them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import pg from 'pg';
import { DEMO_USER, demoCampaignId, demoContacts } from './demo.ts';
import { STACK_FILE } from './paths.ts';

if (!existsSync(STACK_FILE)) {
  console.error('The local stack is not running: start it with `npm start` first.');
  process.exit(1);
}
const { env } = JSON.parse(readFileSync(STACK_FILE, 'utf8')) as { env: Record<string, string> };
const sqs = new SQSClient({
  region: env.AWS_REGION,
  endpoint: env.AWS_ENDPOINT_URL_SQS,
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
const attempt = Number(process.argv[2] ?? 1);
const DEMO_CAMPAIGN = demoCampaignId();
const contacts = demoContacts();
for (let first = 0; first < contacts.length; first += 10) {
  const entries = contacts.slice(first, first + 10).map((contact, i) => ({
    Id: String(i),
    MessageBody: JSON.stringify({
      campaignId: DEMO_CAMPAIGN,
      contactId: contact.id,
      attempt,
      phoneNumber: contact.phoneNumber,
      userId: DEMO_USER,
    }),
  }));
  await sqs.send(new SendMessageBatchCommand({ QueueUrl: env.DIAL_TASKS_QUEUE_URL, Entries: entries }));
}
sqs.destroy();
console.log(`Sent ${contacts.length} dial tasks (attempt ${attempt}) for campaign ${DEMO_CAMPAIGN}.`);

const db = new pg.Client({ connectionString: env.DATABASE_URL });
await db.connect();
await sleep(5_000);
const { rows } = await db.query(
  'SELECT status, count(*)::int AS n FROM call_attempts WHERE campaign_id = $1 AND attempt = $2 GROUP BY status ORDER BY status',
  [DEMO_CAMPAIGN, attempt],
);
await db.end();
console.log('Attempts by status:', Object.fromEntries(rows.map((row) => [row.status, row.n])));
