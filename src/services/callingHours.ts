/**
 * Legal calling hours (pure): which rules of the table (rules/calling-hours.json) apply to a contact, whether it may be
 * called at an instant, and when it may next be called. A contact may be in several zones (a split area code): a
 * call must be inside its hours in every one. Local times come from the time-zone database through Intl, so
 * daylight-saving changes and zones with odd offsets (+05:45, a 30-minute DST) need no special case. The caller
 * gives the instant: no clock is read here.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/min';
import table from '../../rules/calling-hours.json' with { type: 'json' };
import type { CallingHours } from '../generated/callingHours.ts';
import statesByAreaCode from '../generated/statesByAreaCode.json' with { type: 'json' };

export type Day = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
export interface Window {
  days?: readonly Day[];
  start: string;
  end: string;
}
type Rule = CallingHours['rules'][number];

/** The table the functions use (validated against its schema by the tests). */
export const CALLING_HOURS = table as CallingHours;

const DAYS: readonly Day[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const ALL_DAYS: readonly Day[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const STATES = statesByAreaCode as Record<string, string>;

/** Where a number is, as far as its rules go: its country and, for a US number, the state of its area code. */
export function numberRegion(e164: string): { country?: string; areaCodeState?: string } {
  const country = parsePhoneNumberFromString(e164)?.country;
  const areaCodeState = e164.startsWith('+1') ? STATES[e164.slice(2, 5)] : undefined;
  return { ...(country ? { country } : {}), ...(areaCodeState ? { areaCodeState } : {}) };
}

/** The rules that apply to a callee: its country's (every one), the states' of its area code and given state. */
export function rulesFor(
  hours: CallingHours,
  callee: { country?: string; areaCodeState?: string; givenState?: string },
): { rules: Rule[]; windows: Window[][] } {
  const states = new Set([callee.areaCodeState, callee.givenState].filter(Boolean));
  const rules = hours.rules.filter(
    (rule) =>
      rule.where.country === callee.country &&
      (rule.where.state === undefined || states.has(rule.where.state)),
  );
  return { rules, windows: rules.length > 0 ? rules.map((rule) => rule.windows) : [hours.defaultWindows] };
}

const minutesOf = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

/** A weekday, date and minute of the day in `zone` at `instant`. */
export interface LocalTime {
  zone: string;
  day: Day;
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
  return new Date(Math.max(first, second));
}

/** Whether `minute` of `day` is inside one of `windows` with `margin` minutes to spare before it closes. */
function inside(windows: readonly Window[], day: Day, minute: number, margin: number): boolean {
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
  /** The campaign's window, and each applicable rule's windows: the contact's hours are their intersection. */
  windows: ReadonlyArray<readonly Window[]>;
  /** Minutes before a window closes from which no call starts (it must have time to ring and be answered). */
  closingMarginMinutes: number;
}

export type Verdict =
  | { callable: true; localTimes: LocalTime[] }
  | { callable: false; reason: 'outside_hours'; localTimes: LocalTime[] };

/** Whether the contact may be called at `instant`: inside every window in every one of its zones. */
export function callableAt(instant: Date, rules: CallingRulesFor): Verdict {
  const localTimes = rules.zones.map((zone) => localTime(instant, zone));
  // A contact of no known zone is never inside its hours: where it is decides them.
  const ok =
    localTimes.length > 0 &&
    localTimes.every((local) =>
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

/** A contact's calling hours, and the rules they were made of (for its compliance record). */
export interface ContactHours extends CallingRulesFor {
  /** The ids of the rules applied (none: the table's default window for a country without rules). */
  ruleIds: string[];
}

/**
 * A contact's hours: its campaign's window intersected with every legal rule for its number, in every zone it may be
 * in, with the closing margin.
 */
export function contactHours(
  contact: { phoneNumber: string; zones: readonly string[]; usState?: string | null },
  campaignWindow: Window,
  hours: CallingHours = CALLING_HOURS,
  closingMarginMinutes = CLOSING_MARGIN_MINUTES,
): ContactHours {
  const legal = rulesFor(hours, {
    ...numberRegion(contact.phoneNumber),
    ...(contact.usState ? { givenState: contact.usState } : {}),
  });
  return {
    zones: contact.zones,
    windows: [[campaignWindow], ...legal.windows],
    closingMarginMinutes,
    ruleIds: legal.rules.map((rule) => rule.id),
  };
}
