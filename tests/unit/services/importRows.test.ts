import { describe, expect, it } from '@jest/globals';
import { firstOfEach, readContact } from '../../../src/services/contactInput.ts';
import { detectDelimiter, planColumns, rowToContact } from '../../../src/services/importRows.ts';

const plan = (header: string[]) => {
  const planned = planColumns(header);
  if ('error' in planned) throw new Error(planned.error);
  return planned;
};

describe('planColumns', () => {
  it('finds the phone, id and zone columns by name, in any case, and keeps every other named column as an attribute', () => {
    expect(
      planColumns(['ID', ' PhoneNumber ', 'first_name', 'TimeZone', '', 'rejected_row', 'rejected_reason']),
    ).toEqual({
      width: 7,
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
    expect(rowToContact(['2025550101'], columns)).toEqual({ phoneNumber: '2025550101' });
  });

  it('refuses a row with no phone, or more cells than the header', () => {
    expect(rowToContact(['', 'c-1'], columns)).toEqual({ reason: 'the phone cell is empty' });
    expect(rowToContact(['1', '2', '3', '4', '5', '6'], columns)).toEqual({
      reason: 'the row has 6 cells; the header names 5 columns',
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
