/**
 * The import of one uploaded CSV file, in three parts: reading (src/services/importReading.ts: the file's encoding,
 * header and records from a byte on), deciding (src/domain/importRows.ts and contactInput.ts: the columns, and each
 * row as a contact or a refusal with its reason) and writing (here: each batch of rows committed with its checkpoint,
 * the byte where the next row starts; src/services/importRejects.ts: the rejects file at the end). One batch of rows
 * is in memory at a time. An invocation running out of time stops after a commit and hands the import on through the
 * imports queue; the next one reads the file from the checkpoint on. No cell value reaches a log line or a trace:
 * rows are named by number.
 */
import { type ImportFiles, noticedKey } from '../adapters/importFiles.ts';
import {
  type ContactRow,
  firstOfEach,
  REPEATED_IN_BATCH_REASON,
  readContact,
} from '../domain/contactInput.ts';
import type { ImportRecord, Refusal } from '../domain/importRecord.ts';
import { type ColumnPlan, detectDelimiter, planColumns, rowToContact } from '../domain/importRows.ts';
import type { ImportJob } from '../generated/importJob.ts';
import { describeCause } from '../lib/errors.ts';
import { type Invocation, type QueueService, type TaskOutcome, UNTIMED } from '../lib/queueTasks.ts';
import { type TextEncoding, textEncoding } from '../lib/textEncoding.ts';
import { currentSpan, type Span, traced } from '../lib/tracing.ts';
import type { CampaignDefinitionRepository } from '../repositories/campaignDefinitionRepository.ts';
import { ANALYSE_AFTER_ROWS } from '../repositories/contactRepository.ts';
import type { ImportRepository, Lease } from '../repositories/importRepository.ts';
import { probeFile, readRecords, type UploadedFile } from './importReading.ts';
import { writeRejects } from './importRejects.ts';

export interface ImportRunDeps {
  definitions: Pick<CampaignDefinitionRepository, 'find'>;
  imports: ImportRepository;
  files: ImportFiles;
  /** Sends the import on to a new invocation. */
  continueLater(job: { importId: string; campaignId: string }): Promise<void>;
  newId: () => string;
  settings: { batchRows: number; stopMarginMs: number; leaseSeconds: number };
}

const NOT_A_DRAFT = 'The campaign was started: contacts are imported into draft campaigns only';
const REPLACED = 'The file was replaced while it was being imported: open a new import for the new file';
const EMPTY = 'The file is empty: its first row must be a header naming a phone column';

/** The rows read since the last commit. */
interface Pending {
  /** With their cells, in case the database refuses one as already there. */
  contacts: Array<{ rowNumber: number; row: ContactRow; cells: string[] }>;
  refusals: Refusal[];
}
const nothingPending = (): Pending => ({ contacts: [], refusals: [] });

