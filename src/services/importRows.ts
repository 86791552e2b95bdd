/**
 * Reading an imported CSV file's rows as contacts (pure). The header names the columns, read in any case, spacing and
 * punctuation (`Phone Number`, `phone_number` and `PHONE-NUMBER` are one name): a phone column (`phone`, `phone number`,
 * `mobile`, `cell`, `telephone`, `tel`, ...), optionally `id`, `time_zone`/`timezone`, `us_state` and
 * `postal_code`/`zip`/`zip_code`/`postcode`; every other named column
 * is an attribute. The columns a rejects file adds (`rejected_row`, `rejected_reason`) are skipped, so a fixed rejects
 * file can be uploaded again as it is.
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
  phone: number;
  id?: number;
  timeZone?: number;
  usState?: number;
  postalCode?: number;
  attributes: ReadonlyArray<readonly [index: number, name: string]>;
}

/** The plan of a file's columns from its header, or why the file cannot be imported. */
export function planColumns(header: readonly string[]): ColumnPlan | { error: string } {
  const names = header.map((cell) => unescapeCell(cell.trim()));
  const seen = new Set<string>();
  for (const name of names) {
    const key = name.toLowerCase();
    if (key !== '' && seen.has(key))
      return { error: `The header names the column "${redactPhoneLike(name)}" twice` };
    seen.add(key);
  }
  const find = (accepted: ReadonlySet<string>) => {
    const index = names.findIndex((name) => accepted.has(nameKey(name)));
    return index === -1 ? undefined : index;
  };
  const phone = find(PHONE_NAMES);
  if (phone === undefined) {
    return {
      error:
        'The file has no phone column: its first row must be a header naming one, as phone, phone number, mobile, cell or telephone',
    };
  }
  const id = find(new Set(['id', 'contactid']));
  const timeZone = find(ZONE_NAMES);
  const usState = find(STATE_NAMES);
  const postalCode = find(POSTAL_NAMES);
  const taken = new Set([phone, id, timeZone, usState, postalCode]);
  const skipped = new Set<string>(REJECTS_COLUMNS);
  const attributes = names
    .map((name, index) => [index, name] as const)
    .filter(([index, name]) => name !== '' && !taken.has(index) && !skipped.has(name.toLowerCase()));
  if (attributes.length > MAX_ATTRIBUTE_COLUMNS) {
    return {
      error: `The file has ${attributes.length} attribute columns; at most ${MAX_ATTRIBUTE_COLUMNS} are kept`,
    };
  }
  return {
    width: names.length,
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
  if (cells.length > plan.width) {
    return { reason: `the row has ${cells.length} cells; the header names ${plan.width} columns` };
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
