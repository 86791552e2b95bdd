/** An import as stored and shown: its status, its file's facts, its counts and checkpoint; and a row it refused. */

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
