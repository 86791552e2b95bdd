/**
 * The facts of a claim (src/repositories/attemptRepository.ts takes attempts for the dialer in one transaction): what
 * a task asks, how each claim ended, what a claimed call carries, and the calling-hours check the claim applies.
 */
import { type AttemptKey, dialIdOf } from '../lib/dialId.ts';
import { CALLING_HOURS, type CallingWindow, callableAt, contactHours, nextCallable } from './callingHours.ts';

export type ClaimIntent = 'dial' | 'skip_blacklisted';

/**
 * - `claimed`: this invocation owns the attempt now (to dial, or recorded as skipped for the blacklist);
 * - `held`: another invocation claimed it to dial less than a lease ago: try again later;
 * - `done`: the attempt already ended (initiated, skipped, failed): nothing to do;
 * - `unknown_contact`: no such contact in the campaign;
 * - `number_mismatch`: the task's number is not the contact's stored number (never called);
 * - `over_max_attempts`: the attempt is past the campaign's `maxAttempts`;
 * - `campaign_not_running`: the campaign is paused, cancelled or over (a paused one's contact goes back to the
 *   schedule);
 * - `contact_done`: the contact has its final outcome (answered, opted out, ...): never called again;
 * - `stale_attempt`: a later attempt of the contact exists: this one is an old copy;
 * - `attempt_gap`: the attempt before it does not exist: it is not the contact's next one;
 * - `facts_changed`: the contact's or campaign's calling facts (zones, window, blocked dates) changed between the
 *   hours check and the claim: tried again, on the facts it has then;
 * - `outside_hours`: the contact's calling hours are closed now (the contact goes back to the schedule, due when
 *   they open);
 * - `recipient_limit`: the number had its calls for the rolling window across the owner's campaigns (the contact goes
 *   back to the schedule, due when the oldest of those calls leaves the window);
 * - `opted_out`: the number opted out in another campaign of the owner: recorded skipped, the contact done
 *   (`do_not_call`), never dialled.
 */
export type ClaimResult =
  | 'claimed'
  | 'held'
  | 'done'
  | 'unknown_contact'
  | 'number_mismatch'
  | 'over_max_attempts'
  | 'campaign_not_running'
  | 'contact_done'
  | 'stale_attempt'
  | 'attempt_gap'
  | 'facts_changed'
  | 'outside_hours'
  | 'recipient_limit'
  | 'opted_out';

/** What the call message of a claimed attempt carries from its campaign and contact. */
export interface CallSettings {
  /** Null for a campaign made without the API (by SQL). */
  callerId: string | null;
  callFlow: string | null;
  attributes: Record<string, string>;
  /** The contact's zones when it was claimed (not sent: for the local times of the attempt's record). */
  zones: readonly string[];
}

/**
 * The calling-hours check the claim applies to each task (src/domain/callingHours.ts), from its contact's stored
 * facts: open now, or closed until when; and what was checked, for the attempt's compliance record.
 */
export type HoursCheck = (contact: {
  phoneNumber: string;
  timeZone: string | null;
  usState: string | null;
  postalCode: string | null;
  callingWindow: CallingWindow;
  blockedDates: readonly string[];
}) =>
  | { open: true; zones: readonly string[]; record: Record<string, unknown> }
  | { open: false; zones: readonly string[]; opensAt?: Date; record: Record<string, unknown> };

/**
 * The claim's calling-hours check at `at`: the contact's hours (its campaign's window and the legal rules, in each of
 * its zones, with the closing margin), and what was checked, for the compliance record.
 */
export function hoursCheckAt(at: Date): HoursCheck {
  return ({ callingWindow, blockedDates, ...place }) => {
    const hours = contactHours(place, { callingWindow, blockedDates }, CALLING_HOURS);
    const verdict = callableAt(at, hours);
    // Every candidate zone with where it came from (number, area code, given zone, state, postal code), and the
    // places whose rules were applied: the record says why the call was allowed, not only that it was.
    const record = {
      checkedAt: at.toISOString(),
      rules: hours.ruleIds,
      zones: hours.zoneSources,
      countries: hours.countries,
      regions: hours.regions,
      campaignWindow: callingWindow,
      ...(blockedDates.length > 0 ? { blockedDates } : {}),
      holidaysOf: hours.closedOnHolidaysOf,
      closingMarginMinutes: hours.closingMarginMinutes,
      localTimes: Object.fromEntries(verdict.localTimes.map((local) => [local.zone, local.text])),
      open: verdict.callable,
      ...(verdict.callable ? {} : { closedBecause: verdict.reason }),
    };
    if (verdict.callable) return { open: true, zones: hours.zones, record };
    const opensAt = nextCallable(at, hours);
    return { open: false, zones: hours.zones, record, ...(opensAt ? { opensAt } : {}) };
  };
}

export interface ClaimRequest extends AttemptKey {
  intent: ClaimIntent;
  /** The number the task would call: claimed only if it is the contact's stored number. */
  phoneNumber: string;
  /**
   * What the dialer checked before the claim (rules version, the do-not-call check): the start of the attempt's
   * compliance record, which the claim completes with what it checked itself. Never the number.
   */
  record: Record<string, unknown>;
}

/** A call sent: its attempt, and what its compliance record gains (when it was sent, the local times then). */
export interface SentCall extends AttemptKey {
  record: Record<string, unknown>;
}

