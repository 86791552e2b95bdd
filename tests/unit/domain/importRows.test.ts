import { describe, expect, it } from '@jest/globals';
import { firstOfEach, readContact } from '../../../src/domain/contactInput.ts';
import {
  type ColumnChoice,
  detectDelimiter,
  planColumns,
  rowToContact,
} from '../../../src/domain/importRows.ts';

const plan_ = (header: string[], choice: ColumnChoice = {}) => {
  const planned = planColumns(header, choice);
  if ('error' in planned) throw new Error(planned.error);
  return planned;
};
const plan = (header: string[]) => plan_(header);

describe('planColumns', () => {
  it('finds the phone, id and zone columns by name, in any case, and keeps every other named column as an attribute', () => {
    expect(
      planColumns(['ID', ' PhoneNumber ', 'first_name', 'TimeZone', '', 'rejected_row', 'rejected_reason']),
    ).toEqual({
      width: 7,
      minCells: 7,
      phone: 1,
      id: 0,
      timeZone: 3,
      attributes: [[2, 'first_name']],
    });
    expect(plan(['phone_number', 'time_zone'])).toMatchObject({ phone: 0, timeZone: 1, attributes: [] });
    expect(plan(['Phone'])).toMatchObject({ phone: 0 });
    // The contact's US state for the calling rules: a us_state column; a plain `state` stays an attribute
    expect(plan(['phone', 'US_State', 'state'])).toMatchObject({ usState: 1, attributes: [[2, 'state']] });
  });

  it('recognises the usual names of a phone column in any case, spacing and punctuation', () => {
    for (const name of [
      'Phone Number',
      'PHONE-NUMBER',
      'Mobile',
      'Cell Phone',
      'Telephone',
      'tel.',
      'Phone No',
    ])
      expect({ name, phone: plan(['First Name', name]).phone }).toEqual({ name, phone: 1 });
    expect(plan(['Contact ID', 'Mobile Phone', 'Time Zone', 'ZIP Code', 'US State'])).toEqual({
      width: 5,
      minCells: 5,
      phone: 1,
      id: 0,
      timeZone: 2,
      postalCode: 3,
      usState: 4,
      attributes: [],
    });
    // A column only called "Number" may be anything (an order, a house): not taken for the phone.
    expect(planColumns(['Number', 'Name'])).toEqual({ error: expect.stringMatching(/no phone column/) });
  });

  it('takes the phone column the user names, matched as header names are, and names the columns when it is not there', () => {
    expect(plan_(['Name', 'Work', 'Home'], { phoneColumn: 'home' })).toMatchObject({
      phone: 2,
      attributes: [
        [0, 'Name'],
        [1, 'Work'],
      ],
    });
    // The chosen column wins over a usual name, which is then an attribute
    expect(plan_(['Phone', 'Direct Line'], { phoneColumn: 'direct_line' })).toMatchObject({
      phone: 1,
      attributes: [[0, 'Phone']],
    });
    expect(planColumns(['Name', 'Phone', 'rejected_row'], { phoneColumn: 'Mobile' })).toEqual({
      error: 'The file has no column "Mobile"; its columns are "Name", "Phone"',
    });
  });

  it('reads the header of a rejects file of a rejects file: its rejects columns, however many, are left out', () => {
    expect(
      plan(['rejected_row', 'rejected_reason', 'rejected_row', 'rejected_reason', 'phone', 'name']),
    ).toMatchObject({ phone: 4, attributes: [[5, 'name']] });
  });

  it('refuses a header with no phone column, without echoing its cells', () => {
    const planned = planColumns(['+12025550101', 'Ada']);
    expect(planned).toEqual({ error: expect.stringMatching(/^The file has no phone column/) });
    expect(JSON.stringify(planned)).not.toContain('2025550101');
  });

  it('refuses a column named twice, and more than 50 attribute columns', () => {
    expect(planColumns(['phone', 'Note', 'note'])).toEqual({
      error: 'The header names the column "note" twice',
    });
    const wide = ['phone', ...Array.from({ length: 51 }, (_, i) => `a${i}`)];
    expect(planColumns(wide)).toEqual({ error: 'The file has 51 attribute columns; at most 50 are kept' });
  });
});

