/**
 * Reading an imported CSV file's rows as contacts (pure). The header names the columns, read in any case, spacing and
 * punctuation (`Phone Number`, `phone_number` and `PHONE-NUMBER` are one name): a phone column (`phone`, `phone number`,
 * `mobile`, `cell`, `telephone`, `tel`, ...), optionally `id`, `time_zone`/`timezone`, `us_state` and
 * `postal_code`/`zip`/`zip_code`/`postcode`; every other named column
 * is an attribute. The user may name the phone column instead (`phoneColumn`, matched the same way). The columns a
 * rejects file adds (`rejected_row`, `rejected_reason`, however many times) are skipped, so a fixed rejects file, or
 * the rejects file of one, can be uploaded again as it is.
 *
 * A row is read only when its cells line up with the header: fewer cells than the header names, or more, may be a
 * shifted row (a ZIP code read as a state), so it is refused with the count, never read with a guess.
 */
import { redactPhoneLike } from '../lib/redact.ts';
import { unescapeCell } from '../lib/spreadsheetCells.ts';
import type { ContactInput } from './contactInput.ts';

export const REJECTS_COLUMNS = ['rejected_row', 'rejected_reason'] as const;
// Names as `nameKey` reads them: lower case, letters and digits only.
const PHONE_NAMES = new Set([
  'phone',
  'phonenumber',
  'phoneno',
  'mobile',
  'mobilephone',
  'mobilenumber',
  'cell',
  'cellphone',
  'cellnumber',
  'telephone',
  'telephonenumber',
  'tel',
]);
const ZONE_NAMES = new Set(['timezone']);
// Only this name: a `state` column of an address book may hold names ("Texas"); it stays an attribute.
const STATE_NAMES = new Set(['usstate']);
const POSTAL_NAMES = new Set(['postalcode', 'zip', 'zipcode', 'postcode']);

/** A header name as it is matched: case, spacing and punctuation left out ("Phone Number" is "phonenumber"). */
function nameKey(name: string): string {
  return name.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
}
const MAX_ATTRIBUTE_COLUMNS = 50;

export interface ColumnPlan {
  /** Cells a row may have (the header's). */
  width: number;
  /** Cells a row must have: up to the last named column (a header may end in unnamed, empty columns). */
  minCells: number;
  phone: number;
  id?: number;
  timeZone?: number;
  usState?: number;
  postalCode?: number;
  attributes: ReadonlyArray<readonly [index: number, name: string]>;
}

export interface ColumnChoice {
  /** The phone column's name, as the user gave it (matched in any case, spacing and punctuation). */
  phoneColumn?: string;
}

/** A header name in a message: cut short, a number-like run hidden. */
const quoted = (name: string) => `"${redactPhoneLike(name.length > 40 ? `${name.slice(0, 40)}...` : name)}"`;

/** The plan of a file's columns from its header, or why the file cannot be imported. */
export function planColumns(
  header: readonly string[],
  choice: ColumnChoice = {},
): ColumnPlan | { error: string } {
  const names = header.map((cell) => unescapeCell(cell.trim()));
  const skipped = new Set<string>(REJECTS_COLUMNS);
  const seen = new Set<string>();
  for (const name of names) {
    const key = name.toLowerCase();
    if (key !== '' && !skipped.has(key) && seen.has(key))
      return { error: `The header names the column ${quoted(name)} twice` };
    seen.add(key);
  }
  const find = (accepted: ReadonlySet<string>) => {
    const index = names.findIndex((name) => accepted.has(nameKey(name)));
    return index === -1 ? undefined : index;
  };
  const chosen = choice.phoneColumn === undefined ? undefined : nameKey(choice.phoneColumn);
  const phone = chosen === undefined ? find(PHONE_NAMES) : find(new Set([chosen]));
  if (phone === undefined && choice.phoneColumn !== undefined) {
    const named = names.filter((name) => name !== '' && !skipped.has(name.toLowerCase()));
    return {
      error: `The file has no column ${quoted(choice.phoneColumn)}; its columns are ${named.slice(0, 20).map(quoted).join(', ')}${named.length > 20 ? ', ...' : ''}`,
    };
  }
  if (phone === undefined) {
    return {
      error:
        'The file has no phone column: its first row must be a header naming one, as phone, phone number, mobile, cell or telephone (or name it: phoneColumn, --phone-column)',
    };
  }
  const id = find(new Set(['id', 'contactid']));
  const timeZone = find(ZONE_NAMES);
  const usState = find(STATE_NAMES);
  const postalCode = find(POSTAL_NAMES);
  const taken = new Set([phone, id, timeZone, usState, postalCode]);
  const attributes = names
    .map((name, index) => [index, name] as const)
    .filter(([index, name]) => name !== '' && !taken.has(index) && !skipped.has(name.toLowerCase()));
  if (attributes.length > MAX_ATTRIBUTE_COLUMNS) {
    return {
      error: `The file has ${attributes.length} attribute columns; at most ${MAX_ATTRIBUTE_COLUMNS} are kept`,
    };
  }
  const lastNamed = names.findLastIndex((name) => name !== '');
  return {
    width: names.length,
    minCells: lastNamed + 1,
    phone,
    ...(id === undefined ? {} : { id }),
    ...(timeZone === undefined ? {} : { timeZone }),
    ...(usState === undefined ? {} : { usState }),
    ...(postalCode === undefined ? {} : { postalCode }),
    attributes,
  };
}

