/**
 * Phone numbers: E.164 inside the system, and a keyed hash wherever a number would otherwise be shown
 * (trace annotations, metadata, log lines). The hash is stable for one key, so an operator who knows a number
 * can compute its hash (`npm run phone-hash -- <number>`) and find its traces; without the key it reveals nothing.
 */
import { createHmac } from 'node:crypto';
import {
  type CountryCode,
  type MetadataJson,
  type PhoneNumber,
  parsePhoneNumberFromString,
} from 'libphonenumber-js/core';
import phoneMetadataText from '../generated/phoneMetadata.ts';
import premiumRatesText from '../generated/premiumRates.ts';
import { ValidationError } from './errors.ts';
import { jsonTable } from './jsonTable.ts';

const premiumRates = jsonTable<Record<string, string>>(premiumRatesText);
// libphonenumber-js's small ("min") metadata, as JSON text parsed on first use (src/generated/phoneMetadata.ts): the
// package's `min` entry holds the same data as an object literal, which cost each function about 4 ms of its load.
const metadata = jsonTable<MetadataJson>(phoneMetadataText);

/** `input` parsed with the small metadata, read in `defaultRegion` when it has no country code; not yet validated. */
export function parseNumber(input: string, defaultRegion?: string): PhoneNumber | undefined {
  return defaultRegion === undefined
    ? parsePhoneNumberFromString(input, metadata())
    : parsePhoneNumberFromString(input, defaultRegion as CountryCode, metadata());
}
const premiumPatterns = new Map<string, RegExp>();

export type E164 = string & { readonly __brand: 'E164' };

/**
 * Returns the E.164 form of `input`, read in `defaultRegion` when it has no country code.
 * Throws a ValidationError (without echoing the input) when it is not a valid number.
 */
export function toE164(input: string, defaultRegion?: string): E164 {
  const number = readNumber(input, defaultRegion);
  if (number === undefined) throw new ValidationError('phoneNumber is not a valid phone number');
  return number.e164;
}

/** The keyed hash that stands for a number outside the data stores: 16 hex characters of HMAC-SHA256. */
export function phoneHash(e164: string, key: string): string {
  return createHmac('sha256', key).update(e164).digest('hex').slice(0, 16);
}

export interface ReadNumber {
  e164: E164;
  countryCallingCode: string;
  /** The extension written after the number (`ext. 12`, `x12`): not part of E.164, and not dialled. */
  extension?: string;
  /** The country the number belongs to, when its prefix says (`isPremiumRate` reads it). */
  country?: string;
  nationalNumber: string;
}

/** A number as a caller wrote it, read in `defaultRegion`: its E.164 form and what else it says; undefined if not valid. */
export function readNumber(input: string, defaultRegion: string | undefined): ReadNumber | undefined {
  const parsed = parseNumber(input, defaultRegion);
  // A parse can succeed on a number that cannot exist ("12" in US): only isValid() tells.
  if (!parsed?.isValid()) return undefined;
  return {
    e164: parsed.number as E164,
    countryCallingCode: parsed.countryCallingCode,
    ...(parsed.ext ? { extension: parsed.ext } : {}),
    ...(parsed.country ? { country: parsed.country } : {}),
    nationalNumber: parsed.nationalNumber,
  };
}

/**
 * A premium-rate number (charged to the caller), by Google libphonenumber's data (scripts/premiumRates.ts). Asked
 * where contacts are read only: the dialer's numbers were read so before, and it does not load the table.
 */
export function isPremiumRate({
  country,
  nationalNumber,
}: Pick<ReadNumber, 'country' | 'nationalNumber'>): boolean {
  if (country === undefined) return false;
  const source = premiumRates()[country];
  if (source === undefined) return false;
  let pattern = premiumPatterns.get(country);
  if (pattern === undefined) {
    pattern = new RegExp(`^(?:${source})$`);
    premiumPatterns.set(country, pattern);
  }
  return pattern.test(nationalNumber);
}
