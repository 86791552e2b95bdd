/**
 * An oracle of the calling law written apart from the engine: its own tables (typed here from the sources, not read
 * from src/ or rules/) and its own reading of local time (Intl alone). It says whether a call at an instant was
 * lawful for a contact in every zone that contact may be in: its area code's zones, the zone given with it, every
 * zone of its stated state, its ZIP code's zone. It knows only the places the tests use, and throws for any other,
 * so a test cannot pass by the oracle knowing less than the engine.
 */

type Weekday = 'sun' | 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat';
/** Lawful local hours by weekday, [from, to) in minutes; a day absent: no calls. */
type Hours = Partial<Record<Weekday, [number, number]>>;

const h = (hour: number, minute = 0) => hour * 60 + minute;
const every = (from: number, to: number): Hours => ({
  sun: [from, to],
  mon: [from, to],
  tue: [from, to],
  wed: [from, to],
  thu: [from, to],
  fri: [from, to],
  sat: [from, to],
});
const exceptSunday = (from: number, to: number): Hours => {
  const { sun: _sunday, ...rest } = every(from, to);
  return rest;
};

/** Area codes the tests use: their state (or province) and every zone their numbers may be in. */
const AREA_CODES: Record<string, { place: string; zones: string[] }> = {
  '202': { place: 'US-DC', zones: ['America/New_York'] },
  '212': { place: 'US-NY', zones: ['America/New_York'] },
  '213': { place: 'US-CA', zones: ['America/Los_Angeles'] },
  '303': { place: 'US-CO', zones: ['America/Denver'] },
  '305': { place: 'US-FL', zones: ['America/New_York'] },
  '312': { place: 'US-IL', zones: ['America/Chicago'] },
  '410': { place: 'US-MD', zones: ['America/New_York'] },
  '415': { place: 'US-CA', zones: ['America/Los_Angeles'] },
  '416': { place: 'CA-ON', zones: ['America/Toronto'] },
  '504': { place: 'US-LA', zones: ['America/Chicago'] },
  '602': { place: 'US-AZ', zones: ['America/Phoenix'] },
  '605': { place: 'US-SD', zones: ['America/Chicago', 'America/Denver'] },
  '713': { place: 'US-TX', zones: ['America/Chicago'] },
  '808': { place: 'US-HI', zones: ['Pacific/Honolulu'] },
  // Tallahassee keeps Eastern time, Pensacola Central.
  '850': { place: 'US-FL', zones: ['America/New_York', 'America/Chicago'] },
  // Most of Arizona keeps standard time; the Navajo Nation keeps daylight saving time.
  '928': { place: 'US-AZ', zones: ['America/Phoenix', 'America/Denver'] },
};

/** Every zone of the states the tests state. */
const STATE_ZONES: Record<string, string[]> = {
  AZ: ['America/Phoenix', 'America/Denver'],
  FL: ['America/New_York', 'America/Chicago'],
  LA: ['America/Chicago'],
  NY: ['America/New_York'],
  TX: ['America/Chicago', 'America/Denver'],
};

/** ZIP codes the tests use: their state and zone. */
const ZIP_CODES: Record<string, { place: string; zone: string }> = {
  '32501': { place: 'US-FL', zone: 'America/Chicago' }, // Pensacola
  '79901': { place: 'US-TX', zone: 'America/Denver' }, // El Paso
  '70112': { place: 'US-LA', zone: 'America/Chicago' }, // New Orleans
  '10001': { place: 'US-NY', zone: 'America/New_York' },
};

/** The law's hours where a place's rules apply (47 CFR 64.1200; state acts; CRTC), typed from their sources. */
const FEDERAL = every(h(8), h(21));
const PLACE_HOURS: Record<string, Hours> = {
  'US-FL': every(h(8), h(20)),
  'US-MD': every(h(8), h(20)),
  'US-TX': { ...exceptSunday(h(9), h(21)), sun: [h(12), h(21)] },
  'US-LA': exceptSunday(h(8), h(20)),
  'CA-ON': {
    mon: [h(9), h(21, 30)],
    tue: [h(9), h(21, 30)],
    wed: [h(9), h(21, 30)],
    thu: [h(9), h(21, 30)],
    fri: [h(9), h(21, 30)],
    sat: [h(10), h(18)],
    sun: [h(10), h(18)],
  },
};

/** State holidays on which the place bars calls, for the years the tests run in (Louisiana: its legal holidays). */
const HOLIDAYS: Record<string, string[]> = {
  'US-LA': ['2027-01-01', '2027-01-18', '2027-02-09', '2027-02-15', '2027-03-26', '2027-05-31'],
};

export interface OracleContact {
  phoneNumber: string;
  timeZone?: string;
  usState?: string;
  postalCode?: string;
}