/** One row as a contact to read, or why it is refused. Empty cells are absent values. */
export function rowToContact(cells: readonly string[], plan: ColumnPlan): ContactInput | { reason: string } {
  if (cells.length > plan.width || cells.length < plan.minCells) {
    return {
      reason: `the row has ${cells.length} ${cells.length === 1 ? 'cell' : 'cells'}; the header names ${plan.width} columns`,
    };
  }
  // What a decoder puts where the file's bytes were not text of its encoding: the row would be stored changed.
  if (cells.some((value) => value.includes('\uFFFD'))) {
    return { reason: "the row holds bytes that are not text in the file's encoding" };
  }
  const cell = (index: number | undefined) => {
    const value = index === undefined ? '' : unescapeCell((cells[index] ?? '').trim());
    return value === '' ? undefined : value;
  };
  const phoneNumber = cell(plan.phone);
  if (phoneNumber === undefined) return { reason: 'the phone cell is empty' };
  const attributes: Record<string, string> = {};
  for (const [index, name] of plan.attributes) {
    const value = cell(index);
    if (value !== undefined) attributes[name] = value;
  }
  const id = cell(plan.id);
  const timeZone = cell(plan.timeZone);
  const usState = cell(plan.usState);
  const postalCode = cell(plan.postalCode);
  return {
    phoneNumber,
    ...(id === undefined ? {} : { id }),
    ...(timeZone === undefined ? {} : { timeZone }),
    ...(usState === undefined ? {} : { usState }),
    ...(postalCode === undefined ? {} : { postalCode }),
    ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
  };
}

/** The longest row read: a cell left open ends there at the latest. */
export const MAX_ROW_BYTES = 1_048_576;

/**
 * How csv-parse reads an imported file: a quote inside an unquoted cell is text (`=HYPERLINK("x")`, as spreadsheets
 * read it), rows may have any number of cells (rowToContact refuses the wrong ones with a reason), blank lines are
 * skipped, and a byte-order mark is read at the file's start only.
 */
export function csvReading(options: {
  delimiter: string;
  encoding: 'utf8' | 'utf16le' | 'latin1';
  fromStart: boolean;
}) {
  return {
    delimiter: options.delimiter,
    encoding: options.encoding,
    bom: options.fromStart,
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: true,
    max_record_size: MAX_ROW_BYTES,
  } as const;
}

/**
 * The separator of a file from its first line: the one of `,`, `;` (the usual export of spreadsheets set to a
 * language that writes decimals with a comma) and a tab (a "text, tab-separated" export) found most often outside
 * quotes in the header; `,` when none is.
 */
export function detectDelimiter(firstLine: string): ',' | ';' | '\t' {
  const counts = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const char of firstLine) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === ',' || char === ';' || char === '\t')) counts[char] += 1;
  }
  if (counts['\t'] > counts[','] && counts['\t'] > counts[';']) return '\t';
  return counts[';'] > counts[','] ? ';' : ',';
}
