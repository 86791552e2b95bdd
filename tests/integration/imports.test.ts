/**
 * CSV imports on the embedded stack: the upload form is POSTed to the local S3 (s3rver) as a client would, its
 * upload notice reaches the imports queue, and importWorker imports the file; status and rejects file read back
 * through the API and the rejects link. Small batches (IMPORT_BATCH_ROWS) so resuming is exercised on small files.
 */

import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from '@jest/globals';
import { apiEvent } from '../helpers/apiGateway.ts';
import { importClient, type Upload, upload } from '../helpers/imports.ts';
import { byName, inTrace } from '../helpers/lambda.ts';
import { startSystemHarness } from '../helpers/systemHarness.ts';

const harness = await startSystemHarness({ IMPORT_BATCH_ROWS: '50' });
afterAll(() => harness.stop());

const OWNER = 'importer-1';
const { draftCampaign, openImport, importStatus, importFile, rejectsOf } = importClient(harness, OWNER);

async function storedContacts(campaignId: string) {
  const { rows } = await harness.db.query(
    'SELECT id, phone_number, given_time_zone, us_state, postal_code, attributes FROM contacts WHERE campaign_id = $1 ORDER BY phone_number',
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
      '(605) 555-0110,Split,,c-8',
    ].join('\n');

    // Act
    const { campaignId, status, drained } = await importFile(csv);

    // Assert
    expect(drained.failures).toBe(0);
    expect(status).toMatchObject({ status: 'done', rowsRead: 9, added: 4, refused: 5, progress: 1 });
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
        given_time_zone: null,
        us_state: null,
        postal_code: null,
        attributes: { first_name: 'Ada' },
      },
      {
        id: 'c-2',
        phone_number: '+14155550102',
        given_time_zone: null,
        us_state: null,
        postal_code: null,
        attributes: { first_name: 'Grace' },
      },
      {
        // Zones are derived where they are used (src/domain/candidateZones.ts): only the facts are stored.
        id: 'c-8',
        phone_number: '+16055550110',
        given_time_zone: null,
        us_state: null,
        postal_code: null,
        attributes: { first_name: 'Split' },
      },
      {
        id: 'c-6',
        phone_number: '+442079460958',
        given_time_zone: 'Europe/London',
        us_state: null,
        postal_code: null,
        attributes: { first_name: 'Tim' },
      },
    ]);
  });
});

/** A valid US number, distinct for each n below 10,000, in national format. */
const national = (n: number) => `(202) 555-${String(n).padStart(4, '0')}`;

