/**
 * Legal calling hours (pure): which rules of the table (rules/calling-hours.json) apply to a contact, whether it may be
 * called at an instant, and when it may next be called. A contact may be in several zones (src/domain/
 * candidateZones.ts): a call must be inside its hours, and off every holiday that applies, in every one. Local times
 * come from the time-zone database through Intl, so daylight-saving changes and zones with odd offsets (+05:45, a
 * 30-minute DST) need no special case. The caller gives the instant: no clock is read here.
 */
import table from '../../rules/calling-hours.json' with { type: 'json' };
import type { CallingHours } from '../generated/callingHours.ts';
import holidayText from '../generated/holidays.ts';
import { jsonTable } from '../lib/jsonTable.ts';
import { type CandidateZones, type ContactPlace, candidateZones, type ZoneSource } from './candidateZones.ts';

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
export interface CallingWindow {
  days?: readonly Weekday[];
  start: string;
  end: string;
}
type Rule = CallingHours['rules'][number];

/** The table the functions use (validated against its schema by the tests). */
export const CALLING_HOURS = table as CallingHours;

const holidays = jsonTable<{ years: { from: number; to: number }; dates: Record<string, string[]> }>(
  holidayText,
);
let holidayDates: Map<string, Set<string>> | undefined;

/** Whether `date` (YYYY-MM-DD) is a public holiday of `region`; outside the computed years, it is taken as one. */
export function isHoliday(region: string, date: string): boolean {
  const { years, dates } = holidays();
  const year = Number(date.slice(0, 4));
  if (year < years.from || year > years.to) return true;
  holidayDates ??= new Map(Object.entries(dates).map(([where, days]) => [where, new Set(days)]));
  return holidayDates.get(region)?.has(date) ?? false;
}

const DAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const ALL_DAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/**
 * The rules that apply to a contact: those of every country it may be in, and of every state or province it may be
 * in (its area code's, its stated state, its postal code's). A contact in no country with rules gets the default.
 */
export function rulesFor(
  hours: CallingHours,
  place: Pick<CandidateZones, 'countries' | 'regions'>,
): { rules: Rule[]; windows: CallingWindow[][]; closedOnHolidaysOf: string[] } {
  const countries = new Set(place.countries);
  const regions = new Set(place.regions);
  const rules = hours.rules.filter(
    (rule) =>
      countries.has(rule.where.country) &&
      (rule.where.state === undefined || regions.has(`${rule.where.country}-${rule.where.state}`)),
  );
  return {
    rules,
    windows: rules.length > 0 ? rules.map((rule) => rule.windows) : [hours.defaultWindows],
    closedOnHolidaysOf: [...new Set(rules.flatMap((rule) => rule.closedOnHolidaysOf ?? []))],
  };
}

const minutesOf = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

/** A weekday, date and minute of the day in `zone` at `instant`. */
export interface LocalTime {
  zone: string;
  day: Weekday;
  date: string;
  minute: number;
  /** "2026-03-08 08:00 sun", for records. */
  text: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let found = formatters.get(zone);
  if (found === undefined) {
    found = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    formatters.set(zone, found);
  }
  return found;
}

/** The zone's offset from UTC (ms) at `instant`, read through Intl. */
function offsetAt(instant: number, zone: string): number {
  const parts = Object.fromEntries(
    formatter(zone)
      .formatToParts(new Date(instant))
      .map((part) => [part.type, part.value]),
  );
  const local = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
  );
  return local - Math.floor(instant / 60_000) * 60_000;
}

// Offsets change only on quarter hours of UTC (every zone's offsets and changes are in whole quarter hours), so one
// reading per zone and quarter hour serves every instant in it: the scheduler asks about many contacts at once.
const QUARTER_HOUR = 900_000;
const offsets = new Map<string, number>();