describe('readContact', () => {
  const campaign = { defaultRegion: 'US', defaultTimeZone: 'America/New_York' };
  it('refuses a number with an extension, which a call cannot dial, and a premium-rate number', () => {
    for (const phoneNumber of ['+1 212 555 0130 ext. 12', '(212) 555-0130 x12', '212-555-0130 extension 7']) {
      expect({ phoneNumber, read: readContact({ phoneNumber }, campaign, () => 'n') }).toEqual({
        phoneNumber,
        read: { reason: 'phoneNumber has an extension, which a call cannot dial: give the direct number' },
      });
    }
    // +1 900 in North America; 09 in the United Kingdom; 0899 in France
    for (const phoneNumber of ['+1 900 555 0199', '+44 909 879 0000', '+33 8 99 12 34 56']) {
      expect({ phoneNumber, read: readContact({ phoneNumber }, campaign, () => 'n') }).toEqual({
        phoneNumber,
        read: { reason: 'phoneNumber is a premium-rate number (charged to the caller)' },
      });
    }
    // Toll-free and ordinary numbers of the same countries are read
    for (const phoneNumber of ['+1 800 555 0199', '+44 20 7946 0958', '+33 1 42 68 53 00']) {
      expect(readContact({ phoneNumber }, campaign, () => 'n')).toHaveProperty('row');
    }
  });

  it('keeps a US state given with a contact, in capitals, and refuses one that is not two letters', () => {
    expect(readContact({ phoneNumber: '2025550101', usState: 'tx' }, campaign, () => 'n')).toMatchObject({
      row: { phoneNumber: '+12025550101', usState: 'TX' },
    });
    expect(readContact({ phoneNumber: '2025550101', usState: 'Texas' }, campaign, () => 'n')).toEqual({
      reason: 'usState must be a US state as two letters (TX, FL, ...)',
    });
    expect(readContact({ phoneNumber: '2025550101' }, campaign, () => 'n')).not.toHaveProperty('row.usState');
  });
});

describe('rowToContact', () => {
  const columns = plan(['phone', 'id', 'time_zone', 'first_name', 'plan']);

  it('reads the cells by the plan, trimmed, leaving empty ones out, and undoes the rejects file escaping', () => {
    expect(rowToContact(["'+1 202 555 0101", ' c-1 ', '', 'Ada', ''], columns)).toEqual({
      phoneNumber: '+1 202 555 0101',
      id: 'c-1',
      attributes: { first_name: 'Ada' },
    });
    expect(rowToContact(['2025550101', '', '', '', ''], columns)).toEqual({ phoneNumber: '2025550101' });
  });

  it('refuses a row with no phone, or fewer or more cells than the header (a shifted row)', () => {
    expect(rowToContact(['', 'c-1', '', '', ''], columns)).toEqual({ reason: 'the phone cell is empty' });
    expect(rowToContact(['1', '2', '3', '4', '5', '6'], columns)).toEqual({
      reason: 'the row has 6 cells; the header names 5 columns',
    });
    expect(rowToContact(['2025550101', 'c-1', 'Ada'], columns)).toEqual({
      reason: 'the row has 3 cells; the header names 5 columns',
    });
    expect(rowToContact(['2025550101'], columns)).toEqual({
      reason: 'the row has 1 cell; the header names 5 columns',
    });
  });

  it('reads a row that stops before the header’s trailing unnamed columns', () => {
    const trailing = plan(['phone', 'name', '', '']);
    expect(trailing).toMatchObject({ width: 4, minCells: 2 });
    expect(rowToContact(['2025550101', 'Ada'], trailing)).toEqual({
      phoneNumber: '2025550101',
      attributes: { name: 'Ada' },
    });
  });

  it('refuses a row holding bytes that were not text in the file’s encoding', () => {
    expect(rowToContact(['2025550101', '', '', 'Jos\uFFFD', ''], columns)).toEqual({
      reason: "the row holds bytes that are not text in the file's encoding",
    });
  });
});

describe('readContact of an imported row', () => {
  const campaign = { defaultRegion: 'US', defaultTimeZone: 'America/Chicago' };
  const newId = () => 'generated';

  it('refuses an id the contacts table would refuse, and an attribute longer than 500 characters', () => {
    expect(readContact({ phoneNumber: '2025550101', id: 'has space' }, campaign, newId)).toEqual({
      reason: 'id must be 1 to 64 letters, digits, "_" or "-"',
    });
    expect(
      readContact({ phoneNumber: '2025550101', attributes: { note: 'x'.repeat(501) } }, campaign, newId),
    ).toEqual({ reason: 'an attribute is longer than 500 characters' });
  });

  it('keeps the first row of each id and number in a batch, and names the others', () => {
    const rows = [
      { n: 1, row: { id: 'a', phoneNumber: '+1' } },
      { n: 2, row: { id: 'b', phoneNumber: '+1' } },
      { n: 3, row: { id: 'a', phoneNumber: '+2' } },
      { n: 4, row: { id: 'c', phoneNumber: '+3' } },
    ].map(({ n, row }) => ({
      n,
      row: { ...row, timeZones: [], zoneSource: 'campaign' as const, attributes: {} },
    }));
    const { first, repeated } = firstOfEach(rows);
    expect(first.map((item) => item.n)).toEqual([1, 4]);
    expect(repeated.map((item) => item.n)).toEqual([2, 3]);
  });
});

describe('detectDelimiter', () => {
  it.each([
    ['phone,name', ','],
    ['phone;name;note', ';'],
    ['phone\tname\tnote', '\t'],
    ['"a,b"\tphone\tname', '\t'],
    ['"phone;number",name', ','],
    ['phone', ','],
    ['"a,b";c;d', ';'],
  ])('%j is separated by %j', (line, delimiter) => {
    expect(detectDelimiter(line)).toBe(delimiter);
  });
});