export function createImportRun(deps: ImportRunDeps) {
  const { imports, files, settings } = deps;

  /** Ends the import (its rejects file written), done or failed; answers the invocation's outcome. */
  async function finish(
    record: ImportRecord,
    lease: Lease,
    span: Span,
    end: { error?: string },
    columns: string[],
  ) {
    const latest = (await imports.find(record.campaignId, record.id)) ?? record;
    const rejects = latest.refused > 0 ? await writeRejects(deps, latest, columns) : undefined;
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
    let columns = record.columns;
    const end = (outcome: { error?: string }) => finish(record, lease, span, outcome, columns ?? []);
    if (definition === undefined || definition.status !== 'draft') return end({ error: NOT_A_DRAFT });
    root.annotate('userId', definition.userId);

    // The file's format: as the first invocation read it, or from its first bytes.
    const file: UploadedFile = {
      files,
      key: record.objectKey,
      etag: record.etag ?? '',
      size: record.sizeBytes ?? 0,
    };
    const choice = record.phoneColumn === undefined ? {} : { phoneColumn: record.phoneColumn };
    let plan: ColumnPlan | undefined;
    let format: { encoding: TextEncoding; delimiter: string };
    if (columns !== undefined) {
      // An import begun before encodings were detected read its file as UTF-8.
      const encoding = textEncoding(record.encoding ?? 'utf-8');
      const planned = planColumns(columns, choice);
      if ('error' in planned || encoding === undefined) throw new Error('A stored header no longer plans');
      plan = planned;
      format = { encoding, delimiter: record.delimiter ?? ',' };
    } else {
      const probed = await probeFile(file);
      if (probed === undefined) return end({ error: REPLACED });
      if ('error' in probed) return end({ error: probed.error });
      format = { encoding: probed.encoding, delimiter: detectDelimiter(probed.line) };
    }

    let rowsRead = record.rowsRead;
    let nextByte = record.nextByte;
    let header: { columns: string[]; delimiter: string; encoding: string } | undefined;
    let pending = nothingPending();

    /** Commits the rows read since the last commit with their checkpoint; how the import ends if it cannot go on. */
    const commit = async (): Promise<TaskOutcome | undefined> => {
      const batch = pending;
      if (batch.contacts.length + batch.refusals.length === 0 && header === undefined) return undefined;
      const { first, repeated } = firstOfEach(batch.contacts);
      const committed = await imports.commit(lease, {
        contacts: first,
        refused: [
          ...batch.refusals,
          ...repeated.map(({ rowNumber, cells }) => ({ rowNumber, reason: REPEATED_IN_BATCH_REASON, cells })),
        ],
        nextByte,
        rowsRead,
        ...(header ? { header } : {}),
      });
      pending = nothingPending();
      header = undefined;
      if (committed === 'lease lost') return { kind: 'done', result: 'lease_lost' };
      if (committed === 'not a draft') return end({ error: NOT_A_DRAFT });
      return undefined;
    };

    let problem: string | undefined;
    for await (const read of readRecords(file, nextByte, format)) {
      if (read.kind === 'replaced') {
        problem = REPLACED;
        break;
      }
      if (plan === undefined) {
        // The header: it plans the columns, or the file cannot be imported.
        if (read.kind === 'unreadable') {
          problem = `The header row is not valid CSV: ${read.problem}`;
          break;
        }
        const planned = planColumns(read.cells, choice);
        if ('error' in planned) {
          problem = planned.error;
          break;
        }
        plan = planned;
        columns = read.cells.map((cell) => cell.trim());
        header = { columns, delimiter: format.delimiter, encoding: format.encoding.name };
      } else {
        rowsRead += 1;
        // Row 1 is the header: a row's number is its row in a spreadsheet (blank lines aside).
        const rowNumber = rowsRead + 1;
        if (read.kind === 'unreadable') {
          const reason = `the line is not valid CSV: ${read.problem}`;
          pending.refusals.push({ rowNumber, reason, cells: [], line: read.line });
        } else {
          const input = rowToContact(read.cells, plan);
          const contact = 'reason' in input ? input : readContact(input, definition.settings, deps.newId);
          if ('reason' in contact)
            pending.refusals.push({ rowNumber, reason: contact.reason, cells: read.cells });
          else {
            pending.contacts.push({ rowNumber, row: contact.row, cells: read.cells });
          }
        }
      }
      nextByte = read.end;
      if (pending.contacts.length + pending.refusals.length >= settings.batchRows) {
        const ended = await commit();
        if (ended) return ended;
        if (invocation.remainingMs() < settings.stopMarginMs) {
          // What the next invocation reads starts at this commit's checkpoint.
          await imports.release(lease);
          await deps.continueLater({ importId: record.id, campaignId: record.campaignId });
          span.addMetadata('rowsRead', rowsRead);
          return { kind: 'done', result: 'continued' };
        }
      }
    }
    // At the end of the file, or where it broke: every row read before is kept, with its checkpoint.
    const ended = await commit();
    if (ended) return ended;
    if (plan === undefined && problem === undefined) problem = EMPTY;
    return end(problem === undefined ? {} : { error: problem });
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
      if (record.status === 'cancelled') return { kind: 'done', result: 'import_cancelled' };
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
      const key = noticedKey(item.s3.object.key);
      outcome = await run(() => imports.findByKey(key), invocation, 'no import has this upload key');
      if (outcome.kind !== 'done') return outcome;
    }
    return outcome;
  }

  return {
    /** One outcome per message; a dependency's failure is a retry (the checkpoint keeps what was done). */
    process: (async (jobs, invocation = UNTIMED) => {
      const outcomes = new Map<string, TaskOutcome>();
      for (const job of jobs) {
        try {
          outcomes.set(job.id, await one(job.body, invocation));
        } catch (error) {
          outcomes.set(job.id, { kind: 'retry', reason: (error as Error).message });
        }
      }
      return outcomes;
    }) satisfies QueueService<ImportJob>,
  };
}
