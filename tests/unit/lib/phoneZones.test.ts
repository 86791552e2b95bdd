import { describe, expect, it } from '@jest/globals';
import { contactZones, zonesOfNumber } from '../../../src/lib/phoneZones.ts';

describe('contact time zones', () => {
  it.each([
    ['+12025550143', '1', ['America/New_York']],
    ['+13125550143', '1', ['America/Chicago']],
    ['+18085550143', '1', ['Pacific/Honolulu']],
    ['+33612345678', '33', ['Europe/Paris']],
    // The data names Nepal's zone by its older IANA name, which the runtime and PostgreSQL both know.
    ['+9779812345678', '977', ['Asia/Katmandu']],
  ])('finds the zone of %s by its prefix', (number, country, zones) => {
    expect(zonesOfNumber(number, country)).toEqual(zones);
  });

  it('keeps every zone of a prefix that spans several that the runtime knows, and none for a bare country code', () => {
    // The data also names Europe/Jersey, which this runtime's time-zone database does not have.
    expect(zonesOfNumber('+447700123456', '44')).toEqual([
      'Europe/Guernsey',
      'Europe/Isle_of_Man',
      'Europe/London',
    ]);
    expect(zonesOfNumber('+19995550143', '1')).toBeUndefined();
  });

  it('takes a given zone first, then the number’s, then the campaign’s default', () => {
    expect(contactZones('+12025550143', '1', 'America/Denver', 'Europe/Paris')).toEqual({
      zones: ['America/Denver'],
      source: 'given',
    });
    expect(contactZones('+12025550143', '1', 'Not/AZone', 'Europe/Paris')).toEqual({
      zones: ['America/New_York'],
      source: 'number',
    });
    expect(contactZones('+19995550143', '1', undefined, 'Europe/Paris')).toEqual({
      zones: ['Europe/Paris'],
      source: 'campaign',
    });
  });
});
