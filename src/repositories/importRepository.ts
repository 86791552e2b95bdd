/**
 * Imports in Postgres: the record of each upload (status, counts, checkpoint), the lease of the invocation importing
 * it, and the rows it refused until its rejects file is written. A batch of rows is committed with its checkpoint in
 * one transaction, and only by the lease's holder: a row is never written twice, and a resumed import starts where
 * the last commit ended.
 */

import { ALREADY_IN_CAMPAIGN_REASON, type ContactRow } from '../domain/contactInput.ts';
import type { ImportRecord, Refusal } from '../domain/importRecord.ts';
import type { Database, Query } from '../lib/database.ts';
import { analyseContacts, insertContacts } from './contactRepository.ts';
import {
  CHECKPOINT_SQL,
  CLAIM_SQL,
  type ImportRow,
  LOCK_SQL,
  REFUSE_SQL,
  toRecord,
} from './importStatements.ts';

/** As `import_refusals.cells` holds them: the cells, or `{ line }` for a line that could not be read as cells. */
const storedCells = (refusal: Refusal) =>
  refusal.line === undefined ? refusal.cells : { line: refusal.line };

/** Who holds an import now, and for how long each commit extends it. */
export interface Lease {
  importId: string;
  owner: string;
  seconds: number;
}

export interface ImportBatch {
  /** The rows to add, with their cells: one whose contact the campaign already has is refused as such. */
  contacts: ReadonlyArray<{ rowNumber: number; row: ContactRow; cells: readonly string[] }>;
  /** The rows refused before the database saw them. */
  refused: readonly Refusal[];
  nextByte: number;
  rowsRead: number;
  /** The file's header, separator and encoding, with the first batch. */
  header?: { columns: readonly string[]; delimiter: string; encoding: string };
}

export interface ImportRepository {
  /** Records a new import, waiting for its file; answers it as stored. */
  create(record: {
    id: string;
    campaignId: string;
    objectKey: string;
    uploadExpiresAt: Date;
    phoneColumn?: string;
  }): Promise<ImportRecord>;
  find(campaignId: string, importId: string): Promise<ImportRecord | undefined>;
  findByKey(objectKey: string): Promise<ImportRecord | undefined>;
  /**
   * Takes the import for `lease.owner` (waiting, or importing under an expired lease or this owner's): the record
   * as taken, or undefined when it is done, failed or held by another invocation.
   */
  claim(lease: Lease, file: { etag: string; size: number }): Promise<ImportRecord | undefined>;
  /**
   * Commits one batch with its checkpoint. Nothing is written when the lease was lost, or when the campaign is no
   * longer a draft (it started meanwhile).
   */
  commit(
    lease: Lease,
    batch: ImportBatch,
  ): Promise<{ added: number; refused: number } | 'lease lost' | 'not a draft'>;
  /** The refused rows in row order, from after `afterRow`, `limit` at a time. */
  refusals(importId: string, afterRow: number, limit: number): Promise<Refusal[]>;
  /** Marks the import done (its rejects file written, the refused rows deleted) or failed, if `owner` holds it. */
  finish(
    lease: Lease,
    end: { status: 'done' | 'failed'; rejectsKey?: string; error?: string },
  ): Promise<boolean>;
  /**
   * Refreshes the planner's statistics of the contacts table after a large import, so the scheduler's first ticks
   * over the new rows get index plans (before autovacuum's own ANALYZE, which comes within about a minute, a join
   * over fresh rows can be planned as a scan of the whole campaign).
   */
  analyseContacts(): Promise<void>;
  /**
   * Fails an import still waiting for its file `graceSeconds` after its upload form expired (an upload begun in
   * time may still be arriving until then); answers whether it did.
   */
  expireWaiting(importId: string, graceSeconds: number, error: string): Promise<boolean>;
  /** Gives the import up for the next invocation (it continues from its checkpoint). */
  release(lease: Lease): Promise<void>;
  /**
   * Cancels an import waiting for its file or importing: the import as cancelled, or undefined when it had ended.
   * An invocation importing it finds its lease gone at its next commit and stops; the rows committed stay.
   */
  cancel(campaignId: string, importId: string): Promise<ImportRecord | undefined>;
  /**
   * Imports whose invocation ended without handing them on (a crash, a lost message): their lease ran out. Each is
   * given `graceSeconds` before it is answered again, so a sweep each minute hands one on once.
   */
  takeStalled(limit: number, graceSeconds: number): Promise<Array<{ importId: string; campaignId: string }>>;
}

