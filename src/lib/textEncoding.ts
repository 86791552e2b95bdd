/**
 * The text encoding of an uploaded file, from its first bytes: a byte-order mark says it (UTF-8, UTF-16LE); else
 * bytes that are valid UTF-8 are read as UTF-8 (ASCII is too); else chardet (the detector of the npm ecosystem, a
 * port of ICU's) names the legacy encoding, most often Windows-1252, the "CSV" of Excel on Windows.
 *
 * csv-parse reads UTF-8 and UTF-16LE itself. Any other encoding is parsed as Latin-1 (one character per byte, so the
 * parser's byte counts stay the file's, and the separators, quotes and line ends, all ASCII, are found as they are)
 * and each cell is then decoded with the WHATWG decoder of the detected encoding: exact for the single-byte
 * encodings, and for the legacy multi-byte ones too, whose bytes after the first are never those ASCII characters.
 */
import { TextDecoder } from 'node:util';
import { analyse } from 'chardet';

export interface TextEncoding {
  /** The WHATWG name, as the import shows it: `utf-8`, `utf-16le`, `windows-1252`, ... */
  name: string;
  /** How csv-parse reads the bytes. */
  parserEncoding: 'utf8' | 'utf16le' | 'latin1';
  /** Decodes a cell csv-parse read as Latin-1; absent when csv-parse decoded it. */
  decodeCell?: (cell: string) => string;
}

const UTF16_BE = 'The file is UTF-16 big-endian, which is not read: save it as UTF-8 ("CSV UTF-8" in Excel)';

/** What csv-parse decodes itself; the rest are decoded per cell. */
const NATIVE: Record<string, TextEncoding['parserEncoding']> = { 'utf-8': 'utf8', 'utf-16le': 'utf16le' };

/** The encoding named `name` (as detected and stored), or undefined when this runtime cannot decode it. */
export function textEncoding(name: string): TextEncoding | undefined {
  const native = NATIVE[name];
  if (native) return { name, parserEncoding: native };
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(name);
  } catch {
    return undefined;
  }
  return {
    name: decoder.encoding,
    parserEncoding: 'latin1',
    decodeCell: (cell) => decoder.decode(Buffer.from(cell, 'latin1')),
  };
}

/** Whether `bytes` are valid UTF-8; a character cut at the end of a probe (`partial`) is allowed. */
function isUtf8(bytes: Uint8Array, partial: boolean): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: partial });
    return true;
  } catch {
    return false;
  }
}

/**
 * UTF-16 without a byte-order mark, by its zero bytes (chardet names UTF-16 only from its mark): text in a Latin
 * script has a zero in every other byte, which no other text encoding has. Answers the byte order, if any.
 */
function utf16Order(probe: Uint8Array): 'le' | 'be' | undefined {
  const pairs = Math.floor(Math.min(probe.length, 4096) / 2);
  if (pairs === 0) return undefined;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let pair = 0; pair < pairs; pair += 1) {
    if (probe[2 * pair] === 0) evenZeros += 1;
    if (probe[2 * pair + 1] === 0) oddZeros += 1;
  }
  if (oddZeros > pairs * 0.5 && evenZeros < pairs * 0.05) return 'le';
  if (evenZeros > pairs * 0.5 && oddZeros < pairs * 0.05) return 'be';
  return undefined;
}

/**
 * The encoding of a file from its first bytes (`partial`: the file goes on after them), or why it cannot be read.
 */
export function detectEncoding(probe: Uint8Array, partial: boolean): TextEncoding | { error: string } {
  const [a, b, c] = probe;
  if (a === 0xef && b === 0xbb && c === 0xbf) return { name: 'utf-8', parserEncoding: 'utf8' };
  if (a === 0xff && b === 0xfe) return { name: 'utf-16le', parserEncoding: 'utf16le' };
  if (a === 0xfe && b === 0xff) return { error: UTF16_BE };
  const order = utf16Order(probe);
  if (order === 'le') return { name: 'utf-16le', parserEncoding: 'utf16le' };
  if (order === 'be') return { error: UTF16_BE };
  if (isUtf8(probe, partial)) return { name: 'utf-8', parserEncoding: 'utf8' };
  for (const match of analyse(probe)) {
    const name = match.name.toLowerCase();
    if (name === 'utf-16le') return { name, parserEncoding: 'utf16le' };
    if (name === 'utf-16be') return { error: UTF16_BE };
    if (name.startsWith('utf-') || name.startsWith('iso-2022')) continue;
    const found = textEncoding(name);
    if (found) return found;
  }
  return textEncoding('windows-1252') as TextEncoding;
}
