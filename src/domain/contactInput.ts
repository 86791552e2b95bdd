/**
 * Reading one contact as a caller sent it (the API's JSON, or a row of an imported file): its number in E.164, read
 * in the campaign's region; what it says of where the contact is (a zone, a state, a postal code: kept as given, the
 * calling rules derive its zones from them, src/domain/candidateZones.ts); its attributes. Pure: a refused row gets a
 * reason, never an echo of the number.
 */

import { isPremiumRate, readNumber } from '../lib/phone.ts';
import { isTimeZone } from '../lib/timeZones.ts';
import { isPostalCode } from './candidateZones.ts';

/** Attributes travel with every call message: kept small. */
export const MAX_ATTRIBUTES_BYTES = 2048;
const MAX_ATTRIBUTE_LENGTH = 500;
/** As the contacts table's check: ids are safe in URLs and logs. */
const CONTACT_ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface ContactInput {
  phoneNumber: string;
  id?: string;
  timeZone?: string;
  /** The US state the contact lives in (two letters, any case). */
  usState?: string;
  /** Its US ZIP code or Canadian postal code. */
  postalCode?: string;
  attributes?: Record<string, string>;
}

export interface ContactRow {
  id: string;
  phoneNumber: string;
  /** The IANA zone given with it; absent when none was. */
  timeZone?: string;
  /** Upper case; absent when not given. */
  usState?: string;
  /** As given, trimmed and upper case; absent when not given. */
  postalCode?: string;
  attributes: Record<string, string>;
}

const US_STATE = /^[A-Za-z]{2}$/;

export type ContactRead = { row: ContactRow } | { reason: string };

export function readContact(
  input: ContactInput,
  campaign: { defaultRegion: string },
  newId: () => string,
): ContactRead {
  const number = readNumber(input.phoneNumber, campaign.defaultRegion);
  if (number === undefined) return { reason: 'phoneNumber is not a valid phone number' };
  // An automated call cannot dial an extension: the call would reach a switchboard, not the contact.
  if (number.extension !== undefined) {
    return { reason: 'phoneNumber has an extension, which a call cannot dial: give the direct number' };
  }
  if (isPremiumRate(number))
    return { reason: 'phoneNumber is a premium-rate number (charged to the caller)' };
  if (input.id !== undefined && !CONTACT_ID.test(input.id)) {
    return { reason: 'id must be 1 to 64 letters, digits, "_" or "-"' };
  }
  if (input.usState !== undefined && !US_STATE.test(input.usState)) {
    return { reason: 'usState must be a US state as two letters (TX, FL, ...)' };
  }
  // A stated place is evidence of where the contact may be: one that cannot be read is refused, never ignored.
  if (input.timeZone !== undefined && !isTimeZone(input.timeZone)) {
    return { reason: 'timeZone is not an IANA time zone (America/Chicago, ...)' };
  }
  if (input.postalCode !== undefined && !isPostalCode(input.postalCode)) {
    return {
      reason: 'postalCode must be a US ZIP code (12345 or 12345-6789) or a Canadian postal code (A1A 1A1)',
    };
  }
  const attributes = input.attributes ?? {};
  if (Object.values(attributes).some((value) => value.length > MAX_ATTRIBUTE_LENGTH)) {
    return { reason: `an attribute is longer than ${MAX_ATTRIBUTE_LENGTH} characters` };
  }
  if (Buffer.byteLength(JSON.stringify(attributes)) > MAX_ATTRIBUTES_BYTES) {
    return { reason: `attributes are larger than ${MAX_ATTRIBUTES_BYTES} bytes` };
  }
  return {
    row: {
      id: input.id ?? newId(),
      phoneNumber: number.e164,
      ...(input.timeZone ? { timeZone: input.timeZone } : {}),
      ...(input.usState ? { usState: input.usState.toUpperCase() } : {}),
      ...(input.postalCode ? { postalCode: input.postalCode.trim().toUpperCase() } : {}),
      attributes,
    },
  };
}

/**
 * The rows of one batch that are the first with their id and their number; the others repeat one of them (the
 * database would keep only one, and could not say which row it was).
 */
/** Why a row is not added: the campaign has its contact already, or an earlier row of the same batch has it. */
export const ALREADY_IN_CAMPAIGN_REASON = 'the campaign already has this number or id';
export const REPEATED_IN_BATCH_REASON = 'an earlier row has this number or id';

export function firstOfEach<T extends { row: ContactRow }>(
  rows: readonly T[],
): { first: T[]; repeated: T[] } {
  const ids = new Set<string>();
  const numbers = new Set<string>();
  const first: T[] = [];
  const repeated: T[] = [];
  for (const item of rows) {
    if (ids.has(item.row.id) || numbers.has(item.row.phoneNumber)) repeated.push(item);
    else {
      ids.add(item.row.id);
      numbers.add(item.row.phoneNumber);
      first.push(item);
    }
  }
  return { first, repeated };
}
