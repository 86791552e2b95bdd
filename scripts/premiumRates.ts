/**
 * src/generated/premiumRates.ts (written by `npm run schemas`): the national-number patterns of premium-rate numbers
 * (charged to the caller: +1 900, UK 09, France 089, ...) of every country, from Google libphonenumber's metadata as
 * the npm package libphonenumber-js ships it in full ("max"). The functions validate numbers with its small ("min")
 * metadata, which has no number types: this table holds the one type they refuse, at about a tenth of the full data.
 */
import { createRequire } from 'node:module';
import { Metadata, type MetadataJson } from 'libphonenumber-js/core';

/** `{ "US": "900[2-9]\\d{6}", ... }`, countries sorted, as it is written. */
export function premiumRatesJson(): string {
  const full = createRequire(import.meta.url)('libphonenumber-js/metadata.max.json') as MetadataJson;
  const metadata = new Metadata(full);
  const entries: Array<[string, string]> = [];
  for (const country of Object.keys(full.countries).sort()) {
    metadata.selectNumberingPlan(country as never);
    // The typings leave out the numbering plan's types, which the full metadata has.
    const plan = metadata.numberingPlan as unknown as {
      type(name: string): { pattern(): string } | undefined;
    };
    const pattern = plan?.type('PREMIUM_RATE')?.pattern();
    if (pattern) entries.push([country, pattern]);
  }
  return `${JSON.stringify(Object.fromEntries(entries))}\n`;
}
