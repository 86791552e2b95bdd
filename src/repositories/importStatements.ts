/** The statements of src/repositories/importRepository.ts that are more than a line, and its row as a record. */
import type { ImportRecord, ImportStatus } from '../domain/importRecord.ts';

export interface ImportRow {
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

export function toRecord(row: ImportRow): ImportRecord {
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

export const CLAIM_SQL = `
UPDATE imports SET status = 'importing', lease_owner = $2, lease_until = now() + make_interval(secs => $3),
  invocations = invocations + 1, started_at = coalesce(started_at, now()),
  etag = coalesce(etag, $4), size_bytes = coalesce(size_bytes, $5)
WHERE id = $1
  AND (status = 'waiting'
    OR (status = 'importing' AND (lease_owner IS NULL OR lease_until < now() OR lease_owner = $2)))
RETURNING *`;

// The import's row, and its campaign's: a start waits for the batch's commit (or the batch for the start), so no
// contact is added to a campaign once it has started.
export const LOCK_SQL = `
SELECT i.campaign_id, c.status AS campaign_status
FROM imports i JOIN campaigns c ON c.id = i.campaign_id
WHERE i.id = $1 AND i.lease_owner = $2 AND i.status = 'importing'
FOR UPDATE OF i FOR SHARE OF c`;

export const REFUSE_SQL = `
INSERT INTO import_refusals (import_id, row_number, reason, cells)
SELECT $1, r.row_number, r.reason, r.cells FROM jsonb_to_recordset($2::jsonb) AS r(row_number int, reason text, cells jsonb)
ON CONFLICT DO NOTHING`;

export const CHECKPOINT_SQL = `
UPDATE imports SET next_byte = $3, rows_read = $4, added = added + $5, refused = refused + $6,
  columns = coalesce($7, columns), delimiter = coalesce($8, delimiter), encoding = coalesce($10, encoding),
  lease_until = now() + make_interval(secs => $9)
WHERE id = $1 AND lease_owner = $2`;
