import { describe, expect, it } from '@jest/globals';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { unescapeCell } from '../../../src/lib/spreadsheetCells.ts';

/** A cell as the rejects file writes it (csv-stringify's escape_formulas) and a spreadsheet then reads it. */
const written = (value: string) =>
  (parse(stringify([[value]], { escape_formulas: true })) as string[][])[0]?.[0];

describe('spreadsheet cells', () => {
  it.each(['=1+2', '+1 202 555 0101', '-5', '@SUM(A1)', '\tx', '\rx'])(
    'writes %j so a spreadsheet shows it as text, and reads it back',
    (value) => {
      expect(written(value)).toBe(`'${value}`);
      expect(unescapeCell(written(value) ?? '')).toBe(value);
    },
  );

  it.each(['Ada', '2025550101', "'quoted", 'a=b'])('leaves %j as it is', (value) => {
    expect(written(value)).toBe(value);
    expect(unescapeCell(value)).toBe(value);
  });
});