describe('CSV import across invocations', () => {
  // Semicolons, a BOM, CRLF, quoted cells with separators and line breaks, bad rows spread over every batch.
  const rows = Array.from({ length: 180 }, (_, i) =>
    i % 37 === 5 ? `not a number;row ${i}` : `${national(i)};"note ${i};\r\nsecond line"`,
  );
  const csv = Buffer.from(`\uFEFFphone_number;note\r\n${rows.join('\r\n')}\r\n`);
  const refusedRows = rows.flatMap((_, i) => (i % 37 === 5 ? [String(i + 2)] : []));

  it('continues from its checkpoint when an invocation runs out of time, never writing a row twice', async () => {
    // Act: 1 s per invocation and a 60 s margin: each invocation commits one batch of 50 rows and hands on.
    const { campaignId, status, drained } = await importFile(csv, 1_000);

    // Assert
    expect(drained).toMatchObject({ invocations: 4, failures: 0 });
    expect(status).toMatchObject({ status: 'done', rowsRead: 180, added: 175, refused: 5 });
    const contacts = await storedContacts(campaignId);
    expect(contacts).toHaveLength(175);
    expect(contacts[0]?.attributes).toEqual({ note: 'note 0;\r\nsecond line' });
    const rejects = await rejectsOf(status);
    expect(rejects.slice(1).map((row) => row[0])).toEqual(refusedRows);
    const { rows: record } = await harness.db.query(
      'SELECT invocations FROM imports WHERE campaign_id = $1',
      [campaignId],
    );
    expect(record[0]?.invocations).toBe(4);
  });

  it('resumes from its checkpoint when the upload notice of a crashed invocation comes back, and imports once', async () => {
    // Prepare: one invocation commits a batch and hands on; then, as if it had crashed holding the import, its
    // hand-on is lost and its lease runs out.
    const campaignId = await draftCampaign('crash');
    const opened = await openImport(campaignId);
    const importId = String(opened.body.importId);
    expect((await upload(opened.body.upload as unknown as Upload, csv)).status).toBe(204);
    expect((await harness.drainImports(1_000, 1)).invocations).toBe(1);
    expect(await harness.discardImportMessages()).toBe(1);
    await harness.db.query(
      "UPDATE imports SET lease_owner = 'crashed', lease_until = now() - interval '1 second' WHERE id = $1",
      [importId],
    );
    const notice = JSON.stringify({
      Records: [
        {
          eventName: 'ObjectCreated:Post',
          s3: { bucket: { name: 'imports' }, object: { key: `uploads/${campaignId}/${importId}.csv` } },
        },
      ],
    });

    // Act: S3's notice delivered again, then once more after the import ended.
    await harness.sqs.send(
      new SendMessageCommand({ QueueUrl: harness.stack.queueUrls.imports, MessageBody: notice }),
    );
    const resumed = await harness.drainImports();
    const done = (await importStatus(campaignId, importId)).body;
    await harness.sqs.send(
      new SendMessageCommand({ QueueUrl: harness.stack.queueUrls.imports, MessageBody: notice }),
    );
    const again = await harness.drainImports();

    // Assert
    expect(resumed).toMatchObject({ invocations: 1, failures: 0 });
    expect(done).toMatchObject({ status: 'done', rowsRead: 180, added: 175, refused: 5 });
    expect(await storedContacts(campaignId)).toHaveLength(175);
    expect((await rejectsOf(done)).slice(1).map((row) => row[0])).toEqual(refusedRows);
    expect(again.output.join('')).toContain('"already_imported":1');
    const after = (await importStatus(campaignId, importId)).body;
    expect({ ...after, rejects: undefined }).toEqual({ ...done, rejects: undefined });
    const { rows } = await harness.db.query('SELECT invocations FROM imports WHERE id = $1', [importId]);
    expect(rows[0]?.invocations).toBe(2);
  });

  it('leaves an import another invocation holds to it', async () => {
    // Prepare
    const campaignId = await draftCampaign('held');
    const opened = await openImport(campaignId);
    const importId = String(opened.body.importId);
    await harness.db.query(
      "UPDATE imports SET status = 'importing', lease_owner = 'other', lease_until = now() + interval '10 minutes' WHERE id = $1",
      [importId],
    );

    // Act
    expect((await upload(opened.body.upload as unknown as Upload, csv)).status).toBe(204);
    const drained = await harness.drainImports();

    // Assert
    expect(drained.output.join('')).toContain('"import_in_progress":1');
    expect((await importStatus(campaignId, importId)).body).toMatchObject({
      status: 'importing',
      rowsRead: 0,
    });
    expect(await storedContacts(campaignId)).toHaveLength(0);
  });
});

