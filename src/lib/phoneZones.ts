/**
 * Where a contact may be: the time zone given with it if it is a real one; else the zones of its number (Google
 * libphonenumber's prefix data, src/generated/timeZonesByPrefix.json); else the campaign's default zone. A number
 * whose prefix spans several zones keeps them all: calling must then hold in every one.
 */
import timeZonesByPrefix from '../generated/timeZonesByPrefix.json' with { type: 'json' };
import { isTimeZone } from './timeZones.ts';

export type ZoneSource = 'given' | 'number' | 'campaign';

const BY_PREFIX = timeZonesByPrefix as Record<string, string[]>;
const LONGEST_PREFIX = Math.max(...Object.keys(BY_PREFIX).map((prefix) => prefix.length));

/**
 * The zones of an E.164 number by its longest known prefix. A country code alone says nothing when the country
 * spans several zones (+1: all of North America), so that answers none.
 */
export function zonesOfNumber(e164: string, countryCallingCode: string): string[] | undefined {
  const digits = e164.replace(/^\+/, '');
  for (let length = Math.min(digits.length, LONGEST_PREFIX); length > 0; length -= 1) {
    const zones = BY_PREFIX[digits.slice(0, length)];
    if (zones === undefined) continue;
    if (length <= countryCallingCode.length && zones.length > 1) return undefined;
    return zones.filter(isTimeZone);
  }
  return undefined;
}

/** A contact's zones and where they came from. */
export function contactZones(
  e164: string,
  countryCallingCode: string,
  given: string | undefined,
  campaignDefault: string,
): { zones: string[]; source: ZoneSource } {
  if (given !== undefined && isTimeZone(given)) return { zones: [given], source: 'given' };
  const ofNumber = zonesOfNumber(e164, countryCallingCode);
  if (ofNumber !== undefined && ofNumber.length > 0) return { zones: ofNumber, source: 'number' };
  return { zones: [campaignDefault], source: 'campaign' };
}
