/**
 * An import's rejects file: its refused rows as they were, each with its row number and reason in front, written to
 * the import bucket as they are read back (a page at a time, streamed: never whole in memory). Cells a spreadsheet
 * would run as a formula are escaped (csv-stringify's `escape_formulas`, which the import reads back).
 */
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { type ImportFiles, rejectsKey } from '../adapters/importFiles.ts';
import type { ImportRecord } from '../domain/importRecord.ts';
import { REJECTS_COLUMNS } from '../domain/importRows.ts';
import type { ImportRepository } from '../repositories/importRepository.ts';

/** Refused rows read back at a time. */
const PAGE = 5_000;

/** Writes the rejects file of `record`, whose header was `columns`; answers its key. */
export async function writeRejects(
  deps: { imports: Pick<ImportRepository, 'refusals'>; files: Pick<ImportFiles, 'write'> },
  record: ImportRecord,
  columns: readonly string[],
): Promise<string> {
  // The rejects columns of a file that was itself a rejects file are written once, with this import's values.
  const skipped = new Set<string>(REJECTS_COLUMNS);
  const kept = columns.flatMap((name, index) => (skipped.has(name.trim().toLowerCase()) ? [] : [index]));
  async function* rows() {
    yield [...REJECTS_COLUMNS, ...kept.map((index) => columns[index] ?? '')];
    let after = 0;
    for (;;) {
      const page = await deps.imports.refusals(record.id, after, PAGE);
      for (const refusal of page) {
        // A line that could not be read as cells is written in the first column, as it was (the others empty).
        const cells =
          refusal.line === undefined
            ? kept.map((index) => refusal.cells[index] ?? '')
            : kept.map((_, position) => (position === 0 ? (refusal.line ?? '') : ''));
        yield [String(refusal.rowNumber), refusal.reason, ...cells];
      }
      const last = page.at(-1);
      if (last === undefined || page.length < PAGE) return;
      after = last.rowNumber;
    }
  }
  const key = rejectsKey(record.campaignId, record.id);
  await deps.files.write(
    key,
    Readable.from(rows()).pipe(stringify({ record_delimiter: 'windows', escape_formulas: true })),
    'text/csv',
  );
  return key;
}
