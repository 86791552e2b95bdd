/**
 * The demo data of `npm start`: a campaign of user `demo-user`, made through the campaign API (a draft, ready to
 * start; its id in .local/demo-campaign), 1,000 contacts spread over several time zones, 10 of whose numbers are on
 * the do-not-call list. Making it twice changes nothing. Numbers are valid for their country and drawn from ranges set aside for fiction or testing where the
 * country has one (555 in North America).
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DEMO_CAMPAIGN_FILE } from './paths.ts';
import { BLACKLIST_TABLE } from './stack.ts';

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

/** The demo campaign's settings, as the API takes them. */
const DEMO_SETTINGS = {
  name: 'Demo reminders',
  callerId: '+12025550100',
  callFlow: 'flows/demo-reminder',
  defaultRegion: 'US',
  defaultTimeZone: 'America/New_York',
  // Every day, so the demo runs whatever day it is started; a pace that finishes 1,000 contacts in a simulated day.
  callingWindow: { start: '09:00', end: '20:00', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] },
  pacing: { callsPerMinute: 100, maxConcurrentCalls: 100 },
};

/** Asks the local API; a refusal stops the start with its message. */
async function ask(api: string, token: string, method: string, path: string, body?: unknown, key?: string) {
  const response = await fetch(`${api}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
      ...(key ? { 'Idempotency-Key': key } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  if (!response.ok)
    throw new Error(
      `The demo campaign could not be made: ${method} ${path} answered ${response.status} ${String(answer.message)}`,
    );
  return answer;
}

/**
 * Makes the demo campaign through the campaign API, as a user would: created once (its idempotency key makes a
 * later start find the same campaign), its contacts added while it has none. Answers its id.
 */
export async function createDemoCampaign(api: string, token: string): Promise<string> {
  const campaign = await ask(api, token, 'POST', '/campaigns', DEMO_SETTINGS, 'demo-campaign');
  const campaignId = String(campaign.campaignId);
  if (campaign.status === 'draft') {
    const path = `/campaigns/${campaignId}/contacts`;
    const { contacts } = (await ask(api, token, 'GET', `${path}?limit=1`)) as { contacts: unknown[] };
    if (contacts.length === 0) await ask(api, token, 'POST', path, { contacts: demoContacts() });
  }
  await writeFile(DEMO_CAMPAIGN_FILE, `${campaignId}\n`);
  return campaignId;
}

/** The demo campaign's id, written by `npm start`. */
export function demoCampaignId(): string {
  if (!existsSync(DEMO_CAMPAIGN_FILE))
    throw new Error('No demo campaign yet: start the system with `npm start` first.');
  return readFileSync(DEMO_CAMPAIGN_FILE, 'utf8').trim();
}

/** Puts the demo numbers on the do-not-call list (written to the table directly: the list holds no campaign). */
export async function seedDemoBlacklist(dynamo: DynamoDBClient): Promise<void> {
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
