/**
 * Where a contact may be (pure): every time zone it may be in, with where each came from, and every country and
 * state or province whose rules apply to it. Numbers are portable and people move, so every source of a place adds
 * to the candidates and none replaces another:
 * - its number: for North America every zone its area code covers (`area_code`, src/generated/areaCodes.ts:
 *   Google libphonenumber's prefix data under the code, the zones of the places it serves, the vetted split area
 *   codes of rules/); elsewhere Google's prefix data (`number`);
 * - the zone given with it (`given`);
 * - every zone of its stated US state (`state`);
 * - its postal code's zones (`postal_code`: US ZIP codes, Canadian forward sortation areas).
 * A contact with no zone at all is never called. The campaign's default zone is not a source: it only reads numbers
 * written without a country code. This is the one function the scheduler, the claim, the preview and the compliance
 * record use; its tables are read from the bundle, so a deploy with newer data applies to every stored contact.
 */
import areaCodeText from '../generated/areaCodes.ts';
import postalText from '../generated/postalCodes.ts';
import regionText from '../generated/regionZones.ts';
import prefixText from '../generated/timeZonesByPrefix.ts';
import { jsonTable } from '../lib/jsonTable.ts';
import { parseNumber } from '../lib/phone.ts';
import { isTimeZone } from '../lib/timeZones.ts';

export type ZoneSource = 'number' | 'area_code' | 'given' | 'state' | 'postal_code';

/** What is known of where a contact is: its number (E.164) and what was stated with it. */
export interface ContactPlace {
  phoneNumber: string;
  timeZone?: string | null;
  /** USPS code, upper case. */
  usState?: string | null;
  /** A US ZIP code (5 digits, or ZIP+4) or a Canadian postal code. */
  postalCode?: string | null;
}

export interface CandidateZones {
  /** Every zone the contact may be in, sorted. Empty: no zone could be determined (never called). */
  zones: string[];
  /** Where each zone came from. */
  sources: Record<string, ZoneSource[]>;
  /** Every country it may be in (ISO 3166-1), sorted. */
  countries: string[];
  /** Every state or province it may be in (ISO 3166-2: "US-FL", "CA-ON"), sorted. */
  regions: string[];
}

export interface AreaCode {
  country: string;
  /** Its US states and Canadian provinces ("US-FL"). */
  regions: string[];
  zones: string[];
}
/** The North American area codes (scripts/places.ts). */
export const areaCodeTable = jsonTable<Record<string, AreaCode>>(areaCodeText);
const regionZones = jsonTable<Record<string, string[]>>(regionText);
const prefixZoneTable = jsonTable<Record<string, string[]>>(prefixText);
const postalTable = jsonTable<{
  zoneSets: string[][];
  us: Array<[number, number, number, string]>;
  ca: Record<string, [number, string]>;
}>(postalText);
/** Google's prefix data has no key longer than this. */
const LONGEST_PREFIX = 9;

const US_ZIP = /^(\d{5})(?:-?\d{4})?$/;
const CA_POSTAL = /^([A-Za-z]\d[A-Za-z])(?: ?\d[A-Za-z]\d)?$/;

/** Whether `code` is written as a US ZIP code or a Canadian postal code (it may still be unknown to the tables). */
export function isPostalCode(code: string): boolean {
  return US_ZIP.test(code.trim()) || CA_POSTAL.test(code.trim());
}

/** A postal code's zones and region; undefined when the tables do not know it. */
export function postalPlace(code: string): { zones: string[]; region: string } | undefined {
  const trimmed = code.trim();
  const zip = US_ZIP.exec(trimmed)?.[1];
  if (zip !== undefined) {
    const value = Number(zip);
    // The ranges are sorted and disjoint: a binary search for the last one starting at or before the code.
    const postal = postalTable();
    let low = 0;
    let high = postal.us.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const range = postal.us[middle];
      if (range === undefined) break;
      if (range[0] > value) high = middle - 1;
      else if (range[1] < value) low = middle + 1;
      else return { zones: postal.zoneSets[range[2]] ?? [], region: range[3] };
    }
    return undefined;
  }
  const area = CA_POSTAL.exec(trimmed)?.[1]?.toUpperCase();
  const postal = postalTable();
  const found = area === undefined ? undefined : postal.ca[area];
  return found === undefined ? undefined : { zones: postal.zoneSets[found[0]] ?? [], region: found[1] };
}

/** The zones Google's prefix data gives a number outside North America, by its longest known prefix. */
function prefixZones(digits: string): string[] {
  const table = prefixZoneTable();
  for (let length = Math.min(digits.length, LONGEST_PREFIX); length > 0; length -= 1) {
    const zones = table[digits.slice(0, length)];
    // A country spanning several zones with no longer entry: the number may be in any of them.
    if (zones !== undefined) return zones;
  }
  return [];
}

const countryCache = new Map<string, string | undefined>();

/**
 * The country of a number outside North America, parsed once per first six digits: countries sharing a calling code
 * are told apart within them (+44 7781 Guernsey, +44 7624 the Isle of Man; +7 7 Kazakhstan).
 */
function countryOf(e164: string): string | undefined {
  const key = e164.slice(0, 7);
  if (!countryCache.has(key)) countryCache.set(key, parseNumber(e164)?.country);
  return countryCache.get(key);
}

/** Where a contact may be: the union of every source (see the file's comment). */
export function candidateZones(place: ContactPlace): CandidateZones {
  const sources = new Map<string, Set<ZoneSource>>();
  const countries = new Set<string>();
  const regions = new Set<string>();
  const add = (zones: readonly string[], source: ZoneSource) => {
    for (const zone of zones) {
      if (!isTimeZone(zone)) continue;
      const from = sources.get(zone) ?? new Set<ZoneSource>();
      from.add(source);
      sources.set(zone, from);
    }
  };

  const digits = place.phoneNumber.replace(/^\+/, '');
  if (digits.startsWith('1')) {
    // North America: the country code names 25 countries and every zone of them; the area code says which.
    const areaCode = areaCodeTable()[digits.slice(1, 4)];
    if (areaCode !== undefined) {
      countries.add(areaCode.country);
      for (const region of areaCode.regions) regions.add(region);
      add(areaCode.zones, 'area_code');
    }
  } else {
    const country = countryOf(place.phoneNumber);
    if (country !== undefined) countries.add(country);
    add(prefixZones(digits), 'number');
  }
  if (place.timeZone) add([place.timeZone], 'given');
  if (place.usState) {
    const region = `US-${place.usState.toUpperCase()}`;
    countries.add('US');
    regions.add(region);
    add(regionZones()[region] ?? [], 'state');
  }
  if (place.postalCode) {
    const postal = postalPlace(place.postalCode);
    if (postal !== undefined) {
      countries.add(postal.region.slice(0, 2));
      regions.add(postal.region);
      add(postal.zones, 'postal_code');
    }
  }
  const zones = [...sources.keys()].sort();
  return {
    zones,
    sources: Object.fromEntries(zones.map((zone) => [zone, [...(sources.get(zone) ?? [])]])),
    countries: [...countries].sort(),
    regions: [...regions].sort(),
  };
}
