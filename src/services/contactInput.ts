/**
 * Reading one contact as a caller sent it (the API's JSON, or a row of an imported file): its number in E.164, read
 * in the campaign's region; its zones and where they came from; its attributes. Pure: a refused row gets a reason,
 * never an echo of the number.
 */
import { readNumber } from '../lib/phone.ts';
import { contactZones, type ZoneSource } from '../lib/phoneZones.ts';

/** Attributes travel with every call message: kept small. */
export const MAX_ATTRIBUTES_BYTES = 2048;

export interface ContactInput {
  phoneNumber: string;
  id?: string;
  timeZone?: string;
  attributes?: Record<string, string>;
}

export interface ContactRow {
  id: string;
  phoneNumber: string;
  timeZones: string[];
  zoneSource: ZoneSource;
  attributes: Record<string, string>;
}

export type ContactRead = { row: ContactRow } | { reason: string };

export function readContact(
  input: ContactInput,
  campaign: { defaultRegion: string; defaultTimeZone: string },
  newId: () => string,
): ContactRead {
  const number = readNumber(input.phoneNumber, campaign.defaultRegion);
  if (number === undefined) return { reason: 'phoneNumber is not a valid phone number' };
  const attributes = input.attributes ?? {};
  if (Buffer.byteLength(JSON.stringify(attributes)) > MAX_ATTRIBUTES_BYTES) {
    return { reason: `attributes are larger than ${MAX_ATTRIBUTES_BYTES} bytes` };
  }
  const { zones, source } = contactZones(
    number.e164,
    number.countryCallingCode,
    input.timeZone,
    campaign.defaultTimeZone,
  );
  return {
    row: {
      id: input.id ?? newId(),
      phoneNumber: number.e164,
      timeZones: zones,
      zoneSource: source,
      attributes,
    },
  };
}
