/**
 * The import of one uploaded CSV file: streamed from S3 through csv-parse (one batch of rows in memory at a time),
 * each row read as a contact (src/domain/importRows.ts, contactInput.ts), each batch committed with its
 * checkpoint (the byte where the next row starts). An invocation running out of time stops after a commit and hands
 * the import on through the imports queue; the next one reads the file from the checkpoint on. At the end the
 * refused rows become the rejects file. No cell value reaches a log line or a trace: rows are named by number.
 *
 * The file's encoding is detected from its first bytes (src/lib/textEncoding.ts) and kept with the import. A line
 * the CSV reader cannot read (a quoted cell never closed) is a refused row like any other: the reading starts again
 * after it, and the rejects file holds it as it was. A quote inside an unquoted cell (`=HYPERLINK("x")`) is text, as
 * spreadsheets read it.
 */
import { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { stringify } from 'csv-stringify';
import { FileChangedError, type ImportFiles } from '../adapters/importFiles.ts';
import { type ContactRow, firstOfEach, readContact } from '../domain/contactInput.ts';
import {
  type ColumnPlan,
  csvReading,
  detectDelimiter,
  planColumns,
  REJECTS_COLUMNS,
  rowToContact,
} from '../domain/importRows.ts';
import type { ImportJob } from '../generated/importJob.ts';
import { describeCause } from '../lib/errors.ts';
import type { Invocation, Outcomes, QueueTask, TaskOutcome } from '../lib/queueTasks.ts';
import { escapeCell } from '../lib/spreadsheetCells.ts';
import { detectEncoding, type TextEncoding, textEncoding } from '../lib/textEncoding.ts';
import { currentSpan, type Span, traced } from '../lib/tracing.ts';
import type { CampaignSettingsRepository } from '../repositories/campaignSettingsRepository.ts';
import { ANALYSE_AFTER_ROWS } from '../repositories/contactRepository.ts';
import type { ImportRecord, ImportRepository, Lease, Refusal } from '../repositories/importRepository.ts';
import { ALREADY_THERE, REPEATED } from './contactService.ts';
import { rejectsKey } from './importService.ts';

export interface ImportRunDeps {
  definitions: Pick<CampaignSettingsRepository, 'find'>;
  imports: ImportRepository;
  files: ImportFiles;
  /** Sends the import on to a new invocation. */
  continueLater(job: { importId: string; campaignId: string }): Promise<void>;
  newId: () => string;
  settings: { batchRows: number; stopMarginMs: number; leaseSeconds: number };
}

/** The first bytes read to find the file's encoding and its header's separator. */
const HEADER_PROBE_BYTES = 65_536;
/** The characters of an unreadable line kept in the rejects file. */
const MAX_KEPT_LINE = 2_000;
/** Refused rows read back at a time to write the rejects file. */
const REJECTS_PAGE = 5_000;

/** Why csv-parse could not read a line, without the cell it stopped in. */
const CSV_PROBLEMS: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted cell is not closed',
  CSV_INVALID_CLOSING_QUOTE: 'a quote inside a quoted cell is not doubled',
  CSV_INVALID_OPENING_QUOTE: 'a quote opens in the middle of a cell',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'text follows a closing quote',
  CSV_MAX_RECORD_SIZE: 'a row is longer than 1 MB (a quoted cell may not be closed)',
};
const csvProblem = (error: CsvError) =>
  `the line is not valid CSV: ${CSV_PROBLEMS[error.code] ?? `csv-parse's ${error.code}`}`;

const TOKEN: string[] = [];

const NOT_A_DRAFT = 'The campaign was started: contacts are imported into draft campaigns only';
const REPLACED = 'The file was replaced while it was being imported: open a new import for the new file';

/** A file problem that ends the import (the rows before it stay imported). */
class FileProblem extends Error {}

interface Pending {
  contacts: Array<{ rowNumber: number; row: ContactRow }>;
  refusals: Refusal[];
  /** The cells of the accepted rows, in case the database refuses one as already there. */
  cells: Map<number, string[]>;
}

interface Header {
  columns: string[];
  delimiter: string;
  encoding: string;
}

/** Rows to commit at once, and the checkpoint after them. */
interface Batch extends Pending {
  nextByte: number;
  rowsRead: number;
  header?: Header;
}