/** The places (zones, and states whose rules apply) the oracle derives for a contact. */
export function oraclePlaces(contact: OracleContact): { zones: Set<string>; places: Set<string> } {
  // London's numbers: one zone, no rules of their own (the default window, the federal rule's hours).
  if (contact.phoneNumber.startsWith('+4420')) {
    const zones = new Set(['Europe/London']);
    if (contact.timeZone) zones.add(contact.timeZone);
    return { zones, places: new Set(['GB']) };
  }
  if (!contact.phoneNumber.startsWith('+1'))
    throw new Error('the oracle knows North American and London numbers only');
  const areaCode = contact.phoneNumber.slice(2, 5);
  const known = AREA_CODES[areaCode];
  if (known === undefined) throw new Error(`the oracle does not know area code ${areaCode}: add it here`);
  const zones = new Set(known.zones);
  const places = new Set([known.place]);
  if (contact.timeZone) zones.add(contact.timeZone);
  if (contact.usState) {
    const stated = STATE_ZONES[contact.usState];
    if (stated === undefined) throw new Error(`the oracle does not know the zones of ${contact.usState}`);
    for (const zone of stated) zones.add(zone);
    places.add(`US-${contact.usState}`);
  }
  if (contact.postalCode) {
    const zip = ZIP_CODES[contact.postalCode];
    if (zip === undefined) throw new Error(`the oracle does not know ZIP ${contact.postalCode}`);
    zones.add(zip.zone);
    places.add(zip.place);
  }
  return { zones, places };
}

const formats = new Map<string, Intl.DateTimeFormat>();

function local(instant: Date, zone: string): { day: Weekday; date: string; minute: number } {
  let format = formats.get(zone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formats.set(zone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(instant).map((p) => [p.type, p.value]));
  return {
    day: String(parts.weekday).toLowerCase().slice(0, 3) as Weekday,
    date: `${parts.year}-${parts.month}-${parts.day}`,
    minute: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

const inside = (hours: Hours, day: Weekday, minute: number) => {
  const span = hours[day];
  return span !== undefined && minute >= span[0] && minute < span[1];
};

/**
 * Why a call at `instant` broke the law or the campaign's window in some zone the contact may be in; undefined when
 * it was lawful everywhere. `window`: the campaign's [from, to) in minutes, every day.
 */
export function oracleViolation(
  instant: Date,
  contact: OracleContact,
  window: [number, number],
): string | undefined {
  const { zones, places } = oraclePlaces(contact);
  const country = [...places].some((place) => place.startsWith('CA-')) ? 'CA' : 'US';
  for (const zone of zones) {
    const { day, date, minute } = local(instant, zone);
    if (minute < window[0] || minute >= window[1]) return `outside the campaign's window in ${zone}`;
    // The federal rule in the US; the same 08:00-21:00 where no rule of the table applies (its default window).
    if ((places.has('GB') || [...places].some((p) => p.startsWith('US-'))) && !inside(FEDERAL, day, minute))
      return `outside the federal hours in ${zone}`;
    for (const place of places) {
      const hours = PLACE_HOURS[place];
      if (hours !== undefined && !inside(hours, day, minute)) return `outside ${place}'s hours in ${zone}`;
      if (HOLIDAYS[place]?.includes(date)) return `on a ${place} holiday in ${zone}`;
    }
    if (country === 'CA' && !inside(PLACE_HOURS['CA-ON'] ?? {}, day, minute))
      return `outside the CRTC hours in ${zone}`;
  }
  return undefined;
}

/** Every case the audit found, twice over: the contacts the oracle runs use. */
const CASES: ReadonlyArray<OracleContact> = [
  { phoneNumber: '+1850555010' }, // Tallahassee and Pensacola: Eastern and Central
  { phoneNumber: '+1713555010' }, // Houston: Texas's Sunday noon
  { phoneNumber: '+1928555010' }, // Arizona with the Navajo Nation
  { phoneNumber: '+1605555010' }, // South Dakota: Central and Mountain
  { phoneNumber: '+1410555010', usState: 'AZ' }, // a Maryland number, stated to live in Arizona
  { phoneNumber: '+1305555010', timeZone: 'America/Los_Angeles' }, // a Miami number given Pacific time
  { phoneNumber: '+1212555010', postalCode: '32501' }, // a New York number with a Pensacola ZIP
  { phoneNumber: '+1713555011', postalCode: '79901' }, // a Houston number with an El Paso ZIP
  { phoneNumber: '+1416555010' }, // Toronto: the CRTC's weekday and weekend hours
  { phoneNumber: '+1504555010' }, // New Orleans: no Sundays, no Good Friday
  { phoneNumber: '+1212555012', usState: 'LA' }, // a New York number stated to live in Louisiana
  { phoneNumber: '+1808555010' }, // Honolulu
  { phoneNumber: '+1602555010' }, // Phoenix: no daylight saving
  { phoneNumber: '+4420794601' }, // London: the EU change
];

/** A prefix completed to a whole number with `n` (US numbers have 10 digits, London's 10 after +44). */
const numberOf = (prefix: string, n: number) =>
  `${prefix}${String(n).padStart((prefix.startsWith('+44') ? 13 : 12) - prefix.length, '0')}`;

export const ORACLE_CONTACTS: ReadonlyArray<OracleContact> = CASES.flatMap((c) =>
  [1, 2].map((n) => ({ ...c, phoneNumber: numberOf(c.phoneNumber, n) })),
);
