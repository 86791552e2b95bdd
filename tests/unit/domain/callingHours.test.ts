/**
 * Legal calling hours across time zones and daylight-saving changes, with the instant given (no clock). The expected
 * hours of each contact are written out here, by hand from the rules' sources, not read from the engine.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import {
  CALLING_HOURS,
  type CallingRulesFor,
  type CallingWindow,
  callableAt,
  contactHours,
  localTime,
  nextCallable,
  rulesFor,
  type Weekday,
  zonedInstant,
} from '../../../src/domain/callingHours.ts';
import { candidateZones } from '../../../src/domain/candidateZones.ts';
import validateCallingHours from '../../../src/generated/callingHours.validate.cjs';

const EVERY_DAY: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const CAMPAIGN: CallingWindow = {
  start: '09:00',
  end: '20:30',
  days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
};
const MARGIN = 10;

/** The rules for a number as the scheduler and dialer will build them. */
function rulesOf(e164: string, given?: { timeZone?: string; state?: string }): CallingRulesFor {
  return contactHours(
    { phoneNumber: e164, timeZone: given?.timeZone ?? null, usState: given?.state ?? null },
    { callingWindow: CAMPAIGN },
    CALLING_HOURS,
    MARGIN,
  );
}

/** Expected legal hours by local weekday, [start, end) in minutes: written out from the sources. */
type Hours = Partial<Record<Weekday, [number, number]>>;
const h = (hour: number, minute = 0) => hour * 60 + minute;
const allDays = (start: number, end: number): Hours =>
  Object.fromEntries(EVERY_DAY.map((day) => [day, [start, end]])) as Hours;
const FEDERAL = allDays(h(8), h(21));
const EIGHT_TO_EIGHT = allDays(h(8), h(20));
const TEXAS: Hours = { ...allDays(h(9), h(21)), sun: [h(12), h(21)] };

const CONTACTS: Array<{
  name: string;
  e164: string;
  given?: { timeZone?: string };
  zones: string[];
  legal: Hours;
}> = [
  { name: 'New York', e164: '+12125550101', zones: ['America/New_York'], legal: FEDERAL },
  { name: 'Chicago', e164: '+13125550101', zones: ['America/Chicago'], legal: FEDERAL },
  { name: 'Los Angeles', e164: '+12135550101', zones: ['America/Los_Angeles'], legal: FEDERAL },
  { name: 'Phoenix (no DST)', e164: '+16025550101', zones: ['America/Phoenix'], legal: FEDERAL },
  { name: 'Honolulu', e164: '+18085550101', zones: ['Pacific/Honolulu'], legal: FEDERAL },
  {
    name: 'Miami (Florida: 8 to 8)',
    e164: '+13055550101',
    zones: ['America/New_York'],
    legal: EIGHT_TO_EIGHT,
  },
  {
    name: 'San Antonio (Texas: Sunday from noon)',
    e164: '+12105550101',
    zones: ['America/Chicago'],
    legal: TEXAS,
  },
  {
    name: 'South Dakota (split area code: Central east, Mountain west)',
    e164: '+16055550101',
    zones: ['America/Chicago', 'America/Denver', 'America/North_Dakota/Center'],
    legal: FEDERAL,
  },
  { name: 'London', e164: '+442079460101', zones: ['Europe/London'], legal: FEDERAL },
  // libphonenumber's data names the zone by its older name, an alias of Asia/Kathmandu in the tz database.
  { name: 'Kathmandu (+05:45)', e164: '+97714211234', zones: ['Asia/Katmandu'], legal: FEDERAL },
  {
    // Given with the contact, the zone is added to the number's (Google's data gives +61 2 Sydney only).
    name: 'Lord Howe (30-minute DST) on a Sydney number',
    e164: '+61255550101',
    given: { timeZone: 'Australia/Lord_Howe' },
    zones: ['Australia/Lord_Howe', 'Australia/Sydney'],
    legal: FEDERAL,
  },
];

const independent = new Map<string, Intl.DateTimeFormat>();