/**
 * The first line of `source` (blank lines before it skipped): its first `keep` bytes, and its length in bytes with
 * its line end. Reads on to the line's end, however long, holding only what it keeps.
 */
async function firstLine(
  source: AsyncIterable<Buffer>,
  encoding: TextEncoding,
  keep: number,
): Promise<{ line: Buffer; bytes: number }> {
  const unit = encoding.parserEncoding === 'utf16le' ? 2 : 1;
  const kept: Buffer[] = [];
  let keptBytes = 0;
  const take = (part: Buffer) => {
    if (keptBytes >= keep) return;
    const piece = Buffer.from(part.subarray(0, keep - keptBytes));
    kept.push(piece);
    keptBytes += piece.length;
  };
  let position = 0;
  let started = false;
  // A UTF-16 code unit may be cut between two chunks: its first byte waits for the next chunk.
  let carry = Buffer.alloc(0);
  for await (const chunk of source) {
    const buffer = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    const whole = buffer.length - (buffer.length % unit);
    let lineStart = 0;
    for (let at = 0; at < whole; at += unit) {
      const second = unit === 1 || buffer[at + 1] === 0;
      const lineFeed = buffer[at] === 0x0a && second;
      if (!started) {
        if (lineFeed || (buffer[at] === 0x0d && second)) continue;
        started = true;
        lineStart = at;
      }
      if (lineFeed) {
        take(buffer.subarray(lineStart, at));
        return { line: Buffer.concat(kept), bytes: position + at + unit };
      }
    }
    if (started) take(buffer.subarray(lineStart, whole));
    position += whole;
    carry = Buffer.from(buffer.subarray(whole));
  }
  return { line: Buffer.concat(kept), bytes: position + carry.length };
}

