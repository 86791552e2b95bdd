/**
 * Time zone names checked against the runtime's own IANA database. Apart from src/domain/candidateZones.ts, so that
 * code checking a campaign's zone does not load the place tables.
 */

/** Whether `zone` is an IANA time zone this runtime knows. */
export function isTimeZone(zone: string): boolean {
  let known = checkedZones.get(zone);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      known = true;
    } catch {
      known = false;
    }
    // Remembered: an import asks about the same few zones a million times. Bounded: callers may send any text.
    if (checkedZones.size < 10_000) checkedZones.set(zone, known);
  }
  return known;
}

const checkedZones = new Map<string, boolean>();
