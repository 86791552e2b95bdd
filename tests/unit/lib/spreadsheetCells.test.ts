import { describe, expect, it } from '@jest/globals';
import { escapeCell, unescapeCell } from '../../../src/lib/spreadsheetCells.ts';

describe('spreadsheet cells', () => {
  it.each(['=1+2', '+1 202 555 0101', '-5', '@SUM(A1)', '\tx', '\rx'])(
    'writes %j so a spreadsheet shows it as text, and reads it back',
    (value) => {
      expect(escapeCell(value)).toBe(`'${value}`);
      expect(unescapeCell(escapeCell(value))).toBe(value);
    },
  );

  it.each(['Ada', '2025550101', '', "'quoted", 'a=b'])('leaves %j as it is', (value) => {
    expect(escapeCell(value)).toBe(value);
    expect(unescapeCell(value)).toBe(value);
  });
});
