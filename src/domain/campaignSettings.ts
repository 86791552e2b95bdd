/**
 * A campaign's settings: the defaults a new campaign gets, the checks beyond its schema (a real caller id, a real
 * time zone, a window that ends after it starts), and which settings may change in which state. Pure functions.
 */
import type { CampaignSettings } from '../generated/campaignSettings.ts';
import { ConflictError, ValidationError } from '../lib/errors.ts';
import { toE164 } from '../lib/phone.ts';
import { isTimeZone } from '../lib/timeZones.ts';
import type { Weekday } from './callingHours.ts';
import type { CampaignStatus } from './campaign.ts';

export type Purpose = 'telemarketing' | 'informational' | 'healthcare' | 'debt_collection';

export interface ResolvedSettings {
  name: string;
  /** E.164. */
  callerId: string;
  callFlow: string;
  /** What the calls are for: chooses the per-number limits. @default 'telemarketing' */
  purpose: Purpose;
  defaultRegion: string;
  defaultTimeZone: string;
  callingWindow: { start: string; end: string; days: Weekday[] };
  /** Local dates without calls. @default [] */
  blockedDates: string[];
  maxAttempts: number;
  /** Minutes before a retry, by the last call's outcome. */
  retryDelays: { busy: number; no_answer: number; machine: number; failed: number };
  pacing: { callsPerMinute: number; maxConcurrentCalls: number };
  bestTimeToCall: BestTimeSettings;
  startAt?: string;
  endAt?: string;
}

/** Best time to call (src/domain/bestTime.ts): off unless asked for; a tenth of the contacts as the control arm. */
export interface BestTimeSettings {
  enabled: boolean;
  /** The share of contacts (0 to 0.5) scheduled as without the model, to measure its uplift against. */
  controlShare: number;
  /**
   * The longest a contact due now may be held for a better lawful hour (0: never held). A hold stays inside the
   * contact's calling hours as they run now, and never reaches into the campaign's last hours (src/domain/bestTimeHold.ts).
   */
  maxHoldHours: number;
}

export const DEFAULT_BEST_TIME: BestTimeSettings = { enabled: false, controlShare: 0.1, maxHoldHours: 8 };

/** What a campaign gets for each setting not given: a cautious pace, business hours, three attempts. */
export const DEFAULT_SETTINGS: Omit<ResolvedSettings, 'name' | 'callerId' | 'callFlow'> = {
  purpose: 'telemarketing',
  defaultRegion: 'US',
  defaultTimeZone: 'America/New_York',
  blockedDates: [],
  callingWindow: { start: '09:00', end: '20:00', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
  maxAttempts: 3,
  retryDelays: { busy: 15, no_answer: 60, machine: 240, failed: 30 },
  pacing: { callsPerMinute: 60, maxConcurrentCalls: 10 },
  bestTimeToCall: DEFAULT_BEST_TIME,
};

/** Settings a started campaign may still change: when and how fast it calls, and when it ends. */
const CHANGEABLE_WHILE_STARTED = new Set<keyof ResolvedSettings>([
  'callingWindow',
  'blockedDates',
  'pacing',
  'endAt',
  'bestTimeToCall',
]);

/** Every problem of a complete set of settings, with the field named; the number never echoed. */
function problemsOf(settings: ResolvedSettings): string[] {
  const problems: string[] = [];
  if (!isTimeZone(settings.defaultTimeZone)) problems.push('defaultTimeZone is not an IANA time zone');
  if (settings.callingWindow.start >= settings.callingWindow.end) {
    problems.push('callingWindow.end must be later than callingWindow.start');
  }
  if (settings.startAt && settings.endAt && settings.endAt <= settings.startAt) {
    problems.push('endAt must be later than startAt');
  }
  return problems;
}

function merged(base: ResolvedSettings, given: CampaignSettings): ResolvedSettings {
  const settings: ResolvedSettings = {
    ...base,
    ...given,
    callingWindow: { ...base.callingWindow, ...given.callingWindow } as ResolvedSettings['callingWindow'],
    retryDelays: { ...base.retryDelays, ...given.retryDelays },
    pacing: { ...base.pacing, ...given.pacing },
    bestTimeToCall: { ...base.bestTimeToCall, ...given.bestTimeToCall },
  } as ResolvedSettings;
  const problems = problemsOf(settings);
  if (given.callerId !== undefined) {
    try {
      settings.callerId = toE164(given.callerId, settings.defaultRegion);
    } catch {
      problems.unshift('callerId is not a valid phone number');
    }
  }
  if (problems.length > 0) throw new ValidationError('The campaign settings are not valid', problems);
  return settings;
}

/** A new campaign's settings: the ones given (name, callerId and callFlow among them), defaults for the rest. */
export function newSettings(
  given: CampaignSettings & Pick<ResolvedSettings, 'name' | 'callerId' | 'callFlow'>,
): ResolvedSettings {
  return merged(
    { ...DEFAULT_SETTINGS, name: given.name, callerId: given.callerId, callFlow: given.callFlow },
    given,
  );
}

/** The settings after `patch`, if the campaign's state allows each change; a ConflictError names what it does not. */
export function changedSettings(
  current: ResolvedSettings,
  status: CampaignStatus,
  patch: CampaignSettings,
): ResolvedSettings {
  if (status === 'completed' || status === 'cancelled') {
    throw new ConflictError(`A ${status} campaign cannot be changed`);
  }
  if (status !== 'draft') {
    const frozen = (Object.keys(patch) as Array<keyof ResolvedSettings>).filter(
      (key) => !CHANGEABLE_WHILE_STARTED.has(key),
    );
    if (frozen.length > 0) {
      throw new ConflictError(
        `A ${status} campaign can change only callingWindow, blockedDates, pacing and endAt, not ${frozen.join(', ')}`,
      );
    }
  }
  return merged(current, patch);
}
