/**
 * The demo data seeded on the first `npm start`: campaign `demo` of user `demo-user` (a draft, ready to start),
 * 1,000 contacts spread over several time zones, 10 of whose numbers are on the blacklist. Seeding twice changes
 * nothing. Numbers are valid for their country and drawn from ranges set aside for fiction or testing where the
 * country has one (555 in North America).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import pg from 'pg';
import { BLACKLIST_TABLE } from './stack.ts';

export const DEMO_CAMPAIGN = 'demo';
export const DEMO_USER = 'demo-user';
export const DEMO_CONTACTS = 1_000;

/** Time zones of the demo contacts, each with a number prefix of its country (the rest: 4 digits of the index). */
const ZONES = [
  { timeZone: 'America/New_York', prefix: '+1202555' },
  { timeZone: 'America/Chicago', prefix: '+1312555' },
  { timeZone: 'America/Denver', prefix: '+1303555' },
  { timeZone: 'America/Los_Angeles', prefix: '+1213555' },
  { timeZone: 'Europe/London', prefix: '+44770012' },
  { timeZone: 'Europe/Paris', prefix: '+3361234' },
  { timeZone: 'Asia/Tokyo', prefix: '+81901234' },
  { timeZone: 'Australia/Sydney', prefix: '+6141234' },
] as const;

export interface DemoContact {
  id: string;
  phoneNumber: string;
  timeZone: string;
}

/** The demo contacts, in id order. */
export function demoContacts(): DemoContact[] {
  return Array.from({ length: DEMO_CONTACTS }, (_, i) => {
    const zone = ZONES[i % ZONES.length] ?? ZONES[0];
    return {
      id: `contact-${String(i).padStart(4, '0')}`,
      phoneNumber: `${zone.prefix}${String(i).padStart(4, '0')}`,
      timeZone: zone.timeZone,
    };
  });
}

/** The demo numbers on the blacklist: every 100th contact, from the 7th. */
export function demoBlacklisted(): string[] {
  return demoContacts()
    .filter((_, i) => i % 100 === 7)
    .map((contact) => contact.phoneNumber);
}

export async function seedDemo(databaseUrl: string, dynamo: DynamoDBClient): Promise<void> {
  const contacts = demoContacts();
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query(
      `INSERT INTO campaigns (id, user_id, name, status, caller_id, call_flow)
       VALUES ($1, $2, 'Demo reminders', 'draft', '+12025550100', 'flows/demo-reminder')
       ON CONFLICT (id) DO NOTHING`,
      [DEMO_CAMPAIGN, DEMO_USER],
    );
    await db.query(
      `INSERT INTO contacts (campaign_id, id, phone_number, time_zones, zone_source)
       SELECT $1, id, phone_number, ARRAY[zone], 'given' FROM unnest($2::text[], $3::text[], $4::text[])
         AS c(id, phone_number, zone)
       ON CONFLICT DO NOTHING`,
      [
        DEMO_CAMPAIGN,
        contacts.map((c) => c.id),
        contacts.map((c) => c.phoneNumber),
        contacts.map((c) => c.timeZone),
      ],
    );
  } finally {
    await db.end();
  }
  const documents = DynamoDBDocumentClient.from(dynamo);
  await documents.send(
    new BatchWriteCommand({
      RequestItems: {
        [BLACKLIST_TABLE.name]: demoBlacklisted().map((phoneNumber) => ({
          PutRequest: {
            Item: { phoneNumber, addedBy: DEMO_USER, addedAt: new Date().toISOString(), reason: 'demo' },
          },
        })),
      },
    }),
  );
}
