/**
 * Hostile CSV imports on the embedded stack, uploaded with the API's upload form to the local S3 as a client would:
 * a file with no phone column, a 1 MB line, invalid UTF-8, formula cells, a million copies of one row, and uploads
 * the form's signed policy refuses (too large, expired, aimed at another key; an empty file is taken and its import fails saying so). Every file ends with a status
 * that says what happened, no number or internal detail in it, the rejects file safe to open in a spreadsheet; a
 * refused upload stores nothing and starts no import. The figures go to the reliability report.
 */

import { afterAll, expect, it } from '@jest/globals';
import { importClient, type Upload, upload } from '../helpers/imports.ts';
import { startSystemHarness } from '../helpers/systemHarness.ts';
import { itKeepsContactsPrivate } from './privacy.ts';
import { writeReportSection } from './report.ts';

const MAX_BYTES = 32 * 1024 * 1024;
const harness = await startSystemHarness({ IMPORT_MAX_BYTES: String(MAX_BYTES) });
afterAll(() => harness.stop());

const OWNER = 'csv-hostile';
const { draftCampaign, openImport, importStatus, importFile, rejectsOf } = importClient(harness, OWNER);
const national = (n: number) => `(202) 555-${String(n).padStart(4, '0')}`;
const LEAK =
  /\bat [\w.<>]+ \(|\.(ts|js):\d+|node_modules|\/var\/task|relation "|syntax error|TypeError|ECONN/;

interface Outcome {
  what: string;
  status: string;
  added: number;
  refused: number;
  error?: string;
}
const outcomes: Outcome[] = [];
const refusedUploads: Array<{ what: string; status: number; code: string; imported: number }> = [];

async function contactsOf(campaignId: string): Promise<number> {
  const { rows } = await harness.db.query('SELECT count(*)::int AS n FROM contacts WHERE campaign_id = $1', [
    campaignId,
  ]);
  return rows[0].n;
}

async function hostileFile(what: string, content: string | Buffer) {
  const result = await importFile(content);
  const status = result.status as unknown as Outcome & { rowsRead: number };
  outcomes.push({
    what,
    status: status.status,
    added: status.added,
    refused: status.refused,
    error: status.error,
  });
  expect(result.drained.failures).toBe(0);
  expect(JSON.stringify(status)).not.toMatch(LEAK);
  expect(JSON.stringify(status)).not.toMatch(/555-?01|5550[0-9]{3}/);
  expect(await contactsOf(result.campaignId)).toBe(status.added);
  return result;
}

it('ends every hostile file with a clear status, no leak, and a rejects file safe for spreadsheets', async () => {
  // No phone column: the whole file fails at once.
  const noPhone = await hostileFile('no phone column', 'name,note\nAda,2025550101\n');
  expect(noPhone.status).toMatchObject({ status: 'failed', added: 0 });
  expect(noPhone.status.error).toMatch(/no phone column/);

  // A 1 MB line: refused as a row (its first 2,000 characters kept in the rejects file), the rows around it read.
  const long = await hostileFile(
    'a 1 MB line',
    `phone,note\n${national(1)},ok\n${national(2)},${'x'.repeat(1_048_600)}\n${national(3)},after\n`,
  );
  expect(long.status).toMatchObject({ status: 'done', added: 2, refused: 1 });
  expect(long.status.error).toBeUndefined();
  const longRejects = await rejectsOf(long.status);
  expect(longRejects[1]?.slice(0, 2)).toEqual([
    '3',
    'the line is not valid CSV: a row is longer than 1 MB (a quoted cell may not be closed)',
  ]);
  expect(longRejects[1]?.[2]).toHaveLength(2_000);

  // Bytes that are not UTF-8 from the start: the file is read in the legacy encoding they are text in (Windows-1252
  // here), so nothing is stored as replacement characters; the number with stray bytes is refused.
  const legacy = await hostileFile(
    'invalid UTF-8',
    Buffer.concat([
      Buffer.from(`phone,name\n${national(11)},`),
      Buffer.from([0xff, 0xfe, 0xc3, 0x28]),
      Buffer.from(`\n(202) 555-`),
      Buffer.from([0xc0, 0xaf]),
      Buffer.from(`0012,Bob\n${national(13)},Eve\n`),
    ]),
  );
  expect(legacy.status).toMatchObject({ status: 'done', added: 2, refused: 1, encoding: 'windows-1252' });
  const names = async (campaignId: string) => {
    const { rows } = await harness.db.query(
      "SELECT attributes->>'name' AS name FROM contacts WHERE campaign_id = $1 ORDER BY phone_number",
      [campaignId],
    );
    return rows.map((row) => row.name);
  };
  expect(await names(legacy.campaignId)).toEqual(['ÿþÃ(', 'Eve']);

  // A UTF-8 file with stray bytes after its first 64 KB (where the encoding is read): the row holding them is refused
  // with its reason, never stored with replacement characters.
  const padding = Array.from({ length: 1_200 }, (_, i) => `${national(1_000 + i)},Zoë ${'x'.repeat(40)}`);
  const late = await hostileFile(
    'invalid UTF-8 late in a UTF-8 file',
    Buffer.concat([
      Buffer.from(`phone,name\n${padding.join('\n')}\n${national(3_000)},`),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(`\n${national(3_001)},Eve\n`),
    ]),
  );
  expect(late.status).toMatchObject({ status: 'done', added: 1_201, refused: 1, encoding: 'utf-8' });
  expect((await rejectsOf(late.status))[1]?.slice(0, 2)).toEqual([
    '1202',
    "the row holds bytes that are not text in the file's encoding",
  ]);

  // Formula cells, in the phone column and in attributes: refused rows come back quoted, never as formulas.
  const formulas = await hostileFile(
    'formula cells',
    [
      'phone,note,extra',
      `"=cmd|' /C calc'!A0",x,y`,
      '+1+1,"=HYPERLINK(""http://evil.example"")",z',
      `@SUM(1),-2+3,"\t=1"`,
      `${national(21)},"=1+1","@x"`,
      `${national(21)},dup,"+cmd"`,
    ].join('\n'),
  );
  expect(formulas.status).toMatchObject({ status: 'done', added: 1, refused: 4 });
  const rejectCells = (await rejectsOf(formulas.status)).slice(1).flatMap((row) => row.slice(2));
  expect(rejectCells.filter((cell) => /^[=+\-@\t\r]/.test(cell))).toEqual([]);
  expect(rejectCells).toContain(`'=cmd|' /C calc'!A0`);

  // A million copies of one row: one contact, the rest refused as duplicates, in bounded memory.
  const copies = await hostileFile(
    'a million duplicate rows',
    `phone\n${`${national(31)}\n`.repeat(1_000_000)}`,
  );
  expect(copies.status).toMatchObject({ status: 'done', added: 1, refused: 999_999 });
}, 600_000);

it('refuses by the upload policy, before any import starts, an upload too large, expired or aimed elsewhere', async () => {
  const campaignId = await draftCampaign('policy');
  const opened = await openImport(campaignId);
  const form = opened.body.upload as unknown as Upload;
  const other = (await openImport(await draftCampaign('other'))).body.upload as unknown as Upload;
  const expired = JSON.parse(Buffer.from(form.fields.Policy ?? '', 'base64').toString('utf8'));
  const cases: Array<[string, Upload, string | Buffer, number, string]> = [
    ['over the size limit', form, Buffer.alloc(MAX_BYTES + 1, 'a'), 400, 'EntityTooLarge'],
    // Another import's key with this form's policy: the signature no longer matters, the key condition fails.
    [
      'another key',
      { ...form, fields: { ...form.fields, key: other.fields.key ?? '' } },
      'phone\n',
      403,
      'AccessDenied',
    ],
    [
      'expired policy',
      {
        ...form,
        fields: {
          ...form.fields,
          Policy: Buffer.from(JSON.stringify({ ...expired, expiration: '2020-01-01T00:00:00Z' })).toString(
            'base64',
          ),
        },
      },
      'phone\n',
      403,
      'AccessDenied',
    ],
  ];
  for (const [what, uploadForm, content] of cases) {
    const answer = await upload(uploadForm, content);
    const text = await answer.text();
    const drained = await harness.drainImports();
    refusedUploads.push({
      what,
      status: answer.status,
      code: /<Code>([^<]+)/.exec(text)?.[1] ?? '',
      imported: drained.invocations,
    });
  }
  expect(refusedUploads).toEqual(
    cases.map(([what, , , status, code]) => ({ what, status, code, imported: 0 })),
  );
  expect((await importStatus(campaignId, String(opened.body.importId))).body).toMatchObject({
    status: 'waiting',
  });

  // The form still works for a file within its policy.
  expect((await upload(form, `phone\n${national(41)}\n`)).status).toBe(204);
  await harness.drainImports();
  expect((await importStatus(campaignId, String(opened.body.importId))).body).toMatchObject({
    status: 'done',
    added: 1,
  });

  await writeReportSection('hostileImports', {
    files: outcomes.length,
    uploadsRefusedByPolicy: refusedUploads.filter((r) => r.status >= 400 && r.imported === 0).length,
    uploadsTried: refusedUploads.length,
    answered5xx: refusedUploads.filter((r) => r.status >= 500).length,
    outcomes,
  });
}, 120_000);

itKeepsContactsPrivate(harness, 'hostileImports');
