/** Reading one contact as a caller sent it, and the first of each id and number in a batch. */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { firstOfEach, MAX_ATTRIBUTES_BYTES, readContact } from '../../../src/domain/contactInput.ts';

const campaign = { defaultRegion: 'US' };
const newId = () => 'generated';

describe('readContact', () => {
  it('reads a number in any usual form into E.164, keeps the facts of where the contact is, and makes an id', () => {
    expect(
      readContact(
        { phoneNumber: '(202) 555-0101', timeZone: 'America/Chicago', usState: 'tx', postalCode: ' 73301 ' },
        campaign,
        newId,
      ),
    ).toEqual({
      row: {
        id: 'generated',
        phoneNumber: '+12025550101',
        timeZone: 'America/Chicago',
        usState: 'TX',
        postalCode: '73301',
        attributes: {},
      },
    });
    // A number with its country code is read as it is, whatever the campaign's region
    expect(readContact({ phoneNumber: '+44 20 7946 0958', id: 'c-1' }, campaign, newId)).toMatchObject({
      row: { id: 'c-1', phoneNumber: '+442079460958' },
    });
  });

  it('refuses, with a reason and without the number, what it cannot read', () => {
    const cases: Array<[Parameters<typeof readContact>[0], string]> = [
      [{ phoneNumber: '12' }, 'phoneNumber is not a valid phone number'],
      [
        { phoneNumber: '2025550101', timeZone: 'Mars/Olympus' },
        'timeZone is not an IANA time zone (America/Chicago, ...)',
      ],
      [
        { phoneNumber: '2025550101', postalCode: 'ABCDE' },
        'postalCode must be a US ZIP code (12345 or 12345-6789) or a Canadian postal code (A1A 1A1)',
      ],
      [
        { phoneNumber: '2025550101', usState: 'Texas' },
        'usState must be a US state as two letters (TX, FL, ...)',
      ],
      [{ phoneNumber: '2025550101', id: 'a/b' }, 'id must be 1 to 64 letters, digits, "_" or "-"'],
    ];
    for (const [input, reason] of cases) {
      const read = readContact(input, campaign, newId);
      expect(read).toEqual({ reason });
      expect(JSON.stringify(read)).not.toContain('555');
    }
  });

  it('keeps attributes of up to 2 KB, and refuses more', () => {
    const fits = { note: 'x'.repeat(400), more: 'y'.repeat(400) };
    expect(readContact({ phoneNumber: '2025550101', attributes: fits }, campaign, newId)).toMatchObject({
      row: { attributes: fits },
    });
    const over = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`a${i}`, 'z'.repeat(400)]));
    expect(readContact({ phoneNumber: '2025550101', attributes: over }, campaign, newId)).toEqual({
      reason: `attributes are larger than ${MAX_ATTRIBUTES_BYTES} bytes`,
    });
  });

  it('answers any input with a row or a reason, never throws, and never stores a number that is not E.164', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            phoneNumber: fc.oneof(fc.string(), fc.stringMatching(/^\+?[0-9 ()-]{4,18}$/)),
            id: fc.string(),
            timeZone: fc.constantFrom('America/New_York', 'Europe/London', 'Nowhere/Else', ''),
            usState: fc.string({ maxLength: 3 }),
            postalCode: fc.string({ maxLength: 8 }),
          },
          { requiredKeys: ['phoneNumber'] },
        ),
        (input) => {
          const read = readContact(input, campaign, newId);
          if ('row' in read) expect(read.row.phoneNumber).toMatch(/^\+[1-9]\d{6,14}$/);
          else expect(read.reason).toEqual(expect.any(String));
        },
      ),
    );
  });
});

describe('firstOfEach', () => {
  it('keeps the first row of each id and of each number; the rest repeat one of them', () => {
    const row = (id: string, phoneNumber: string) => ({ row: { id, phoneNumber, attributes: {} } });
    const { first, repeated } = firstOfEach([row('a', '+1'), row('b', '+1'), row('a', '+2'), row('c', '+3')]);
    expect(first.map((item) => item.row.id)).toEqual(['a', 'c']);
    expect(repeated.map((item) => item.row.id)).toEqual(['b', 'a']);
  });
});