export function createImportRepository(db: Database): ImportRepository {
  const one = async (query: Query, text: string, values: unknown[]) => {
    const { rows } = await query<ImportRow>(text, values);
    return rows[0] ? toRecord(rows[0]) : undefined;
  };
  return {
    async create({ id, campaignId, objectKey, uploadExpiresAt, phoneColumn }) {
      const { rows } = await db.query<ImportRow>(
        'INSERT INTO imports (id, campaign_id, object_key, upload_expires_at, phone_column) VALUES ($1, $2, $3, $4, $5) RETURNING *',
        [id, campaignId, objectKey, uploadExpiresAt, phoneColumn ?? null],
      );
      return toRecord(rows[0] as ImportRow);
    },

    find: (campaignId, importId) =>
      one(db.query, 'SELECT * FROM imports WHERE campaign_id = $1 AND id = $2', [campaignId, importId]),

    findByKey: (objectKey) => one(db.query, 'SELECT * FROM imports WHERE object_key = $1', [objectKey]),

    claim: (lease, file) =>
      one(db.query, CLAIM_SQL, [lease.importId, lease.owner, lease.seconds, file.etag, file.size]),

    commit(lease, batch) {
      return db.transaction(async (query) => {
        const { rows } = await query<{ campaign_id: string; campaign_status: string }>(LOCK_SQL, [
          lease.importId,
          lease.owner,
        ]);
        const campaignId = rows[0]?.campaign_id;
        if (campaignId === undefined) return 'lease lost';
        if (rows[0]?.campaign_status !== 'draft') return 'not a draft';
        const added = await insertContacts(
          query,
          campaignId,
          batch.contacts.map((each) => each.row),
        );
        const refusals = [
          ...batch.refused,
          ...batch.contacts
            .filter((each) => !added.has(each.row.id))
            .map(({ rowNumber, cells }) => ({ rowNumber, reason: ALREADY_IN_CAMPAIGN_REASON, cells })),
        ];
        if (refusals.length > 0) {
          await query(REFUSE_SQL, [
            lease.importId,
            JSON.stringify(
              refusals.map((r) => ({ row_number: r.rowNumber, reason: r.reason, cells: storedCells(r) })),
            ),
          ]);
        }
        await query(CHECKPOINT_SQL, [
          lease.importId,
          lease.owner,
          batch.nextByte,
          batch.rowsRead,
          added.size,
          refusals.length,
          batch.header?.columns ?? null,
          batch.header?.delimiter ?? null,
          lease.seconds,
          batch.header?.encoding ?? null,
        ]);
        return { added: added.size, refused: refusals.length };
      });
    },

    async refusals(importId, afterRow, limit) {
      const { rows } = await db.query<{
        row_number: number;
        reason: string;
        cells: string[] | { line: string };
      }>(
        'SELECT row_number, reason, cells FROM import_refusals WHERE import_id = $1 AND row_number > $2 ORDER BY row_number LIMIT $3',
        [importId, afterRow, limit],
      );
      return rows.map((row) =>
        Array.isArray(row.cells)
          ? { rowNumber: row.row_number, reason: row.reason, cells: row.cells }
          : { rowNumber: row.row_number, reason: row.reason, cells: [], line: row.cells.line },
      );
    },

    finish(lease, end) {
      return db.transaction(async (query) => {
        const { rowCount } = await query(
          `UPDATE imports SET status = $3, rejects_key = $4, error = $5, finished_at = now(),
             lease_owner = NULL, lease_until = NULL
           WHERE id = $1 AND lease_owner = $2 AND status = 'importing'`,
          [lease.importId, lease.owner, end.status, end.rejectsKey ?? null, end.error ?? null],
        );
        if ((rowCount ?? 0) === 0) return false;
        await query('DELETE FROM import_refusals WHERE import_id = $1', [lease.importId]);
        return true;
      });
    },

    analyseContacts: () => analyseContacts(db),

    async expireWaiting(importId, graceSeconds, error) {
      const { rowCount } = await db.query(
        `UPDATE imports SET status = 'failed', error = $3, finished_at = now()
         WHERE id = $1 AND status = 'waiting' AND upload_expires_at + make_interval(secs => $2) < now()`,
        [importId, graceSeconds, error],
      );
      return (rowCount ?? 0) > 0;
    },

    cancel: (campaignId, importId) =>
      db.transaction(async (query) => {
        const cancelled = await one(
          query,
          `UPDATE imports SET status = 'cancelled', finished_at = now(), lease_owner = NULL, lease_until = NULL,
             error = 'Cancelled: the rows added before stay in the campaign'
           WHERE campaign_id = $1 AND id = $2 AND status IN ('waiting', 'importing') RETURNING *`,
          [campaignId, importId],
        );
        if (cancelled) await query('DELETE FROM import_refusals WHERE import_id = $1', [importId]);
        return cancelled;
      }),

    async takeStalled(limit, graceSeconds) {
      const { rows } = await db.query<{ id: string; campaign_id: string }>(
        `UPDATE imports SET lease_owner = NULL, lease_until = now() + make_interval(secs => $2)
         WHERE id IN (SELECT id FROM imports WHERE status = 'importing' AND coalesce(lease_until < now(), true)
                      ORDER BY lease_until LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING id, campaign_id`,
        [limit, graceSeconds],
      );
      return rows.map((row) => ({ importId: row.id, campaignId: row.campaign_id }));
    },

    async release(lease) {
      // Free for the next invocation at once; if none takes it within the lease (its message lost), the sweep does.
      await db.query(
        `UPDATE imports SET lease_owner = NULL, lease_until = now() + make_interval(secs => $3)
         WHERE id = $1 AND lease_owner = $2`,
        [lease.importId, lease.owner, lease.seconds],
      );
    },
  };
}