describe('CSV import: whole-file problems', () => {
  it('fails at once, with a clear message, a file whose header names no phone column', async () => {
    const { status } = await importFile('name,note\nAda,2025550101\n');
    expect(status).toMatchObject({ status: 'failed', rowsRead: 0, added: 0 });
    expect(status.error).toMatch(/no phone column: its first row must be a header naming one/);
    expect(status.error).not.toMatch(/2025550101/);
  });

  it('refuses a line with a quote left open as a row, with the line as it was, and reads on after it', async () => {
    const { campaignId, status } = await importFile(
      `phone,note\n${national(1)},ok\n${national(2)},"fine"\n${national(3)},"never closed\n\n${national(4)},x\n`,
    );
    expect(status).toMatchObject({ status: 'done', rowsRead: 4, added: 3, refused: 1 });
    expect(status.error).toBeUndefined();
    expect(await rejectsOf(status)).toEqual([
      ['rejected_row', 'rejected_reason', 'phone', 'note'],
      ['4', 'the line is not valid CSV: a quoted cell is not closed', `${national(3)},"never closed`, ''],
    ]);
    expect((await storedContacts(campaignId)).map((contact) => contact.phone_number)).toEqual([
      '+12025550001',
      '+12025550002',
      '+12025550004',
    ]);
  });

  it('imports a tab-separated export whose header says "Phone Number" and "ZIP Code"', async () => {
    // Act
    const { campaignId, status } = await importFile(
      ['First Name\tPhone Number\tZIP Code', 'Ada\t(212) 555-0141\t32501', 'Grace\t(415) 555-0142\t'].join(
        '\n',
      ),
    );

    // Assert: both rows added, the ZIP code kept as the contact's postal code, the name an attribute
    expect(status).toMatchObject({ status: 'done', rowsRead: 2, added: 2, refused: 0 });
    const { rows } = await harness.db.query(
      'SELECT phone_number, postal_code, attributes FROM contacts WHERE campaign_id = $1 ORDER BY phone_number',
      [campaignId],
    );
    expect(rows).toEqual([
      { phone_number: '+12125550141', postal_code: '32501', attributes: { 'First Name': 'Ada' } },
      { phone_number: '+14155550142', postal_code: null, attributes: { 'First Name': 'Grace' } },
    ]);
  });

  it('imports a header alone as an empty list', async () => {
    const { status } = await importFile('phone\r\n');
    expect(status).toMatchObject({ status: 'done', rowsRead: 0, added: 0, refused: 0 });
    expect(status.rejects).toBeUndefined();
  });

  it('fails an import whose file is replaced while it is read, rather than mixing two files', async () => {
    // Prepare: the first invocation commits one batch of the first file.
    const campaignId = await draftCampaign('replaced');
    const opened = await openImport(campaignId);
    const form = opened.body.upload as unknown as Upload;
    const first = Array.from({ length: 120 }, (_, i) => national(i)).join('\n');
    expect((await upload(form, `phone\n${first}\n`)).status).toBe(204);
    expect(await harness.drainImports(1_000, 1)).toMatchObject({ invocations: 1, failures: 0 });
    expect((await importStatus(campaignId, String(opened.body.importId))).body).toMatchObject({ added: 50 });

    // Act: the same form used again, with another file.
    const second = Array.from({ length: 120 }, (_, i) => national(5000 + i)).join('\n');
    expect((await upload(form, `phone\n${second}\n`)).status).toBe(204);
    await harness.drainImports();

    // Assert
    const status = (await importStatus(campaignId, String(opened.body.importId))).body;
    expect(status).toMatchObject({ status: 'failed', added: 50 });
    expect(status.error).toMatch(/replaced while it was being imported/);
  });
});