function cachedOffset(instant: number, zone: string): number {
  const key = `${zone}|${Math.floor(instant / QUARTER_HOUR)}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    if (offsets.size > 100_000) offsets.clear();
    offset = offsetAt(Math.floor(instant / QUARTER_HOUR) * QUARTER_HOUR, zone);
    offsets.set(key, offset);
  }
  return offset;
}

export function localTime(instant: Date, zone: string): LocalTime {
  const local = new Date(
    Math.floor(instant.getTime() / 60_000) * 60_000 + cachedOffset(instant.getTime(), zone),
  );
  const date = local.toISOString().slice(0, 10);
  const minute = local.getUTCHours() * 60 + local.getUTCMinutes();
  const day = DAYS[local.getUTCDay()] ?? 'mon';
  return { zone, day, date, minute, text: `${date} ${local.toISOString().slice(11, 16)} ${day}` };
}

/** The instant at which `zone`'s clocks show `minute` of `date` (a time skipped by a DST change: just after). */
export function zonedInstant(date: string, minute: number, zone: string): Date {
  const guess = Date.parse(`${date}T00:00:00Z`) + minute * 60_000;
  const offsetAt = (at: number) => {
    const local = localTime(new Date(at), zone);
    return Date.parse(`${local.date}T00:00:00Z`) + local.minute * 60_000 - at;
  };
  const first = guess - offsetAt(guess);
  const second = guess - offsetAt(first);
  // The offset at the guess may be the other side of a change made that day (08:00 on the spring's Sunday guessed
  // with the night's winter offset is 09:00): take the instant whose clocks do show the minute, the earlier of two
  // (an hour repeated in the autumn); only a minute the change skipped has neither.
  const shows = (at: number) => {
    const local = localTime(new Date(at), zone);
    return local.date === date && local.minute === minute;
  };
  const exact = [first, second].filter(shows);
  return new Date(exact.length > 0 ? Math.min(...exact) : Math.max(first, second));
}

/** Whether `minute` of `day` is inside one of `windows` with `margin` minutes to spare before it closes. */
function inside(windows: readonly CallingWindow[], day: Weekday, minute: number, margin: number): boolean {
  return windows.some(
    (window) =>
      (window.days ?? ALL_DAYS).includes(day) &&
      minute >= minutesOf(window.start) &&
      minute + margin < minutesOf(window.end),
  );
}

export interface CallingRulesFor {
  /** Every zone the contact may be in. */
  zones: readonly string[];
  /** Regions whose public holidays have no calls, in any of the zones. */
  closedOnHolidaysOf?: readonly string[];
  /** Dates (YYYY-MM-DD, local in each zone) without calls: the campaign's blocked dates. */
  blockedDates?: readonly string[];
  /** The campaign's window, and each applicable rule's windows: the contact's hours are their intersection. */
  windows: ReadonlyArray<readonly CallingWindow[]>;
  /** Minutes before a window closes from which no call starts (it must have time to ring and be answered). */
  closingMarginMinutes: number;
}

/** Why a contact may not be called now. */
export type ClosedReason = 'no_zone' | 'outside_hours' | 'holiday' | 'blocked_date';

export type Verdict =
  | { callable: true; localTimes: LocalTime[] }
  | { callable: false; reason: ClosedReason; localTimes: LocalTime[] };

/**
 * Whether the contact may be called at `instant`: in every one of its zones, inside every window, on no holiday of a
 * region whose rules close on them and on none of the campaign's blocked dates.
 */
export function callableAt(instant: Date, rules: CallingRulesFor): Verdict {
  const localTimes = rules.zones.map((zone) => localTime(instant, zone));
  // A contact of no known zone is never inside its hours: where it is decides them.
  if (localTimes.length === 0) return { callable: false, reason: 'no_zone', localTimes };
  const holidays = rules.closedOnHolidaysOf ?? [];
  if (localTimes.some((local) => holidays.some((region) => isHoliday(region, local.date))))
    return { callable: false, reason: 'holiday', localTimes };
  const blocked = rules.blockedDates ?? [];
  if (localTimes.some((local) => blocked.includes(local.date)))
    return { callable: false, reason: 'blocked_date', localTimes };
  const ok = localTimes.every((local) =>
    rules.windows.every((windows) => inside(windows, local.day, local.minute, rules.closingMarginMinutes)),
  );
  return ok ? { callable: true, localTimes } : { callable: false, reason: 'outside_hours', localTimes };
}

/**
 * The first instant from `from` on (to the minute) at which the contact may be called, within `days` days;
 * undefined when there is none (the windows never overlap). The hours open at a window's start in one of its zones,
 * so only those instants are tried.
 */
export function nextCallable(from: Date, rules: CallingRulesFor, days = 8): Date | undefined {
  const start = new Date(Math.ceil(from.getTime() / 60_000) * 60_000);
  if (rules.zones.length === 0) return undefined;
  if (callableAt(start, rules).callable) return start;
  const candidates = new Set<number>();
  for (const zone of rules.zones) {
    const today = localTime(start, zone).date;
    for (let offset = 0; offset <= days; offset += 1) {
      const date = new Date(Date.parse(`${today}T00:00:00Z`) + offset * 86_400_000)
        .toISOString()
        .slice(0, 10);
      for (const windows of rules.windows) {
        for (const window of windows) {
          const at = zonedInstant(date, minutesOf(window.start), zone).getTime();
          if (at > start.getTime()) candidates.add(at);
        }
      }
    }
  }
  for (const at of [...candidates].sort((a, b) => a - b)) {
    if (callableAt(new Date(at), rules).callable) return new Date(at);
  }
  return undefined;
}

/** Minutes before a window closes from which no call starts: time to ring, be answered and speak. */
export const CLOSING_MARGIN_MINUTES = 10;

/** A contact's calling hours, and what they were made of (for its compliance record and the preview). */
export interface ContactHours extends CallingRulesFor {
  /** The ids of the rules applied (none: the table's default window for a country without rules). */
  ruleIds: string[];
  /** Where each zone came from. */
  zoneSources: Record<string, ZoneSource[]>;
  countries: string[];
  regions: string[];
}

/** What a campaign adds to the law: its window, and the dates it does not call. */
export interface CampaignHours {
  callingWindow: CallingWindow;
  blockedDates?: readonly string[];
}

/**
 * A contact's hours: its campaign's window intersected with every legal rule that applies where it may be, in every
 * zone it may be in (src/domain/candidateZones.ts), with the closing margin.
 */
export function contactHours(
  contact: ContactPlace,
  campaign: CampaignHours,
  hours: CallingHours = CALLING_HOURS,
  closingMarginMinutes = CLOSING_MARGIN_MINUTES,
): ContactHours {
  const place = candidateZones(contact);
  const legal = rulesFor(hours, place);
  return {
    zones: place.zones,
    zoneSources: place.sources,
    countries: place.countries,
    regions: place.regions,
    windows: [[campaign.callingWindow], ...legal.windows],
    closedOnHolidaysOf: legal.closedOnHolidaysOf,
    blockedDates: campaign.blockedDates ?? [],
    closingMarginMinutes,
    ruleIds: legal.rules.map((rule) => rule.id),
  };
}

/** One key per set of hours: contacts that share it share every verdict (the scheduler and preview group by it). */
export function hoursKey(hours: ContactHours): string {
  return `${hours.zones.join(',')}|${hours.ruleIds.join(',')}|${(hours.blockedDates ?? []).join(',')}`;
}
