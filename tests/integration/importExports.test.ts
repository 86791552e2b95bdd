/**
 * CSV files as real tools export them, imported on the embedded stack end to end (upload form, S3 stand-in, imports
 * queue, importWorker, status and rejects file through the API): Excel on Windows (Windows-1252), Excel's "Unicode
 * text" (UTF-16LE, tabs), a CRM export with several phone columns, a file with broken lines, a rejects file of a
 * rejects file, an empty file. Then an import cancelled, and one resumed by the sweeper after a crash.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { apiEvent } from '../helpers/apiGateway.ts';
import { importClient, type Upload, upload } from '../helpers/imports.ts';
import { startSystemHarness } from '../helpers/systemHarness.ts';

const harness = await startSystemHarness({ IMPORT_BATCH_ROWS: '50' });
afterAll(() => harness.stop());

const OWNER = 'exporter-1';
const { draftCampaign, openImport, importStatus, importFile, rejectsOf } = importClient(harness, OWNER);
const national = (n: number) => `(202) 555-${String(n).padStart(4, '0')}`;

async function storedContacts(campaignId: string) {
  const { rows } = await harness.db.query(
    'SELECT phone_number, attributes FROM contacts WHERE campaign_id = $1 ORDER BY phone_number',
    [campaignId],
  );
  return rows as Array<{ phone_number: string; attributes: Record<string, string> }>;
}

describe('exports of real tools', () => {
  it('reads a Windows-1252 file from Excel as it was written, and says which encoding it read', async () => {
    // Prepare: accents, a euro sign and typographic quotes (bytes 0x80-0x9F, which Latin-1 does not have)
    const text = `Phone;Name;Note\r\n${national(1)};José Müller;€ 20 “due”\r\n${national(2)};Zoë;ça va\r\n`;
    const bytes = Buffer.from(
      [...text].map((char) => ({ '€': 0x80, '“': 0x93, '”': 0x94 })[char] ?? char.charCodeAt(0)),
    );
    expect(bytes.toString('utf8')).toContain('\uFFFD');

    // Act
    const { campaignId, status } = await importFile(bytes);

    // Assert
    expect(status).toMatchObject({ status: 'done', added: 2, refused: 0, encoding: 'windows-1252' });
    expect((await storedContacts(campaignId)).map((contact) => contact.attributes)).toEqual([
      { Name: 'José Müller', Note: '€ 20 “due”' },
      { Name: 'Zoë', Note: 'ça va' },
    ]);
  });

  it('reads Excel’s "Unicode text": UTF-16LE with its mark, tab-separated, continued across invocations', async () => {
    const rows = Array.from({ length: 120 }, (_, i) => `${national(100 + i)}\tRenée ${i}`);
    const bytes = Buffer.from(`\uFEFFPhone Number\tName\r\n${rows.join('\r\n')}\r\n`, 'utf16le');

    // Act: a batch per invocation, so the rest is read from a checkpoint in the middle of the file
    const { campaignId, status, drained } = await importFile(bytes, 1_000);

    // Assert
    expect(drained.invocations).toBeGreaterThan(1);
    expect(status).toMatchObject({ status: 'done', rowsRead: 120, added: 120, encoding: 'utf-16le' });
    const contacts = await storedContacts(campaignId);
    expect(contacts.at(-1)?.attributes).toEqual({ Name: 'Renée 119' });
  });

  it('reads a Google Sheets export: UTF-8 without a mark, CRLF rows, a note over two lines, emoji', async () => {
    const csv = [
      'Name,Phone Number,Notes',
      `Ada,${national(51)},"Prefers mornings\nCall the mobile"`,
      `Grace 🚀,${national(52)},`,
    ].join('\r\n');

    const { campaignId, status } = await importFile(`${csv}\r\n`);

    expect(status).toMatchObject({ status: 'done', rowsRead: 2, added: 2, refused: 0, encoding: 'utf-8' });
    expect((await storedContacts(campaignId)).map((contact) => contact.attributes)).toEqual([
      { Name: 'Ada', Notes: 'Prefers mornings\nCall the mobile' },
      { Name: 'Grace 🚀' },
    ]);
  });

  it('takes the phone column the import names, and refuses extensions, premium-rate numbers and shifted rows with reasons', async () => {
    // Prepare: a CRM export, where "Phone" is the office switchboard and the contact's own number is "Mobile Phone"
    const csv = [
      'Contact ID,Full Name,Phone,Mobile Phone,Company',
      `c-1,Ada Lovelace,+1 212 555 0100,${national(11)},Analytical`,
      'c-2,Grace Hopper,+1 212 555 0100,+1 212 555 0130 ext. 12,Navy',
      'c-3,Premium Line,+1 212 555 0100,+1 900 555 0199,Hotline',
      `c-4,Too Short,+1 212 555 0100,${national(14)}`,
      `c-5,Linus,+1 212 555 0100,${national(15)},Kernel`,
    ].join('\r\n');

    // Act
    const { campaignId, status } = await importFile(csv, undefined, { phoneColumn: 'mobile phone' });

    // Assert
    expect(status).toMatchObject({
      status: 'done',
      rowsRead: 5,
      added: 2,
      refused: 3,
      phoneColumn: 'mobile phone',
    });
    expect((await storedContacts(campaignId)).map((contact) => contact.phone_number)).toEqual([
      '+12025550011',
      '+12025550015',
    ]);
    const rejects = await rejectsOf(status);
    expect(rejects.map((row) => row.slice(0, 2))).toEqual([
      ['rejected_row', 'rejected_reason'],
      ['3', 'phoneNumber has an extension, which a call cannot dial: give the direct number'],
      ['4', 'phoneNumber is a premium-rate number (charged to the caller)'],
      ['5', 'the row has 4 cells; the header names 5 columns'],
    ]);
  });

  it('fails an import whose named phone column is not in the file, listing the columns it has', async () => {
    const { status } = await importFile(`Name,Phone\nAda,${national(20)}\n`, undefined, {
      phoneColumn: 'Cell',
    });
    expect(status).toMatchObject({ status: 'failed', added: 0 });
    expect(status.error).toBe('The file has no column "Cell"; its columns are "Name", "Phone"');
  });

  it('refuses broken lines as rows, keeping them as they were, and reads every row after them', async () => {
    // A formula with quotes in an unquoted cell (text, as spreadsheets read it), a quote left open, rows after both
    const csv = [
      'phone,link,name',
      `${national(31)},=HYPERLINK("x"),Eve`,
      `${national(32)},"open,Mallory`,
      `${national(33)},plain,Bob`,
    ].join('\n');

    // Act
    const { campaignId, status } = await importFile(`${csv}\n`);

    // Assert
    expect(status).toMatchObject({ status: 'done', rowsRead: 3, added: 2, refused: 1 });
    expect((await storedContacts(campaignId)).map((contact) => contact.attributes)).toEqual([
      { link: '=HYPERLINK("x")', name: 'Eve' },
      { link: 'plain', name: 'Bob' },
    ]);
    expect((await rejectsOf(status))[1]).toEqual([
      '3',
      'the line is not valid CSV: a quoted cell is not closed',
      `${national(32)},"open,Mallory`,
      '',
      '',
    ]);
  });

  it('imports a rejects file, and the rejects file of that one, as they are', async () => {
    // Prepare: a first import whose refused rows make a rejects file
    const first = await importFile(`phone,name\n${national(41)},Ada\nnot a number,Bob\n`);
    const rejectsText = async (status: Record<string, unknown>) =>
      (await fetch((status.rejects as { url: string }).url)).text();
    const once = await rejectsText(first.status);

    // Act: its rejects file imported as it is (still refused), then that import's own rejects file
    const second = await importFile(once);
    const twice = await rejectsText(second.status);
    const third = await importFile(twice.replace('not a number', national(42)));

    // Assert: one set of rejects columns each time, and the fixed row imported at last
    expect(second.status).toMatchObject({ status: 'done', rowsRead: 1, refused: 1 });
    expect((await rejectsOf(second.status))[0]).toEqual(['rejected_row', 'rejected_reason', 'phone', 'name']);
    expect(third.status).toMatchObject({ status: 'done', rowsRead: 1, added: 1, refused: 0 });
    expect(await storedContacts(third.campaignId)).toEqual([
      { phone_number: '+12025550042', attributes: { name: 'Bob' } },
    ]);
  });

  it('ends the import of an empty file with a clear error, not a waiting import', async () => {
    const { status } = await importFile('');
    expect(status).toMatchObject({ status: 'failed', rowsRead: 0, added: 0 });
    expect(status.error).toBe('The file is empty: its first row must be a header naming a phone column');
  });
});

describe('imports stopped half way', () => {
  const rows = Array.from({ length: 120 }, (_, i) => national(500 + i)).join('\n');

  /** A draft with an import that committed one batch of 50 rows and is still importing. */
  async function halfImported(name: string) {
    const campaignId = await draftCampaign(name);
    const opened = await openImport(campaignId);
    const importId = String(opened.body.importId);
    expect((await upload(opened.body.upload as unknown as Upload, `phone\n${rows}\n`)).status).toBe(204);
    expect((await harness.drainImports(1_000, 1)).invocations).toBe(1);
    expect((await importStatus(campaignId, importId)).body).toMatchObject({ status: 'importing', added: 50 });
    return { campaignId, importId };
  }
  const control = (campaignId: string, body?: Record<string, unknown>) =>
    harness.http(
      'startCampaign',
      apiEvent({
        method: 'POST',
        resource: '/campaigns/{campaignId}/start',
        pathParameters: { campaignId },
        userId: OWNER,
        body: body ?? {},
      }),
    );
  const cancel = (campaignId: string, importId: string) =>
    harness.http(
      'cancelImport',
      apiEvent({
        method: 'DELETE',
        resource: '/campaigns/{campaignId}/imports/{importId}',
        pathParameters: { campaignId, importId },
        userId: OWNER,
      }),
    );

  it('is cancelled on request, keeping the rows it added, and the campaign starts at once', async () => {
    const { campaignId, importId } = await halfImported('cancel');

    // A start, and its dry run, are refused alike while it runs, naming the import
    const refused = await control(campaignId);
    const dryRun = await control(campaignId, { dryRun: true });
    expect([refused.statusCode, dryRun.statusCode]).toEqual([409, 409]);
    expect(dryRun.body).toEqual(refused.body);
    expect(refused.body.message).toContain(`import ${importId}`);

    // Act
    const cancelled = await cancel(campaignId, importId);
    const drained = await harness.drainImports();

    // Assert: the handed-on invocation finds it cancelled and adds nothing more
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', added: 50 });
    expect(drained.failures).toBe(0);
    expect((await importStatus(campaignId, importId)).body).toMatchObject({ status: 'cancelled', added: 50 });
    expect(await storedContacts(campaignId)).toHaveLength(50);
    expect((await control(campaignId, { dryRun: true })).body).toMatchObject({ dryRun: true, contacts: 50 });
    expect((await control(campaignId)).statusCode).toBe(202);
    // An ended import cannot be cancelled again
    expect((await cancel(campaignId, importId)).statusCode).toBe(409);
  });

  it('is resumed by the sweeper once the lease of a crashed invocation ends, every row counted once', async () => {
    const { campaignId, importId } = await halfImported('crash-sweep');
    // As if the invocation had crashed holding it: its hand-on lost, its lease run out
    expect(await harness.discardImportMessages()).toBe(1);
    await harness.db.query(
      "UPDATE imports SET lease_owner = 'crashed', lease_until = now() - interval '1 second' WHERE id = $1",
      [importId],
    );

    // Act
    const sweep = await harness.sweepImports();
    const again = await harness.sweepImports();
    const drained = await harness.drainImports();

    // Assert: handed on once, resumed from its checkpoint
    expect(sweep.summary).toEqual({ handedOn: 1 });
    expect(again.summary).toEqual({ handedOn: 0 });
    expect(drained).toMatchObject({ invocations: 1, failures: 0 });
    expect((await importStatus(campaignId, importId)).body).toMatchObject({
      status: 'done',
      rowsRead: 120,
      added: 120,
    });
    expect(await storedContacts(campaignId)).toHaveLength(120);
  });
});
