/**
 * The privacy audit of a suite's run: every X-Ray document the local receiver got, every log line the functions
 * wrote and every request URL the suite sent, scanned for any contact's number (in any common format: E.164,
 * national, digits only, with or without separators) and for contact attribute values. The numbers and values are
 * those the run stored: every contact, every do-not-call entry.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { expect, it } from '@jest/globals';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { SystemHarness } from '../helpers/systemHarness.ts';
import { addToReportSection } from './report.ts';

/** A run of digits, possibly with the separators numbers are written with. */
const NUMBER_LIKE = /\+?\d[\d\s().-]{7,}\d/g;
/** Attribute values shorter than this are too common to mean a leak ("ok", "Ada"). */
const MIN_VALUE_LENGTH = 5;

export interface PrivacyFigures {
  documentsScanned: number;
  logLinesScanned: number;
  urlsScanned: number;
  rawNumbersFound: number;
  attributeValuesFound: number;
}

async function knownNumbers(harness: SystemHarness): Promise<Set<string>> {
  const { rows } = await harness.db.query<{ phone_number: string }>(
    'SELECT DISTINCT phone_number FROM contacts',
  );
  const numbers = rows.map((row) => row.phone_number);
  let start: Record<string, unknown> | undefined;
  do {
    const page = await harness.dynamo.send(
      new ScanCommand({ TableName: harness.stack.env.BLACKLIST_TABLE, ExclusiveStartKey: start }),
    );
    for (const item of page.Items ?? [])
      if (typeof item.phoneNumber === 'string') numbers.push(item.phoneNumber);
    start = page.LastEvaluatedKey;
  } while (start);
  // Matched on their national significant numbers: a country code or trunk prefix before one changes nothing.
  return new Set(
    numbers.flatMap((n) => {
      const parsed = parsePhoneNumberFromString(n);
      return parsed ? [String(parsed.nationalNumber)] : [];
    }),
  );
}

/** Whether a run of digits is one of `numbers`, written with or without its country code or trunk prefix. */
function isKnown(digits: string, numbers: ReadonlySet<string>): boolean {
  for (let prefix = 0; prefix <= 3 && prefix < digits.length; prefix += 1)
    if (numbers.has(digits.slice(prefix))) return true;
  return false;
}

async function attributeValues(harness: SystemHarness): Promise<string[]> {
  const { rows } = await harness.db.query<{ value: string }>(
    `SELECT DISTINCT value FROM contacts, jsonb_each_text(attributes) WHERE length(value) >= $1`,
    [MIN_VALUE_LENGTH],
  );
  return rows.map((row) => row.value);
}

/** Scans what the suite's run wrote; records the figures under the suite's name; answers them with the hits. */
export async function auditPrivacy(
  harness: SystemHarness,
  suite: string,
): Promise<PrivacyFigures & { hits: string[] }> {
  const numbers = await knownNumbers(harness);
  const values = await attributeValues(harness);
  const documents = harness.stack.xray.documents().map((doc) => JSON.stringify(doc));
  const { lines, urls } = harness.written();
  const documentUrls = documents.flatMap((doc) => doc.match(/https?:\/\/[^"\s]+/g) ?? []);
  const hits: string[] = [];
  let rawNumbersFound = 0;
  let attributeValuesFound = 0;
  const scan = (where: string, text: string) => {
    let decoded = text;
    try {
      decoded = decodeURIComponent(text);
    } catch {
      // Not URL-encoded: scanned as it is.
    }
    for (const match of decoded.match(NUMBER_LIKE) ?? []) {
      const digits = match.replace(/\D/g, '');
      if (digits.length < 7 || digits.length > 15) continue;
      if (isKnown(digits, numbers)) {
        rawNumbersFound += 1;
        const at = decoded.indexOf(match);
        if (hits.length < 20)
          hits.push(`${where}: …${decoded.slice(Math.max(0, at - 60), at + match.length)}`);
      }
    }
    for (const value of values)
      if (decoded.includes(value)) {
        attributeValuesFound += 1;
        if (hits.length < 20) hits.push(`${where}: an attribute value`);
      }
  };
  // A segment's times are numbers, not phone numbers: left out of the scan.
  for (const doc of documents) scan('trace', doc.replace(/"(start_time|end_time)":[\d.]+/g, ''));
  for (const line of lines) scan('log', line);
  for (const url of [...urls, ...documentUrls]) scan('url', url);
  const figures = {
    documentsScanned: documents.length,
    logLinesScanned: lines.length,
    urlsScanned: urls.length + documentUrls.length,
    rawNumbersFound,
    attributeValuesFound,
  };
  await addToReportSection('pii', suite, figures);
  return { ...figures, hits };
}

/** The suite's last test: what its run wrote holds no contact's number or attribute value. */
export function itKeepsContactsPrivate(harness: SystemHarness, suite: string): void {
  it('writes no contact number or attribute value in a trace, a log line or a URL', async () => {
    const { hits, ...figures } = await auditPrivacy(harness, suite);
    expect(hits).toEqual([]);
    expect(figures.documentsScanned).toBeGreaterThan(0);
    expect(figures.logLinesScanned).toBeGreaterThan(0);
  }, 120_000);
}
