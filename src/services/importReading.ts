/**
 * Reading an uploaded file for its import: its encoding and header line from its first bytes, then its records from
 * a byte on, one at a time, each with the byte where the next one starts (the import's checkpoint). A line the CSV
 * reader cannot read (a quoted cell never closed, a row over 1 MB) comes as an `unreadable` record with the line as
 * it was, and the reading starts again after it. What is decided about a record is the import's
 * (src/services/importRun.ts); this module only reads.
 */
import type { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { FileChangedError, type ImportFiles } from '../adapters/importFiles.ts';
import { csvReading } from '../domain/importRows.ts';
import { detectEncoding, type TextEncoding, textEncoding } from '../lib/textEncoding.ts';

/** The first bytes read to find the file's encoding and its header's separator. */
const HEADER_PROBE_BYTES = 65_536;
/** The characters of an unreadable line kept (in the rejects file). */
export const MAX_KEPT_LINE = 2_000;

/** Why csv-parse could not read a line, without the cell it stopped in. */
export const CSV_PROBLEMS: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted cell is not closed',
  CSV_INVALID_CLOSING_QUOTE: 'a quote inside a quoted cell is not doubled',
  CSV_INVALID_OPENING_QUOTE: 'a quote opens in the middle of a cell',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'text follows a closing quote',
  CSV_MAX_RECORD_SIZE: 'a row is longer than 1 MB (a quoted cell may not be closed)',
};

/** A record's cells, decoded; `end`: the byte where the next record starts. */
type CellsRecord = { kind: 'record'; cells: string[]; end: number };
/** A line that could not be read as cells: the line as it was (cut short), and why. */
type UnreadableLine = { kind: 'unreadable'; line: string; problem: string; end: number };

export type FileRecord =
  | CellsRecord
  | UnreadableLine
  /** The file is no longer the version the import started reading. */
  | { kind: 'replaced' };

/** One uploaded file, as the import reads it (the version `etag` of `key`, of `size` bytes). */
export interface UploadedFile {
  files: Pick<ImportFiles, 'read'>;
  key: string;
  etag: string;
  size: number;
}

/** The file from byte `from` on, or undefined when it was replaced. */
async function openAt(file: UploadedFile, from: number, to?: number): Promise<Readable | undefined> {
  return file.files
    .read(file.key, { etag: file.etag, from, ...(to === undefined ? {} : { to }) })
    .catch((error: unknown) => {
      if (error instanceof FileChangedError) return undefined;
      throw error;
    });
}

/** The file's encoding and its first line (the header), from its first bytes; undefined when it was replaced. */
export async function probeFile(
  file: UploadedFile,
): Promise<{ line: string; encoding: TextEncoding } | { error: string } | undefined> {
  if (file.size === 0) return { line: '', encoding: textEncoding('utf-8') as TextEncoding };
  const body = await openAt(file, 0, Math.min(HEADER_PROBE_BYTES, file.size) - 1);
  if (body === undefined) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  const probe = Buffer.concat(chunks);
  const encoding = detectEncoding(probe, file.size > probe.length);
  if ('error' in encoding) return encoding;
  const text = new TextDecoder(encoding.name).decode(probe);
  return { line: (text.split(/\r?\n/)[0] ?? '').replace(/^\uFEFF/, ''), encoding };
}

/**
 * The first line of `source` (blank lines before it skipped): its first `keep` bytes, and its length in bytes with
 * its line end. Reads on to the line's end, however long, holding only what it keeps.
 */
export async function firstLine(
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

/** Only a token goes down the parser's stream: it paces the parser (backpressure) while the records are used. */
const TOKEN: string[] = [];

/**
 * The file's records from byte `from` on, in `encoding` and separated by `delimiter`. The parser runs only as far
 * as the records are taken: a caller that stops taking (out of time) leaves the rest unread.
 */
export async function* readRecords(
  file: UploadedFile,
  from: number,
  format: { encoding: TextEncoding; delimiter: string },
): AsyncGenerator<FileRecord> {
  const { encoding, delimiter } = format;
  let next = from;
  while (next < file.size) {
    const source = await openAt(file, next);
    if (source === undefined) {
      yield { kind: 'replaced' };
      return;
    }
    const base = next;
    // Records are taken as the parser makes them (csv-parse's on_record): a line it cannot read later loses none
    // of the records before it, which the stream's own buffer would drop with the error.
    const made: CellsRecord[] = [];
    const parser = source.pipe(
      parse({
        ...csvReading({ delimiter, encoding: encoding.parserEncoding, fromStart: base === 0 }),
        on_record: (cells: string[], info: { bytes: number }) => {
          made.push({
            kind: 'record',
            cells: encoding.decodeCell ? cells.map(encoding.decodeCell) : cells,
            end: base + info.bytes,
          });
          return TOKEN;
        },
      }),
    );
    let failure: CsvError | undefined;
    try {
      for await (const _ of parser) {
        for (let record = made.shift(); record !== undefined; record = made.shift()) {
          next = record.end;
          yield record;
        }
      }
    } catch (error) {
      if (!(error instanceof CsvError)) throw error;
      failure = error;
    } finally {
      source.destroy();
    }
    for (const record of made.splice(0)) {
      next = record.end;
      yield record;
    }
    if (failure === undefined) return;
    // The line after the last record read could not be read: it is one record of its own, and the reading goes on
    // after it.
    const unreadable = await unreadableLine(file, next, encoding, failure);
    if (unreadable === undefined) {
      yield { kind: 'replaced' };
      return;
    }
    yield unreadable;
    next = unreadable.end;
  }
}

/** The line at byte `at`, which the parser could not read, as an unreadable record. */
async function unreadableLine(
  file: UploadedFile,
  at: number,
  encoding: TextEncoding,
  error: CsvError,
): Promise<UnreadableLine | undefined> {
  const source = await openAt(file, at);
  if (source === undefined) return undefined;
  let found: { line: Buffer; bytes: number };
  try {
    found = await firstLine(source, encoding, MAX_KEPT_LINE * 4);
  } finally {
    source.destroy();
  }
  const decoded = encoding.decodeCell
    ? encoding.decodeCell(found.line.toString('latin1'))
    : found.line.toString(encoding.parserEncoding);
  return {
    kind: 'unreadable',
    line: decoded.replace(/\r$/, '').slice(0, MAX_KEPT_LINE),
    problem: CSV_PROBLEMS[error.code] ?? `csv-parse's ${error.code}`,
    end: at + found.bytes,
  };
}
