/**
 * CSV imports on the embedded stack: the upload form is POSTed to the local S3 (s3rver) as a client would, its
 * upload notice reaches the imports queue, and importWorker imports the file; status and rejects file read back
 * through the API and the rejects link. Small batches (IMPORT_BATCH_ROWS) so resuming is exercised on small files.
 */

import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from '@jest/globals';
import { parse } from 'csv-parse/sync';
import { apiEvent } from '../helpers/apiGateway.ts';
import { byName, inTrace } from '../helpers/lambda.ts';
import { startSystemHarness } from '../helpers/systemHarness.ts';

const harness = await startSystemHarness({ IMPORT_BATCH_ROWS: '50' });
afterAll(() => harness.stop());

const OWNER = 'importer-1';
const settings = {
  callerId: '+12025550100',
  callFlow: 'flows/reminder-v1',
  defaultRegion: 'US',
  defaultTimeZone: 'America/New_York',
};

async function draftCampaign(name: string): Promise<string> {
  const created = await harness.http(
    'createCampaign',
    apiEvent({ method: 'POST', resource: '/campaigns', userId: OWNER, body: { name, ...settings } }),
  );
  expect(created.statusCode).toBe(201);
  return String(created.body.campaignId);
}

const openImport = (campaignId: string, userId = OWNER) =>
  harness.http(
    'createImport',
    apiEvent({
      method: 'POST',
      resource: '/campaigns/{campaignId}/imports',
      pathParameters: { campaignId },
      userId,
    }),
  );

const importStatus = (campaignId: string, importId: string, userId = OWNER) =>
  harness.http(
    'getImport',
    apiEvent({
      method: 'GET',
      resource: '/campaigns/{campaignId}/imports/{importId}',
      pathParameters: { campaignId, importId },
      userId,
    }),
  );

interface Upload {
  url: string;
  fields: Record<string, string>;
}

/** POSTs a file with its upload form, as a browser or the CLI does. */
async function upload(form: Upload, content: string | Buffer): Promise<Response> {
  const body = new FormData();
  for (const [name, value] of Object.entries(form.fields)) body.append(name, value);
  body.append('file', new Blob([content], { type: 'text/csv' }), 'contacts.csv');
  return fetch(form.url, { method: 'POST', body });
}

async function importFile(content: string | Buffer, timeoutMs?: number) {
  const campaignId = await draftCampaign(`import ${Math.random()}`);
  const opened = await openImport(campaignId);
  expect(opened.statusCode).toBe(201);
  const importId = String(opened.body.importId);
  const sent = await upload(opened.body.upload as unknown as Upload, content);
  expect(sent.status).toBe(204);
  const drained = await harness.drainImports(timeoutMs);
  const status = await importStatus(campaignId, importId);
  return { campaignId, importId, drained, status: status.body, statusCode: status.statusCode };
}

async function rejectsOf(status: Record<string, unknown>): Promise<string[][]> {
  const link = (status.rejects as { url: string }).url;
  const response = await fetch(link);
  expect(response.status).toBe(200);
  return parse(await response.text()) as string[][];
}

async function storedContacts(campaignId: string) {
  const { rows } = await harness.db.query(
    'SELECT id, phone_number, time_zones, zone_source, attributes FROM contacts WHERE campaign_id = $1 ORDER BY phone_number',
    [campaignId],
  );
  return rows;
}

describe('CSV import', () => {
  it('imports good rows, refuses bad ones by row number and reason, and writes a rejects file safe for spreadsheets', async () => {
    // Prepare: national and international numbers, a multi-zone area code, a given zone, attributes, bad rows.
    const csv = [
      'Phone,first_name,time_zone,id',
      '(202) 555-0101,Ada,,c-1',
      '+1 415 555 0102,Grace,,c-2',
      '"=HYPERLINK(""http://x"")",Mallory,,c-3',
      '12,Short,,c-4',
      '202-555-0101,Again,,c-5',
      '+44 20 7946 0958,Tim,Europe/London,c-6',
      ',Nobody,,c-7',
      '+1 202 555 0103,Dup id,,c-1',
    ].join('\n');

    // Act
    const { campaignId, status, drained } = await importFile(csv);

    // Assert
    expect(drained.failures).toBe(0);
    expect(status).toMatchObject({ status: 'done', rowsRead: 8, added: 3, refused: 5, progress: 1 });
    const rejects = await rejectsOf(status);
    expect(rejects).toEqual([
      ['rejected_row', 'rejected_reason', 'Phone', 'first_name', 'time_zone', 'id'],
      ['4', 'phoneNumber is not a valid phone number', `'=HYPERLINK("http://x")`, 'Mallory', '', 'c-3'],
      ['5', 'phoneNumber is not a valid phone number', '12', 'Short', '', 'c-4'],
      ['6', 'an earlier row has this number or id', '202-555-0101', 'Again', '', 'c-5'],
      ['8', 'the phone cell is empty', '', 'Nobody', '', 'c-7'],
      ['9', 'an earlier row has this number or id', "'+1 202 555 0103", 'Dup id', '', 'c-1'],
    ]);
    const contacts = await storedContacts(campaignId);
    expect(contacts).toEqual([
      {
        id: 'c-1',
        phone_number: '+12025550101',
        time_zones: ['America/New_York'],
        zone_source: 'number',
        attributes: { first_name: 'Ada' },
      },
      {
        id: 'c-2',
        phone_number: '+14155550102',
        time_zones: ['America/Los_Angeles'],
        zone_source: 'number',
        attributes: { first_name: 'Grace' },
      },
      {
        id: 'c-6',
        phone_number: '+442079460958',
        time_zones: ['Europe/London'],
        zone_source: 'given',
        attributes: { first_name: 'Tim' },
      },
    ]);
  });
});