/** Local weekday and minute in `zone`, read with a formatter of its own (not the engine's). */
function independentLocal(instant: Date, zone: string): { day: Weekday; minute: number } {
  let format = independent.get(zone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    independent.set(zone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(instant).map((part) => [part.type, part.value]));
  const day = String(parts.weekday).toLowerCase().slice(0, 3) as Weekday;
  return { day, minute: Number(parts.hour) * 60 + Number(parts.minute) };
}

/** Whether a call at `instant` is inside the contact's written-out hours and the campaign's, in every zone. */
function lawful(instant: Date, zones: readonly string[], legal: Hours): boolean {
  return zones.every((zone) => {
    const { day, minute } = independentLocal(instant, zone);
    const hours = legal[day];
    return (
      hours !== undefined &&
      minute >= Math.max(hours[0], h(9)) &&
      minute + MARGIN < Math.min(hours[1], h(20, 30))
    );
  });
}

/** Every 5 minutes over the three days around each daylight-saving change of 2026 (US, EU, Lord Howe). */
const SPANS = ['2026-03-07', '2026-03-28', '2026-04-04', '2026-10-03', '2026-10-24', '2026-10-31'].map(
  (day) => Date.parse(`${day}T00:00:00Z`),
);
const instants = SPANS.flatMap((start) =>
  Array.from({ length: (3 * 24 * 60) / 5 }, (_, i) => new Date(start + i * 5 * 60_000)),
);

describe('the rules table', () => {
  it('matches its schema, and every rule cites its source and how it was checked', () => {
    expect(validateCallingHours(CALLING_HOURS)).toBe(true);
    for (const rule of CALLING_HOURS.rules) {
      expect(rule.source.length).toBeGreaterThan(10);
      expect(rule.checked).toMatch(/^\d{4}-\d{2}-\d{2}/);
    }
  });

  it('is listed whole, rule by rule, in rules/README.md', () => {
    const listing = readFileSync(new URL('../../../rules/README.md', import.meta.url), 'utf8');
    const missing = CALLING_HOURS.rules.filter((rule) => !listing.includes(`| \`${rule.id}\``));
    expect(missing.map((rule) => rule.id)).toEqual([]);
  });

  it('applies the federal rule and the state of the area code, of the contact and of its ZIP; the default elsewhere', () => {
    const ids = (e164: string, usState?: string, postalCode?: string) =>
      rulesFor(CALLING_HOURS, candidateZones({ phoneNumber: e164, usState, postalCode })).rules.map(
        (rule) => rule.id,
      );
    expect(ids('+13055550101')).toEqual(['us-federal', 'us-fl']);
    expect(ids('+17135550100')).toEqual(['us-federal', 'us-tx']);
    expect(ids('+12125550101', 'TX')).toEqual(['us-federal', 'us-tx']);
    expect(ids('+13345550101', 'LA')).toEqual(['us-federal', 'us-al', 'us-la']);
    expect(ids('+12125550101', undefined, '70112')).toEqual(['us-federal', 'us-la']);
    expect(ids('+14165550101')).toEqual(['ca-crtc']);
    expect(ids('+442079460101')).toEqual([]);
    expect(rulesFor(CALLING_HOURS, candidateZones({ phoneNumber: '+442079460101' })).windows).toEqual([
      CALLING_HOURS.defaultWindows,
    ]);
  });
});

describe('calling hours across zones and daylight-saving changes', () => {
  it.each(CONTACTS)('$name: its zones as the number says', ({ e164, given, zones }) => {
    expect(rulesOf(e164, given).zones).toEqual(zones);
  });

  it('allows no call outside any contact’s hours, in any of its zones, and allows the calls inside them', () => {
    let outside = 0;
    let refusedInside = 0;
    let allowed = 0;
    for (const contact of CONTACTS) {
      const rules = rulesOf(contact.e164, contact.given);
      for (const instant of instants) {
        const verdict = callableAt(instant, rules).callable;
        const expected = lawful(instant, contact.zones, contact.legal);
        if (verdict && !expected) outside += 1;
        if (!verdict && expected) refusedInside += 1;
        if (verdict) allowed += 1;
      }
    }
    expect(outside).toBe(0);
    expect(refusedInside).toBe(0);
    expect(allowed).toBeGreaterThan(instants.length);
  });

  it('holds Texas to noon on Sunday, and the overlap of both zones of a split area code', () => {
    const texas = rulesOf('+12105550101');
    // Sunday 2026-03-08, 11:55 and 12:00 in San Antonio (CDT since 02:00 that morning).
    expect(callableAt(new Date('2026-03-08T16:55:00Z'), texas).callable).toBe(false);
    expect(callableAt(new Date('2026-03-08T17:00:00Z'), texas).callable).toBe(true);
    const split = rulesOf('+16055550101');
    // 09:30 Central is 08:30 Mountain: too early in one of its zones.
    expect(callableAt(new Date('2026-06-10T14:30:00Z'), split)).toMatchObject({
      callable: false,
      localTimes: [
        { zone: 'America/Chicago', text: '2026-06-10 09:30 wed' },
        { zone: 'America/Denver', text: '2026-06-10 08:30 wed' },
        { zone: 'America/North_Dakota/Center', text: '2026-06-10 09:30 wed' },
      ],
    });
    expect(callableAt(new Date('2026-06-10T15:00:00Z'), split).callable).toBe(true);
  });
});

describe('the next time a contact may be called', () => {
  it('is the next opening, across a daylight-saving change, in local time', () => {
    const newYork = rulesOf('+12125550101');
    // Saturday 2026-03-07 20:25 EST, past 20:20 (the window closes at 20:30, less the margin): Sunday 09:00 EDT.
    expect(nextCallable(new Date('2026-03-08T01:25:00Z'), newYork)?.toISOString()).toBe(
      '2026-03-08T13:00:00.000Z',
    );
    const kathmandu = rulesOf('+97714211234');
    expect(nextCallable(new Date('2026-06-10T00:00:00Z'), kathmandu)?.toISOString()).toBe(
      '2026-06-10T03:15:00.000Z',
    );
    const lordHowe = rulesOf('+61255550101', { timeZone: 'Australia/Lord_Howe' });
    // Lord Howe leaves DST (UTC+11) for UTC+10:30 on 2026-04-05 at 02:00, Sydney (its number's zone) UTC+11 for
    // UTC+10 at 03:00: 09:00 in Lord Howe (22:30Z) is 08:30 in Sydney; 09:00 in Sydney (23:00Z) is 09:30 there.
    expect(nextCallable(new Date('2026-04-04T12:00:00Z'), lordHowe)?.toISOString()).toBe(
      '2026-04-04T23:00:00.000Z',
    );
  });

  it('is the first callable minute: none before it', () => {
    for (const contact of CONTACTS) {
      const rules = rulesOf(contact.e164, contact.given);
      for (const from of [new Date('2026-03-07T22:07:00Z'), new Date('2026-10-31T05:43:00Z')]) {
        const next = nextCallable(from, rules);
        expect(next).toBeDefined();
        expect(callableAt(next as Date, rules).callable).toBe(true);
        for (
          let at = Math.ceil(from.getTime() / 60_000) * 60_000;
          at < (next as Date).getTime();
          at += 60_000
        ) {
          expect(callableAt(new Date(at), rules).callable).toBe(false);
        }
      }
    }
  });

  it('is none when the windows never overlap', () => {
    const never: CallingRulesFor = {
      zones: ['America/New_York'],
      windows: [[{ start: '06:00', end: '07:00' }], CALLING_HOURS.defaultWindows],
      closingMarginMinutes: 0,
    };
    expect(nextCallable(new Date('2026-06-10T00:00:00Z'), never)).toBeUndefined();
  });

  it('never finds a contact of no known zone inside its hours', () => {
    const nowhere: CallingRulesFor = {
      zones: [],
      windows: [CALLING_HOURS.defaultWindows],
      closingMarginMinutes: 0,
    };
    expect(callableAt(new Date('2026-06-10T16:00:00Z'), nowhere).callable).toBe(false);
    expect(nextCallable(new Date('2026-06-10T16:00:00Z'), nowhere)).toBeUndefined();
  });
});

describe('local times', () => {
  it('reads and builds instants across a skipped hour', () => {
    expect(localTime(new Date('2026-03-08T07:30:00Z'), 'America/New_York').text).toBe('2026-03-08 03:30 sun');
    expect(zonedInstant('2026-03-08', h(9), 'America/New_York').toISOString()).toBe(
      '2026-03-08T13:00:00.000Z',
    );
    expect(zonedInstant('2026-03-07', h(9), 'America/New_York').toISOString()).toBe(
      '2026-03-07T14:00:00.000Z',
    );
    // 02:30 does not exist that night: the instant just after the gap.
    expect(zonedInstant('2026-03-08', h(2, 30), 'America/New_York').toISOString()).toBe(
      '2026-03-08T07:30:00.000Z',
    );
  });

  it('builds a morning of a change day with that morning\u2019s offset, west of the guess too', () => {
    // Denver and Los Angeles change at 09:00Z and 10:00Z: 08:00 there read as if UTC falls before the change.
    expect(zonedInstant('2027-03-14', h(8), 'America/Denver').toISOString()).toBe('2027-03-14T14:00:00.000Z');
    expect(zonedInstant('2027-03-14', h(8), 'America/Los_Angeles').toISOString()).toBe(
      '2027-03-14T15:00:00.000Z',
    );
    expect(zonedInstant('2027-11-07', h(8), 'America/Los_Angeles').toISOString()).toBe(
      '2027-11-07T16:00:00.000Z',
    );
    // 01:30 happens twice in the autumn: the first.
    expect(zonedInstant('2027-11-07', h(1, 30), 'America/Denver').toISOString()).toBe(
      '2027-11-07T07:30:00.000Z',
    );
    // So a Los Angeles contact past its Saturday's hours opens at 09:00 there on Sunday (16:00Z), not an hour later.
    expect(nextCallable(new Date('2027-03-14T06:00:00Z'), rulesOf('+12135550101'))?.toISOString()).toBe(
      '2027-03-14T16:00:00.000Z',
    );
  });
});

describe('holidays', () => {
  it('closes a day that is a holiday of a state the contact may be in, in its local date', () => {
    // Good Friday, 26 March 2027, a legal holiday in Louisiana: a New Orleans number, and a New York number stated to
    // live in Louisiana; the New York number alone is called.
    const friday = new Date('2027-03-26T16:00:00Z');
    expect(callableAt(friday, rulesOf('+15045550100'))).toMatchObject({ callable: false, reason: 'holiday' });
    expect(callableAt(friday, rulesOf('+12125550101', { state: 'LA' }))).toMatchObject({ reason: 'holiday' });
    expect(callableAt(friday, rulesOf('+12125550101')).callable).toBe(true);
    // The next opening is Saturday 09:00 in New Orleans (the campaign's window), not a minute of the holiday.
    expect(nextCallable(friday, rulesOf('+15045550100'))?.toISOString()).toBe('2027-03-27T14:00:00.000Z');
  });

  it('fails closed on a date the computed holidays do not cover', () => {
    expect(callableAt(new Date('2040-06-05T16:00:00Z'), rulesOf('+15045550100'))).toMatchObject({
      callable: false,
      reason: 'holiday',
    });
  });

  it('finds no hours for a contact in no zone, and says why', () => {
    expect(callableAt(new Date('2027-03-26T16:00:00Z'), rulesOf('+18005550100'))).toMatchObject({
      callable: false,
      reason: 'no_zone',
    });
    expect(nextCallable(new Date('2027-03-26T16:00:00Z'), rulesOf('+18005550100'))).toBeUndefined();
  });
});

describe('a campaign’s blocked dates', () => {
  it('closes its dates in every zone of the contact, and opens again after them', () => {
    const hours = contactHours(
      { phoneNumber: '+18505550100' },
      { callingWindow: CAMPAIGN, blockedDates: ['2027-07-05'] },
      CALLING_HOURS,
      MARGIN,
    );
    // Monday 5 July 2027, 14:00 UTC: 10:00 in Tallahassee, 09:00 in Pensacola.
    expect(callableAt(new Date('2027-07-05T14:00:00Z'), hours)).toMatchObject({
      callable: false,
      reason: 'blocked_date',
    });
    // The next opening: Tuesday 09:00 in Pensacola (Central), which is 10:00 in Tallahassee.
    expect(nextCallable(new Date('2027-07-05T14:00:00Z'), hours)?.toISOString()).toBe(
      '2027-07-06T14:00:00.000Z',
    );
  });
});
