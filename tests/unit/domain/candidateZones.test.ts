/**
 * Where a contact may be: every source adds zones, none replaces another. The expected zones are written out here
 * from the places' own geography (which side of a zone line each part of an area code or state is on).
 */
import { describe, expect, it } from '@jest/globals';
import areaCodeSecondSource from 'areacodes/lib/data.json' with { type: 'json' };
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import split from '../../../rules/split-area-codes.json' with { type: 'json' };
import {
  areaCodeTable,
  candidateZones,
  isPostalCode,
  postalPlace,
} from '../../../src/domain/candidateZones.ts';

const zonesOf = (place: Parameters<typeof candidateZones>[0]) => candidateZones(place).zones;

describe('candidateZones', () => {
  it('gives a Houston number Texas, though the numbering data has no three-digit entry for 713', () => {
    expect(candidateZones({ phoneNumber: '+17135550100' })).toMatchObject({
      zones: ['America/Chicago'],
      countries: ['US'],
      regions: ['US-TX'],
    });
  });

  it('gives a split area code every zone it covers: Pensacola and Tallahassee, the Navajo Nation and Phoenix', () => {
    expect(zonesOf({ phoneNumber: '+18505550100' })).toEqual(['America/Chicago', 'America/New_York']);
    expect(zonesOf({ phoneNumber: '+19285550100' })).toEqual(
      expect.arrayContaining(['America/Denver', 'America/Phoenix']),
    );
  });

  it('adds a stated state’s zones to the number’s: Arizona on a Maryland number', () => {
    const place = candidateZones({ phoneNumber: '+14105550100', usState: 'AZ' });
    expect(place.zones).toEqual(
      expect.arrayContaining(['America/New_York', 'America/Phoenix', 'America/Denver']),
    );
    expect(place.regions).toEqual(['US-AZ', 'US-MD']);
    expect(place.sources['America/Phoenix']).toEqual(['state']);
  });

  it('adds a given zone to the number’s, never instead of them: Sydney on a Miami number', () => {
    const place = candidateZones({ phoneNumber: '+13055550100', timeZone: 'Australia/Sydney' });
    expect(place.zones).toEqual(['America/New_York', 'Australia/Sydney']);
    expect(place.sources).toEqual({
      'America/New_York': expect.arrayContaining(['area_code']),
      'Australia/Sydney': ['given'],
    });
  });

  it('adds a ZIP code’s zone and state: a New York number with a Pensacola ZIP; a Canadian postal code', () => {
    const place = candidateZones({ phoneNumber: '+12125550100', postalCode: '32501' });
    expect(place.zones).toEqual(['America/Chicago', 'America/New_York']);
    expect(place.regions).toEqual(['US-FL', 'US-NY']);
    expect(postalPlace('M5V 3L9')).toEqual({ zones: ['America/Toronto'], region: 'CA-ON' });
    expect(isPostalCode('12345-6789')).toBe(true);
    expect(isPostalCode('Texas')).toBe(false);
  });

  it('finds no zone for a toll-free number given nothing else: such a contact is never called', () => {
    expect(candidateZones({ phoneNumber: '+18005550100' }).zones).toEqual([]);
  });
});

describe('the area code table', () => {
  const table = areaCodeTable();

  it('agrees with a second source (the areacodes package) on the state of every US area code both know', () => {
    const second = areaCodeSecondSource as Record<string, { type?: string; stateCode?: string | null }>;
    const disagree = Object.entries(second).filter(([code, entry]) => {
      const ours = table[code];
      return entry.stateCode && ours?.country === 'US' && !ours.regions.includes(`US-${entry.stateCode}`);
    });
    expect(disagree.map(([code]) => code)).toEqual([]);
    // Every area code in service (numbers of it are valid) that it places in a state is in the table; codes only
    // planned (278, 627, 679) are not in service, American Samoa (684) is a country of its own.
    const inService = (code: string) =>
      ['2345678', '5550199', '3456789'].some(
        (rest) =>
          parsePhoneNumberFromString(`+1${code}${rest}`)?.isValid() &&
          parsePhoneNumberFromString(`+1${code}${rest}`)?.country === 'US',
      );
    const missing = Object.entries(second).filter(
      ([code, entry]) =>
        entry.type === 'local' && entry.stateCode && inService(code) && table[code] === undefined,
    );
    expect(missing.map(([code]) => code)).toEqual([]);
  });

  it('holds every zone of the vetted split area codes, and a state for every US area code', () => {
    for (const [code, entry] of Object.entries(split.areaCodes))
      expect({ code, zones: table[code]?.zones }).toEqual({
        code,
        zones: expect.arrayContaining(entry.zones),
      });
    const stateless = Object.entries(table).filter(
      ([, entry]) => entry.country === 'US' && !entry.regions.some((r) => r.startsWith('US-')),
    );
    expect(stateless).toEqual([]);
  });
});
