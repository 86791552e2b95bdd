/**
 * Imports in Postgres: the record of each upload (status, counts, checkpoint), the lease of the invocation importing
 * it, and the rows it refused until its rejects file is written. A batch of rows is committed with its checkpoint in
 * one transaction, and only by the lease's holder: a row is never written twice, and a resumed import starts where
 * the last commit ended.
 */

import type { ContactRow } from '../domain/contactInput.ts';
import type { Database, Query } from '../lib/database.ts';
import { analyseContacts, insertContacts } from './contactRepository.ts';

export type ImportStatus = 'waiting' | 'importing' | 'done' | 'failed' | 'cancelled';

export interface ImportRecord {
  id: string;
  campaignId: string;
  status: ImportStatus;
  objectKey: string;
  uploadExpiresAt: Date;
  etag?: string;
  sizeBytes?: number;
  columns?: string[];
  delimiter?: string;
  /** The file's text encoding as detected (WHATWG name), once its header was read. */
  encoding?: string;
  /** The phone column's name as the user gave it; absent: found by its usual names. */
  phoneColumn?: string;
  nextByte: number;
  rowsRead: number;
  added: number;
  refused: number;
  invocations: number;
  error?: string;
  rejectsKey?: string;
  createdAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
}

export interface Refusal {
  rowNumber: number;
  reason: string;
  cells: readonly string[];
  /** A line that could not be read as cells (`cells` is then empty): the line as it was. */
  line?: string;
}

/** As `import_refusals.cells` holds them: the cells, or `{ line }` for a line that could not be read as cells. */
const storedCells = (refusal: Refusal) =>
  refusal.line === undefined ? refusal.cells : { line: refusal.line };

/** Who holds an import now, and for how long each commit extends it. */
export interface Lease {
  importId: string;
  owner: string;
  seconds: number;
}

export interface Batch {
  contacts: readonly ContactRow[];
  /** The rows refused, given the ids the batch's insert added (the others were already in the campaign). */
  refusals(added: ReadonlySet<string>): Refusal[];
  nextByte: number;
  rowsRead: number;
  /** The file's header, separator and encoding, with the first batch. */
  header?: { columns: readonly string[]; delimiter: string; encoding: string };
}

interface Row {
  id: string;
  campaign_id: string;
  status: ImportStatus;
  object_key: string;
  upload_expires_at: Date;
  etag: string | null;
  size_bytes: string | null;
  columns: string[] | null;
  delimiter: string | null;
  encoding: string | null;
  phone_column: string | null;
  next_byte: string;
  rows_read: number;
  added: number;
  refused: number;
  invocations: number;
  error: string | null;
  rejects_key: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

const optional = <T>(value: T | null): T | undefined => value ?? undefined;

function toRecord(row: Row): ImportRecord {
  return {
    id: row.id,
    campaignId: row.campaign_id,
    status: row.status,
    objectKey: row.object_key,
    uploadExpiresAt: row.upload_expires_at,
    etag: optional(row.etag),
    sizeBytes: row.size_bytes === null ? undefined : Number(row.size_bytes),
    columns: optional(row.columns),
    delimiter: optional(row.delimiter),
    encoding: optional(row.encoding),
    phoneColumn: optional(row.phone_column),
    nextByte: Number(row.next_byte),
    rowsRead: row.rows_read,
    added: row.added,
    refused: row.refused,
    invocations: row.invocations,
    error: optional(row.error),
    rejectsKey: optional(row.rejects_key),
    createdAt: row.created_at,
    startedAt: optional(row.started_at),
    finishedAt: optional(row.finished_at),
  };
}

const CLAIM_SQL = `
UPDATE imports SET status = 'importing', lease_owner = $2, lease_until = now() + make_interval(secs => $3),
  invocations = invocations + 1, started_at = coalesce(started_at, now()),
  etag = coalesce(etag, $4), size_bytes = coalesce(size_bytes, $5)
WHERE id = $1
  AND (status = 'waiting'
    OR (status = 'importing' AND (lease_owner IS NULL OR lease_until < now() OR lease_owner = $2)))
RETURNING *`;

// The import's row, and its campaign's: a start waits for the batch's commit (or the batch for the start), so no
// contact is added to a campaign once it has started.
const LOCK_SQL = `
SELECT i.campaign_id, c.status AS campaign_status
FROM imports i JOIN campaigns c ON c.id = i.campaign_id
WHERE i.id = $1 AND i.lease_owner = $2 AND i.status = 'importing'
FOR UPDATE OF i FOR SHARE OF c`;

const REFUSE_SQL = `
INSERT INTO import_refusals (import_id, row_number, reason, cells)
SELECT $1, r.row_number, r.reason, r.cells FROM jsonb_to_recordset($2::jsonb) AS r(row_number int, reason text, cells jsonb)
ON CONFLICT DO NOTHING`;

const CHECKPOINT_SQL = `
UPDATE imports SET next_byte = $3, rows_read = $4, added = added + $5, refused = refused + $6,
  columns = coalesce($7, columns), delimiter = coalesce($8, delimiter), encoding = coalesce($10, encoding),
  lease_until = now() + make_interval(secs => $9)
WHERE id = $1 AND lease_owner = $2`;

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
    batch: Batch,
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
    const { rows } = await query<Row>(text, values);
    return rows[0] ? toRecord(rows[0]) : undefined;
  };
  return {
    async create({ id, campaignId, objectKey, uploadExpiresAt, phoneColumn }) {
      const { rows } = await db.query<Row>(
        'INSERT INTO imports (id, campaign_id, object_key, upload_expires_at, phone_column) VALUES ($1, $2, $3, $4, $5) RETURNING *',
        [id, campaignId, objectKey, uploadExpiresAt, phoneColumn ?? null],
      );
      return toRecord(rows[0] as Row);
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
        const added = await insertContacts(query, campaignId, batch.contacts);
        const refusals = batch.refusals(added);
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
