/**
 * Why a campaign is, or is not, dialling (GET /campaigns/{id}, the dashboard's panel): one answer from the facts the
 * service gathers, in the order an operator would look. A campaign that says "running" while nothing dials is the
 * complaint this answers; every reason names what would change it, and when it will change on its own.
 */
import type { CampaignStatus } from './campaign.ts';

export type DiallingReason =
  /** Calls are going out: the last tick released some, or calls are ringing. */
  | 'dialling'
  | 'draft'
  | 'paused'
  | 'completed'
  | 'cancelled'
  /** A draft's import is still reading its file: the campaign cannot start until it ends. */
  | 'importing'
  /** Running, before its `startAt`. */
  | 'not_started'
  /** Its `endAt` passed: its open contacts are being closed. */
  | 'ended'
  | 'no_contacts'
  /** Calls were sent and no result has come back for longer than a call can take: the telephony side is failing. */
  | 'telephony_silent'
  /** As many calls in flight as `maxConcurrentCalls` allows. */
  | 'concurrency_full'
  /** No open contact is due before `until` (retry delays, holds for a better hour, a release not yet heard of). */
  | 'nothing_due'
  /** The contacts due soonest are outside their calling hours now: the next opening is `until`, in `zones`. */
  | 'outside_hours'
  /** The contacts due soonest have had their calls for now: their numbers are at a per-recipient limit until `until`. */
  | 'at_limit'
  /** Contacts are due and callable, and no tick has looked at the campaign since `since`: the scheduler is not running. */
  | 'scheduler_idle';

export interface DiallingFacts {
  status: CampaignStatus;
  startAt: Date | null;
  endAt: Date | null;
  /** An import of the campaign still reading its file. */
  importing: boolean;
  contacts: number;
  contactsOpen: number;
  /** The earliest next call time of an open contact. */
  nextDueAt: Date | null;
  inFlight: number;
  maxConcurrentCalls: number;
  /** Calls sent longer ago than a call can take, still without a result. */
  unanswered: number;
  /** The last tick that looked at the campaign. */
  lastTick: { at: Date; released: number } | null;
  /**
   * For the contacts due soonest (those a tick would read when they are due): whether any is inside its calling hours
   * now, else when the first of them opens and in which zones. Undefined without open contacts.
   */
  dueHours?: { callableNow: boolean; nextOpening: Date | null; zones: string[] };
  /**
   * When nothing is due yet: of the contacts due soonest (`checked`), how many numbers are at one of their
   * per-recipient limits now (the owner's calls to them across campaigns).
   */
  dueAtLimit?: { checked: number; atLimit: number };
}

export interface DiallingAnswer {
  dialling: boolean;
  reason: DiallingReason;
  /** For the operator: what is happening and what would change it. */
  message: string;
  /** When it changes on its own (the next due contact, the next opening, `startAt`). */
  until?: string;
  zones?: string[];
}

/** A tick runs every minute: a campaign not looked at for this long is not being ticked. */
export const TICK_SILENCE_MS = 3 * 60_000;

export function diallingState(facts: DiallingFacts, now: Date): DiallingAnswer {
  const at = (date: Date) => date.toISOString();
  switch (facts.status) {
    case 'draft':
      return facts.importing
        ? {
            dialling: false,
            reason: 'importing',
            message: 'An import is still reading its file; start the campaign when it has ended',
          }
        : { dialling: false, reason: 'draft', message: 'A draft: it dials once started' };
    case 'paused':
      return {
        dialling: false,
        reason: 'paused',
        message: 'Paused: calls ringing finish, nothing more is released until resumed',
      };
    case 'completed':
      return { dialling: false, reason: 'completed', message: 'Completed: every contact is done' };
    case 'cancelled':
      return { dialling: false, reason: 'cancelled', message: 'Cancelled: no more calls' };
    default:
      break;
  }
  if (facts.startAt !== null && facts.startAt > now)
    return {
      dialling: false,
      reason: 'not_started',
      message: 'Running, waiting for its start time',
      until: at(facts.startAt),
    };
  if (facts.endAt !== null && facts.endAt <= now)
    return {
      dialling: false,
      reason: 'ended',
      message: 'Its end time has passed: its open contacts are being closed',
    };
  if (facts.contacts === 0)
    return { dialling: false, reason: 'no_contacts', message: 'No contacts: add or import some' };
  if (facts.unanswered > 0)
    return {
      dialling: false,
      reason: 'telephony_silent',
      message: `${facts.unanswered} calls sent have had no result for longer than a call can take: check the telephony workers and the call-results queue`,
    };
  if (facts.inFlight >= facts.maxConcurrentCalls)
    return {
      dialling: true,
      reason: 'concurrency_full',
      message: `${facts.inFlight} calls in flight, the most maxConcurrentCalls allows: more go out as they end`,
    };
  if (facts.contactsOpen === 0)
    return {
      dialling: false,
      reason: 'no_contacts',
      message: 'No open contacts left: the campaign completes at its next tick',
    };
  if (facts.dueHours !== undefined && !facts.dueHours.callableNow)
    return {
      dialling: false,
      reason: 'outside_hours',
      message:
        facts.dueHours.nextOpening === null
          ? 'The contacts due soonest are outside their calling hours, and none opens in the next days (the campaign window and the law never overlap for them)'
          : `The contacts due soonest are outside their calling hours; the first open in ${facts.dueHours.zones.join(', ')}`,
      ...(facts.dueHours.nextOpening ? { until: at(facts.dueHours.nextOpening) } : {}),
      zones: facts.dueHours.zones,
    };
  const limited = facts.dueAtLimit;
  if (
    facts.nextDueAt !== null &&
    facts.nextDueAt > now &&
    facts.inFlight === 0 &&
    limited &&
    limited.atLimit > 0
  )
    return limited.atLimit === limited.checked
      ? {
          dialling: false,
          reason: 'at_limit',
          message: `The contacts due soonest have had their calls for now: each of their numbers is at its per-recipient limit across your campaigns (${limited.checked} checked); they are due again when it allows`,
          until: at(facts.nextDueAt),
        }
      : {
          dialling: false,
          reason: 'nothing_due',
          message: `No contact is due yet (retry delays, calls being placed, or held for a better hour); ${limited.atLimit} of the ${limited.checked} due soonest are at their per-recipient limit`,
          until: at(facts.nextDueAt),
        };
  if (facts.nextDueAt !== null && facts.nextDueAt > now)
    return facts.inFlight > 0
      ? {
          dialling: true,
          reason: 'dialling',
          message: `${facts.inFlight} calls in flight; the next contact is due later`,
          until: at(facts.nextDueAt),
        }
      : {
          dialling: false,
          reason: 'nothing_due',
          message: 'No contact is due yet (retry delays, calls being placed, or held for a better hour)',
          until: at(facts.nextDueAt),
        };
  if (facts.lastTick === null || now.getTime() - facts.lastTick.at.getTime() > TICK_SILENCE_MS)
    return {
      dialling: false,
      reason: 'scheduler_idle',
      message:
        facts.lastTick === null
          ? 'Contacts are due and callable: waiting for the first tick (the scheduler runs every minute; if this lasts, check it)'
          : `Contacts are due and callable, and no tick has looked at the campaign since ${at(facts.lastTick.at)}: is the scheduler running?`,
    };
  return {
    dialling: true,
    reason: 'dialling',
    message: `Dialling: ${facts.lastTick.released} released by the last tick, ${facts.inFlight} calls in flight`,
  };
}