describe('Import API', () => {
  it('answers an upload form whose signed policy caps the file size, and a waiting status', async () => {
    const campaignId = await draftCampaign('form');
    const opened = await openImport(campaignId);
    expect(opened.statusCode).toBe(201);
    const form = opened.body.upload as unknown as Upload & { maxBytes: number; expiresAt: string };
    const policy = JSON.parse(Buffer.from(form.fields.Policy ?? '', 'base64').toString('utf8'));
    // From 0 bytes: an empty file is taken, and its import fails saying so
    expect(policy.conditions).toContainEqual(['content-length-range', 0, form.maxBytes]);
    expect(policy.conditions).toContainEqual({ key: `uploads/${campaignId}/${opened.body.importId}.csv` });
    expect(form.maxBytes).toBe(256 * 1_048_576);
    expect(Date.parse(form.expiresAt) - Date.now()).toBeGreaterThan(14 * 60_000);
    const status = await importStatus(campaignId, String(opened.body.importId));
    expect(status.body).toMatchObject({ status: 'waiting', rowsRead: 0, added: 0, refused: 0 });
  });

  it('fails an import whose file never came, an hour after its form expired', async () => {
    const campaignId = await draftCampaign('no file');
    const opened = await openImport(campaignId);
    const importId = String(opened.body.importId);
    await harness.db.query(
      "UPDATE imports SET upload_expires_at = now() - interval '59 minutes' WHERE id = $1",
      [importId],
    );
    expect((await importStatus(campaignId, importId)).body).toMatchObject({ status: 'waiting' });
    await harness.db.query(
      "UPDATE imports SET upload_expires_at = now() - interval '61 minutes' WHERE id = $1",
      [importId],
    );
    expect((await importStatus(campaignId, importId)).body).toMatchObject({
      status: 'failed',
      error: 'No file arrived before the upload form expired: open a new import',
    });
  });

  it("answers 404 for another user's campaign or import, and for an import that does not exist", async () => {
    const campaignId = await draftCampaign('private');
    const opened = await openImport(campaignId);
    const importId = String(opened.body.importId);
    const cases = [
      await openImport(campaignId, 'someone-else'),
      await importStatus(campaignId, importId, 'someone-else'),
      await importStatus(campaignId, 'no-such-import'),
      await importStatus('no-such-campaign', importId),
    ];
    for (const response of cases) {
      expect(response.statusCode).toBe(404);
      expect(response.body.message).toMatch(/^(Campaign|Import) not found$/);
    }
  });

  it('refuses an import into a campaign that is no longer a draft', async () => {
    await harness.seedCampaign('import-running', OWNER, 1, 9000, 'running');
    const response = await openImport('import-running');
    expect(response.statusCode).toBe(409);
    expect(response.body.message).toMatch(/while the campaign is a draft only; it is running/);
  });
});

describe('Imports and starts', () => {
  it('refuses to start a campaign while its contacts are being imported', async () => {
    const campaignId = await draftCampaign('busy');
    const opened = await openImport(campaignId);
    await harness.db.query("UPDATE imports SET status = 'importing' WHERE id = $1", [opened.body.importId]);
    const started = await harness.http(
      'startCampaign',
      apiEvent({
        method: 'POST',
        resource: '/campaigns/{campaignId}/start',
        pathParameters: { campaignId },
        userId: OWNER,
        body: {},
      }),
    );
    expect(started.statusCode).toBe(409);
    expect(started.body.message).toMatch(
      /^Its contacts are being imported \(import [\w-]+\): start the campaign once the import is done, or cancel the import/,
    );
  });

  it('adds nothing to a campaign started before its file arrived, and says why', async () => {
    const campaignId = await draftCampaign('started first');
    const opened = await openImport(campaignId);
    await harness.db.query("UPDATE campaigns SET status = 'running' WHERE id = $1", [campaignId]);
    expect((await upload(opened.body.upload as unknown as Upload, `phone\n${national(1)}\n`)).status).toBe(
      204,
    );
    await harness.drainImports();
    const status = (await importStatus(campaignId, String(opened.body.importId))).body;
    expect(status).toMatchObject({
      status: 'failed',
      added: 0,
      error: 'The campaign was started: contacts are imported into draft campaigns only',
    });
    expect(await storedContacts(campaignId)).toHaveLength(0);
  });
});

describe('Import tracing and privacy', () => {
  it('traces the import with its ids and counts, and writes no number in its trace or logs', async () => {
    // Act
    const { campaignId, importId, drained } = await importFile(
      `phone,first_name\n${national(7001)},Ada\nnot-a-number,Bob\n`,
    );

    // Assert
    const docs = await harness.stack.xray.waitFor((all) =>
      all.some((doc) => doc.name === 'Import' && doc.annotations?.importId === importId),
    );
    const span = docs.find((doc) => doc.name === 'Import' && doc.annotations?.importId === importId);
    expect(span?.annotations).toMatchObject({ campaignId, importId });
    expect(span?.metadata?.default).toMatchObject({ rowsRead: 2, added: 1, refused: 1 });
    const trace = inTrace(docs, String(span?.trace_id));
    expect(byName(trace, 'importWorker')[0]?.annotations).toMatchObject({ campaignId, userId: OWNER });
    const text = JSON.stringify(trace) + drained.output.join('');
    expect(text).not.toMatch(/555.?7001|5557001|Ada|Bob/);
  });
});