export interface Claims {
  /** Each attempt's claim, by dialId. */
  results: Map<string, ClaimResult>;
  /** The call settings of each attempt claimed to dial, by dialId. */
  calls: Map<string, CallSettings>;
  /** What the claim decided for contacts (written with the batch's outcomes), by dialId. */
  steps: Map<string, ContactStep>;
}

/**
 * At most `calls` calls to one number in a rolling `hours`, across all of one owner's campaigns, for campaigns of the
 * `purposes` named (rules/calling-hours.json).
 */
export interface RecipientLimit {
  id: string;
  purposes: readonly string[];
  calls: number;
  hours: number;
}

/** What the claim statement found of one attempt (src/repositories/attemptRepository.ts reads them in one go). */
export interface ClaimFacts {
  /** The claim took the attempt. */
  claimed: boolean;
  /** What the attempt was claimed for. */
  target: 'dialing' | 'skipped_blacklisted';
  contactExists: boolean;
  numberMatches: boolean;
  attemptAllowed: boolean;
  campaignStatus: string | null;
  finalOutcome: string | null;
  laterExists: boolean;
  previousExists: boolean;
  hoursOpen: boolean;
  /** The calling facts the hours were checked on are the contact's and campaign's still. */
  factsCurrent: boolean;
  overLimit: boolean;
  /** When the number's oldest call in the limit's window leaves it. */
  limitResetsAt: Date | null;
  /** The attempt's status before this claim, if it existed. */
  beforeStatus: string | null;
  /** The number opted out in another of the owner's campaigns. */
  optedOut: boolean;
}

const ENDED = new Set(['initiated', 'skipped_blacklisted', 'failed']);

/** How a claim ended, from its facts, in the order the checks hold (an ended attempt is done, whatever came since). */
export function claimResultOf(facts: ClaimFacts): ClaimResult {
  if (facts.claimed) return facts.target === 'dialing' && facts.optedOut ? 'opted_out' : 'claimed';
  if (!facts.contactExists) return 'unknown_contact';
  if (!facts.numberMatches) return 'number_mismatch';
  if (!facts.attemptAllowed) return 'over_max_attempts';
  // A task delivered again after its attempt ended: nothing to do, whatever has changed since.
  if (facts.beforeStatus !== null && ENDED.has(facts.beforeStatus)) return 'done';
  if (facts.campaignStatus !== 'running') return 'campaign_not_running';
  if (facts.finalOutcome !== null) return 'contact_done';
  if (facts.laterExists) return 'stale_attempt';
  if (!facts.previousExists) return 'attempt_gap';
  if (facts.beforeStatus === 'dialing') return 'held';
  if (facts.target === 'dialing' && !facts.factsCurrent) return 'facts_changed';
  if (facts.target === 'dialing' && !facts.hoursOpen) return 'outside_hours';
  if (facts.target === 'dialing' && facts.overLimit) return 'recipient_limit';
  return 'done';
}

/** What the claim decided for a contact: due again at a time, or done because its number is not to be called. */
export type ContactStep = { at: Date } | { final: 'do_not_call' };

/**
 * The contact's step after its task's claim, if any: a listed or opted-out number ends it (`do_not_call`), also when an
 * earlier delivery recorded the skip but not the contact's end (its invocation stopped between the two); a task not
 * dialled for a matter of time sends it back to the schedule (`dueAgainAt`).
 */
export function contactStepOf(
  facts: ClaimFacts,
  result: ClaimResult,
  at: Date,
  hoursOpenAt: Date | undefined,
): ContactStep | undefined {
  if ((result === 'claimed' && facts.target === 'skipped_blacklisted') || result === 'opted_out')
    return { final: 'do_not_call' };
  if (result === 'done' && facts.beforeStatus === 'skipped_blacklisted' && facts.finalOutcome === null)
    return { final: 'do_not_call' };
  const until = dueAgainAt(facts, result, at, hoursOpenAt);
  return until === undefined ? undefined : { at: until };
}

/** When a contact not dialled now is due again, for the reasons that are a matter of time; undefined: not for time. */
export function dueAgainAt(
  facts: Pick<ClaimFacts, 'campaignStatus' | 'limitResetsAt'>,
  result: ClaimResult,
  at: Date,
  hoursOpenAt: Date | undefined,
): Date | undefined {
  if (result === 'recipient_limit') return facts.limitResetsAt ?? undefined;
  // Hours that never open (windows that do not overlap) are looked at again in a day.
  if (result === 'outside_hours') return hoursOpenAt ?? new Date(at.getTime() + 86_400_000);
  // A paused campaign's queued task goes back to the schedule; resuming releases it again.
  if (result === 'campaign_not_running' && facts.campaignStatus === 'paused') return at;
  return undefined;
}

/**
 * The requests in rounds: one request per attempt (a task delivered twice in a batch shares its copy's claim), and
 * each number at most once per round (one statement counts a number's recent calls once for all its rows, so two
 * tasks of one number in a round would both pass its limit). Most batches are one round.
 */
export function claimRounds(requests: readonly ClaimRequest[]): ClaimRequest[][] {
  const rounds: ClaimRequest[][] = [];
  const seen = new Set<string>();
  const roundsOfNumber = new Map<string, number>();
  for (const request of requests) {
    const dialId = dialIdOf(request);
    if (seen.has(dialId)) continue;
    seen.add(dialId);
    const round = roundsOfNumber.get(request.phoneNumber) ?? 0;
    roundsOfNumber.set(request.phoneNumber, round + 1);
    const current = rounds[round] ?? [];
    current.push(request);
    rounds[round] = current;
  }
  return rounds;
}