export function createImportRun(deps: ImportRunDeps) {
  const { imports, files, settings } = deps;

  /** The key S3 names in its event (URL-encoded, spaces as "+"). */
  const decodeKey = (key: string) => decodeURIComponent(key.replace(/\+/g, ' '));

  /** The bytes from `from` to `to` (inclusive), or undefined when the file was replaced meanwhile. */
  async function readBytes(record: ImportRecord, etag: string, from: number, to: number) {
    const body = await files.read(record.objectKey, { etag, from, to }).catch((error: unknown) => {
      if (error instanceof FileChangedError) return undefined;
      throw error;
    });
    if (body === undefined) return undefined;
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  /** The file's encoding and its first line (the header), from its first bytes. */
  async function probeFile(record: ImportRecord, etag: string) {
    const size = record.sizeBytes ?? 0;
    if (size === 0) return { line: '', encoding: textEncoding('utf-8') as TextEncoding };
    const probe = await readBytes(record, etag, 0, Math.min(HEADER_PROBE_BYTES, size) - 1);
    if (probe === undefined) return undefined;
    const encoding = detectEncoding(probe, size > probe.length);
    if ('error' in encoding) return encoding;
    const text = new TextDecoder(encoding.name).decode(probe);
    return { line: (text.split(/\r?\n/)[0] ?? '').replace(/^\uFEFF/, ''), encoding };
  }

  async function writeRejects(record: ImportRecord, columns: readonly string[]): Promise<string> {
    const key = rejectsKey(record.campaignId, record.id);
    // The rejects columns of a file that was itself a rejects file are written once, with this import's values.
    const skipped = new Set<string>(REJECTS_COLUMNS);
    const kept = columns.flatMap((name, index) => (skipped.has(name.trim().toLowerCase()) ? [] : [index]));
    async function* rows() {
      yield [...REJECTS_COLUMNS, ...kept.map((index) => columns[index] ?? '')].map(escapeCell);
      let after = 0;
      for (;;) {
        const page = await imports.refusals(record.id, after, REJECTS_PAGE);
        for (const refusal of page) {
          // A line that could not be read as cells is written in the first column, as it was (the others empty).
          const cells =
            refusal.line === undefined
              ? kept.map((index) => refusal.cells[index] ?? '')
              : kept.map((_, position) => (position === 0 ? (refusal.line ?? '') : ''));
          yield [String(refusal.rowNumber), refusal.reason, ...cells].map(escapeCell);
        }
        const last = page.at(-1);
        if (last === undefined || page.length < REJECTS_PAGE) return;
        after = last.rowNumber;
      }
    }
    await files.write(
      key,
      Readable.from(rows()).pipe(stringify({ record_delimiter: 'windows' })),
      'text/csv',
    );
    return key;
  }

  /** Imports from the checkpoint on; answers how the invocation ended. */
  async function importFrom(
    record: ImportRecord,
    lease: Lease,
    invocation: Invocation,
    span: Span,
    root: Span,
  ): Promise<TaskOutcome> {
    const definition = await deps.definitions.find(record.campaignId);
    const etag = record.etag ?? '';
    const finishWith = async (end: { error?: string }, columns: readonly string[]) => {
      const latest = (await imports.find(record.campaignId, record.id)) ?? record;
      const rejects = latest.refused > 0 ? await writeRejects(latest, columns) : undefined;
      const finished = await imports.finish(
        lease,
        end.error === undefined
          ? { status: 'done', rejectsKey: rejects }
          : { status: 'failed', error: end.error, rejectsKey: rejects },
      );
      for (const [key, value] of Object.entries({
        rowsRead: latest.rowsRead,
        added: latest.added,
        refused: latest.refused,
      }))
        span.addMetadata(key, value);
      if (!finished) return { kind: 'done', result: 'lease_lost' } as const;
      if (latest.added >= ANALYSE_AFTER_ROWS) {
        // Best effort: a role that may not analyse the table leaves it to autovacuum; the import is done either way.
        await imports
          .analyseContacts()
          .catch((error: unknown) => span.addMetadata('analyse', describeCause(error)));
      }
      return {
        kind: 'done',
        result: end.error === undefined ? 'imported' : 'import_failed',
        counts: { rows_read: latest.rowsRead, added: latest.added, refused: latest.refused },
      } as const;
    };
    if (definition === undefined || definition.status !== 'draft') {
      return finishWith({ error: NOT_A_DRAFT }, record.columns ?? []);
    }
    root.annotate('userId', definition.userId);

    let columns = record.columns;
    let delimiter = record.delimiter;
    // An import begun before encodings were detected read its file as UTF-8.
    const stored = record.encoding ?? (record.columns === undefined ? undefined : 'utf-8');
    let encoding = stored === undefined ? undefined : textEncoding(stored);
    const choice = record.phoneColumn === undefined ? {} : { phoneColumn: record.phoneColumn };
    let plan: ColumnPlan | undefined;
    if (columns !== undefined) {
      const planned = planColumns(columns, choice);
      if ('error' in planned || encoding === undefined) throw new Error('A stored header no longer plans');
      plan = planned;
    } else {
      const probed = await probeFile(record, etag);
      if (probed === undefined) return finishWith({ error: REPLACED }, []);
      if ('error' in probed) return finishWith({ error: probed.error }, []);
      delimiter = detectDelimiter(probed.line);
      encoding = probed.encoding;
    }
    const text = encoding;
    const size = record.sizeBytes ?? 0;
    let rowsRead = record.rowsRead;
    let nextByte = record.nextByte;
    let header: Header | undefined;
    // The rows read since the last cut, and the batches cut from them (each with the checkpoint after its last
    // row), waiting for their commit: the parser runs ahead while a batch is written.
    let pending: Pending = { contacts: [], refusals: [], cells: new Map() };
    const ready: Batch[] = [];
    const cut = () => {
      if (pending.contacts.length + pending.refusals.length === 0 && header === undefined) return;
      ready.push({ ...pending, nextByte, rowsRead, header });
      pending = { contacts: [], refusals: [], cells: new Map() };
      header = undefined;
    };

    const commit = (batch: Batch) => {
      const cellsOf = (rowNumber: number) => batch.cells.get(rowNumber) ?? [];
      const { first, repeated } = firstOfEach(batch.contacts);
      return imports.commit(lease, {
        contacts: first.map((item) => item.row),
        refusals: (added) => [
          ...batch.refusals,
          ...first
            .filter(({ row }) => !added.has(row.id))
            .map(({ rowNumber }) => ({ rowNumber, reason: ALREADY_THERE, cells: cellsOf(rowNumber) })),
          ...repeated.map(({ rowNumber }) => ({ rowNumber, reason: REPEATED, cells: cellsOf(rowNumber) })),
        ],
        nextByte: batch.nextByte,
        rowsRead: batch.rowsRead,
        ...(batch.header ? { header: batch.header } : {}),
      });
    };

    /** Commits a batch; how the import ends when it cannot go on (lease lost, campaign started). */
    const commitOrEnd = async (batch: Batch): Promise<TaskOutcome | undefined> => {
      const committed = await commit(batch);
      if (committed === 'lease lost') return { kind: 'done', result: 'lease_lost' };
      if (committed === 'not a draft') return finishWith({ error: NOT_A_DRAFT }, columns ?? []);
      return undefined;
    };

    /** Where the stream being read starts in the file: csv-parse counts bytes from there. */
    let base = nextByte;
    /**
     * Reads each record as the parser makes it (csv-parse's on_record), so a file that breaks later loses none of
     * the rows before: the stream's own buffer would be dropped with the error.
     */
    const onRecord = (read: string[], info: { bytes: number }): string[] => {
      const cellsRead = text.decodeCell ? read.map(text.decodeCell) : read;
      if (plan === undefined) {
        const planned = planColumns(cellsRead, choice);
        if ('error' in planned) throw new FileProblem(planned.error);
        plan = planned;
        columns = cellsRead.map((cell) => cell.trim());
        header = { columns, delimiter: delimiter ?? ',', encoding: text.name };
      } else {
        rowsRead += 1;
        // Row 1 is the header: a row's number is its row in a spreadsheet (blank lines aside).
        const rowNumber = rowsRead + 1;
        const input = rowToContact(cellsRead, plan);
        const contact = 'reason' in input ? input : readContact(input, definition.settings, deps.newId);
        if ('reason' in contact)
          pending.refusals.push({ rowNumber, reason: contact.reason, cells: cellsRead });
        else {
          pending.contacts.push({ rowNumber, row: contact.row });
          pending.cells.set(rowNumber, cellsRead);
        }
      }
      nextByte = base + info.bytes;
      if (pending.contacts.length + pending.refusals.length >= settings.batchRows) cut();
      // Only a token goes down the stream: it paces the parser (backpressure) while batches are committed.
      return TOKEN;
    };

    /** Commits what is ready; how the invocation ends, if it must (`stop`: out of time). */
    const commitReady = async (): Promise<TaskOutcome | 'stop' | undefined> => {
      for (let batch = ready.shift(); batch !== undefined; batch = ready.shift()) {
        const ended = await commitOrEnd(batch);
        if (ended) return ended;
        // What was read past this commit is read again by the next invocation, from its checkpoint.
        if (invocation.remainingMs() < settings.stopMarginMs) return 'stop';
      }
      return undefined;
    };

    /** Reads the file from `nextByte` on: to its end, to a line it cannot read, or until the invocation must stop. */
    const readOn = async (): Promise<TaskOutcome | 'stop' | 'end' | 'replaced' | CsvError> => {
      const source = await files.read(record.objectKey, { etag, from: nextByte }).catch((error: unknown) => {
        if (error instanceof FileChangedError) return undefined;
        throw error;
      });
      if (source === undefined) return 'replaced';
      base = nextByte;
      const parser = source.pipe(
        parse({
          ...csvReading({
            delimiter: delimiter ?? ',',
            encoding: text.parserEncoding,
            fromStart: base === 0,
          }),
          on_record: onRecord,
        }),
      );
      try {
        for await (const _ of parser) {
          const ended = await commitReady();
          if (ended) return ended;
        }
        return 'end';
      } catch (error) {
        if (error instanceof CsvError) return error;
        throw error;
      } finally {
        source.destroy();
      }
    };

    /** Refuses the line at `nextByte`, which the parser could not read, and moves past it. */
    const skipLine = async (error: CsvError): Promise<boolean> => {
      const source = await files.read(record.objectKey, { etag, from: nextByte }).catch((cause: unknown) => {
        if (cause instanceof FileChangedError) return undefined;
        throw cause;
      });
      if (source === undefined) return false;
      let found: { line: Buffer; bytes: number };
      try {
        found = await firstLine(source, text, MAX_KEPT_LINE * 4);
      } finally {
        source.destroy();
      }
      rowsRead += 1;
      const decoded = text.decodeCell
        ? text.decodeCell(found.line.toString('latin1'))
        : found.line.toString(text.parserEncoding);
      pending.refusals.push({
        rowNumber: rowsRead + 1,
        reason: csvProblem(error),
        cells: [],
        line: decoded.replace(/\r$/, '').slice(0, MAX_KEPT_LINE),
      });
      nextByte += found.bytes;
      cut();
      return true;
    };

    /** Gives the import to the next invocation, from the last checkpoint. */
    const handOn = async (): Promise<TaskOutcome> => {
      await imports.release(lease);
      await deps.continueLater({ importId: record.id, campaignId: record.campaignId });
      span.addMetadata('rowsRead', rowsRead);
      return { kind: 'done', result: 'continued' };
    };

    let problem: string | undefined;
    try {
      while (nextByte < size) {
        const read = await readOn();
        if (read === 'end') break;
        if (read === 'replaced') {
          problem = REPLACED;
          break;
        }
        if (read === 'stop') return handOn();
        if (!(read instanceof CsvError)) return read;
        // The rows before the line are kept with their checkpoint; the line is refused and the reading goes on.
        cut();
        const ended = await commitReady();
        if (ended === 'stop') return handOn();
        if (ended) return ended;
        if (plan === undefined) {
          problem = `The header row is not valid CSV: ${CSV_PROBLEMS[read.code] ?? read.code}`;
          break;
        }
        if (!(await skipLine(read))) {
          problem = REPLACED;
          break;
        }
      }
    } catch (error) {
      if (!(error instanceof FileProblem)) throw error;
      problem = error.message;
    }
    // At the end of the file, or where it broke: every row read before is kept, with its checkpoint.
    cut();
    for (const batch of ready.splice(0)) {
      const ended = await commitOrEnd(batch);
      if (ended) return ended;
    }
    if (plan === undefined && problem === undefined) {
      problem = 'The file is empty: its first row must be a header naming a phone column';
    }
    return finishWith(problem === undefined ? {} : { error: problem }, columns ?? []);
  }

  /** Takes the import named by a key or an id, and imports what this invocation can. */
  async function run(
    find: () => Promise<ImportRecord | undefined>,
    invocation: Invocation,
    unknown: string,
  ): Promise<TaskOutcome> {
    const record = await find();
    if (record === undefined) return { kind: 'reject', reason: unknown };
    const root = currentSpan();
    root.annotate('campaignId', record.campaignId);
    return traced('Import', async (span) => {
      span.annotate('campaignId', record.campaignId);
      span.annotate('importId', record.id);
      if (record.status === 'done' || record.status === 'failed')
        return { kind: 'done', result: 'already_imported' };
      const file = await files.stat(record.objectKey);
      if (file === undefined) {
        if (record.status === 'waiting') return { kind: 'reject', reason: 'the import has no uploaded file' };
        throw new Error('The uploaded file is gone');
      }
      const lease: Lease = { importId: record.id, owner: deps.newId(), seconds: settings.leaseSeconds };
      const claimed = await imports.claim(lease, file);
      if (claimed === undefined) return { kind: 'done', result: 'import_in_progress' };
      try {
        return await importFrom(claimed, lease, invocation, span, root);
      } catch (error) {
        // Free for the redelivery; the checkpoint keeps what was committed.
        await imports.release(lease).catch(() => {});
        throw error;
      }
    });
  }

  async function one(job: ImportJob, invocation: Invocation): Promise<TaskOutcome> {
    if ('Event' in job) return { kind: 'done', result: 'test_notification' };
    if ('importId' in job) {
      return run(
        () => imports.find(job.campaignId, job.importId),
        invocation,
        'no such import in this campaign',
      );
    }
    let outcome: TaskOutcome = { kind: 'done', result: 'no_upload' };
    for (const item of job.Records) {
      if (!item.eventName.startsWith('ObjectCreated:')) continue;
      const key = decodeKey(item.s3.object.key);
      outcome = await run(() => imports.findByKey(key), invocation, 'no import has this upload key');
      if (outcome.kind !== 'done') return outcome;
    }
    return outcome;
  }

  return {
    /** One outcome per message; a dependency's failure is a retry (the checkpoint keeps what was done). */
    async process(jobs: readonly QueueTask<ImportJob>[], invocation: Invocation): Promise<Outcomes> {
      const outcomes = new Map<string, TaskOutcome>();
      for (const job of jobs) {
        try {
          outcomes.set(job.id, await one(job.body, invocation));
        } catch (error) {
          outcomes.set(job.id, { kind: 'retry', reason: (error as Error).message });
        }
      }
      return outcomes;
    },
  };
}
