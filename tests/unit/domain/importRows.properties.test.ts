/**
 * Properties of the import's reading, checked on generated inputs (fast-check): the column planner, the separator
 * detection, and the row reader (csv-parse with the import's options, then rowToContact), against files written by
 * csv-stringify, the writer of the same ecosystem, in every separator, line end and encoding the import reads.
 */
import { describe, expect, it } from '@jest/globals';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { csvReading, detectDelimiter, planColumns, rowToContact } from '../../../src/domain/importRows.ts';
import { textEncoding } from '../../../src/lib/textEncoding.ts';

const PHONE_NAMES = [
  'phone',
  'Phone Number',
  'MOBILE',
  'cell phone',
  'Telephone',
  'tel.',
  'phone_no',
  'Cell',
];
/** Attribute names that are no column the planner knows (letters only, prefixed so none is a known name). */
const attributeName = fc.stringMatching(/^[A-Za-z]{1,12}$/).map((name) => `attr ${name}`);
/** A name as exports spell it: any case, spaces, underscores or dashes between words. */
const spelled = (name: string) =>
  fc.tuple(fc.constantFrom('', ' ', '_', '-'), fc.boolean()).map(([gap, upper]) => {
    const joined = name.replace(/[\s_]+/g, gap);
    return upper ? joined.toUpperCase() : joined.toLowerCase();
  });
/** Any text, separators, quotes and line breaks included. */
const cellText = fc.string({
  unit: fc.constantFrom('a', 'Z', '9', ' ', ',', ';', '\t', '"', '\n', '\r', 'é', '€', '='),
});

describe('the column planner', () => {
  it('finds the phone column wherever it is and however it is spelled; every other named column is an attribute', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(attributeName, { maxLength: 10, selector: (name) => name.toLowerCase() }),
        fc.constantFrom(...PHONE_NAMES).chain(spelled),
        fc.nat(),
        (attributes, phoneName, at) => {
          const position = at % (attributes.length + 1);
          const header = [...attributes.slice(0, position), phoneName, ...attributes.slice(position)];
          const plan = planColumns(header);
          expect(plan).toMatchObject({ width: header.length, minCells: header.length, phone: position });
          if ('error' in plan) return;
          expect(plan.attributes.map(([, name]) => name)).toEqual(attributes);
        },
      ),
    );
  });

  it('takes the column the user names, spelled any way, over the usual names', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(attributeName, {
          minLength: 1,
          maxLength: 10,
          selector: (name) => name.toLowerCase(),
        }),
        fc.nat(),
        (attributes, pick) => {
          const header = ['Phone', ...attributes];
          const chosen = pick % attributes.length;
          const plan = planColumns(header, { phoneColumn: (attributes[chosen] ?? '').toUpperCase() });
          expect(plan).toMatchObject({ phone: chosen + 1 });
        },
      ),
    );
  });

  it('never echoes a number-like header cell in its error', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^\+?[0-9 ()-]{7,16}$/), { minLength: 1, maxLength: 5 }),
        (cells) => {
          const plan = planColumns(cells);
          expect(plan).toHaveProperty('error');
          expect(JSON.stringify(plan)).not.toMatch(/\d{7}/);
        },
      ),
    );
  });
});

describe('the separator detection', () => {
  it('finds the separator of any header, cells with the other separators quoted', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(',', ';', '\t'),
        fc.array(fc.string({ unit: fc.constantFrom('a', 'b', ' ', ',', ';', '\t', '_') }), {
          minLength: 2,
          maxLength: 12,
        }),
        (delimiter, cells) => {
          const line = stringify([cells], { delimiter, quoted_match: /[,;\t]/ }).replace(/\r?\n$/, '');
          expect(detectDelimiter(line)).toBe(delimiter);
        },
      ),
    );
  });
});

describe('the row reader', () => {
  /** Rows as the import reads them: at least one non-empty cell (a blank line is skipped, as it should be). */
  const table = fc.array(
    fc.array(cellText, { minLength: 1, maxLength: 6 }).filter((row) => row.some((cell) => cell !== '')),
    { minLength: 1, maxLength: 20 },
  );

  it('reads back, cell for cell, any file csv-stringify writes, in each separator, line end and encoding', () => {
    fc.assert(
      fc.property(
        table,
        fc.constantFrom(',', ';', '\t'),
        fc.constantFrom('unix', 'windows'),
        fc.constantFrom('utf-8', 'utf-16le', 'windows-1252'),
        (rows, delimiter, lineEnd, name) => {
          // Quoted as spreadsheets quote: any cell holding a line break (csv-stringify alone quotes only the line
          // end it writes, so a lone LF in a CRLF file would be ambiguous) or a separator.
          const text = stringify(rows, { delimiter, record_delimiter: lineEnd, quoted_match: /[\r\n,;\t]/ });
          const encoding = textEncoding(name);
          if (encoding === undefined) throw new Error(`no ${name} decoder`);
          const bytes =
            name === 'windows-1252'
              ? Buffer.from([...text].map((char) => (char === '€' ? 0x80 : char.charCodeAt(0))))
              : Buffer.from(text, name === 'utf-8' ? 'utf8' : 'utf16le');
          const read = parse(
            bytes,
            csvReading({ delimiter, encoding: encoding.parserEncoding, fromStart: true }),
          ) as string[][];
          const decoded = encoding.decodeCell
            ? read.map((row) => row.map(encoding.decodeCell as never))
            : read;
          expect(decoded).toEqual(rows);
        },
      ),
    );
  });

  it('answers every row with a contact or a reason, never throws, and reads the phone cell as it was', () => {
    const plan = planColumns(['phone', 'id', 'note']);
    if ('error' in plan) throw new Error(plan.error);
    fc.assert(
      fc.property(fc.array(cellText, { maxLength: 5 }), (cells) => {
        const read = rowToContact(cells, plan);
        if (cells.length !== 3) expect(read).toHaveProperty('reason');
        if ('phoneNumber' in read)
          expect(read.phoneNumber).toBe((cells[0] ?? '').trim().replace(/^'(?=[=+\-@\t\r])/, ''));
      }),
    );
  });
});
