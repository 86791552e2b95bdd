/**
 * The demo data seeded on the first `npm start`: campaign `demo` of user `demo-user`, its contacts, and a few of
 * their numbers on the blacklist. Seeding twice changes nothing.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import pg from 'pg';
import { BLACKLIST_TABLE } from './stack.ts';

export const DEMO_CAMPAIGN = 'demo';
export const DEMO_USER = 'demo-user';
export const DEMO_CONTACTS = 20;
export const DEMO_BLACKLISTED = 2;

/** A valid US number per contact (the 555 exchange: never a real subscriber). */
export const demoNumber = (n: number): string => `+1202555${String(n).padStart(4, '0')}`;
export const demoContactId = (n: number): string => `contact-${String(n).padStart(4, '0')}`;

export async function seedDemo(databaseUrl: string, dynamo: DynamoDBClient): Promise<void> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query(
      `INSERT INTO campaigns (id, user_id, name, status) VALUES ($1, $2, 'Demo reminders', 'draft')
       ON CONFLICT (id) DO NOTHING`,
      [DEMO_CAMPAIGN, DEMO_USER],
    );
    const ids = Array.from({ length: DEMO_CONTACTS }, (_, i) => demoContactId(i));
    const numbers = Array.from({ length: DEMO_CONTACTS }, (_, i) => demoNumber(i));
    await db.query(
      `INSERT INTO contacts (campaign_id, id, phone_number, time_zone)
       SELECT $1, id, phone, 'America/New_York' FROM unnest($2::text[], $3::text[]) AS c(id, phone)
       ON CONFLICT DO NOTHING`,
      [DEMO_CAMPAIGN, ids, numbers],
    );
  } finally {
    await db.end();
  }
  const documents = DynamoDBDocumentClient.from(dynamo);
  await documents.send(
    new BatchWriteCommand({
      RequestItems: {
        [BLACKLIST_TABLE]: Array.from({ length: DEMO_BLACKLISTED }, (_, i) => ({
          PutRequest: {
            Item: {
              phoneNumber: demoNumber(i * 7 + 3),
              addedBy: DEMO_USER,
              addedAt: new Date().toISOString(),
            },
          },
        })),
      },
    }),
  );
}
