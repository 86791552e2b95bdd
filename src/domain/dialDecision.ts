/**
 * The dialer's decisions, as pure functions of a task and the facts loaded for its batch: no I/O, no clock of
 * their own, no spans. `dialerService.ts` loads the facts and carries out what is decided here.
 */
import type { AsteriskCall } from '../generated/asteriskCall.ts';
import type { DialTask } from '../generated/dialTask.ts';
import { type AttemptKey, dialIdOf } from '../lib/dialId.ts';
import { ValidationError } from '../lib/errors.ts';
import { type E164, toE164 } from '../lib/phone.ts';
import type { CallSettings, ClaimIntent, ClaimResult } from './claim.ts';

/** A dial task whose number is valid, in E.164. */
export interface DialCandidate {
  id: string;
  key: AttemptKey;
  phoneNumber: E164;
}

/** The task's number in E.164, or why it can never be called. */
export function readCandidate(
  id: string,
  task: DialTask,
  defaultRegion: string | undefined,
): DialCandidate | { error: ValidationError } {
  try {
    const key = { campaignId: task.campaignId, contactId: task.contactId, attempt: task.attempt };
    return { id, key, phoneNumber: toE164(task.phoneNumber, defaultRegion) };
  } catch (error) {
    return {
      error: error instanceof ValidationError ? error : new ValidationError('phoneNumber is not valid'),
    };
  }
}

/** A listed number is not called: its attempt is claimed to be recorded as skipped. */
export function intentFor(candidate: DialCandidate, listed: ReadonlySet<string>): ClaimIntent {
  return listed.has(candidate.phoneNumber) ? 'skip_blacklisted' : 'dial';
}

export type ClaimDecision =
  | { kind: 'send' }
  | {
      kind: 'done';
      result:
        | 'skipped_blacklisted'
        | 'duplicate'
        | 'campaign_not_running'
        | 'contact_done'
        | 'stale_attempt'
        | 'outside_hours'
        | 'recipient_limit';
    }
  | { kind: 'done'; result: 'skipped_opted_out' }
  | { kind: 'retry'; reason: string }
  | { kind: 'reject'; reason: string };

export const UNKNOWN_CONTACT = 'Dial task names a contact that is not in the campaign';
export const NUMBER_MISMATCH = "Dial task's number is not the contact's stored number";
export const OVER_MAX_ATTEMPTS = "Dial task's attempt is past the campaign's maxAttempts";
export const ATTEMPT_GAP =
  "Dial task's attempt is not the contact's next one: the attempt before it does not exist";

/**
 * What to do with a task once its attempt's claim is known. `ownedByEarlierCopy`: the same task came earlier in the
 * batch and that copy holds the claim, so this one has nothing to do.
 */
export function decideOnClaim(
  intent: ClaimIntent,
  claim: ClaimResult | undefined,
  ownedByEarlierCopy: boolean,
): ClaimDecision {
  if (ownedByEarlierCopy) return { kind: 'done', result: 'duplicate' };
  switch (claim) {
    case 'claimed':
      return intent === 'dial' ? { kind: 'send' } : { kind: 'done', result: 'skipped_blacklisted' };
    case 'unknown_contact':
      return { kind: 'reject', reason: UNKNOWN_CONTACT };
    case 'number_mismatch':
      return { kind: 'reject', reason: NUMBER_MISMATCH };
    case 'over_max_attempts':
      return { kind: 'reject', reason: OVER_MAX_ATTEMPTS };
    case 'attempt_gap':
      return { kind: 'reject', reason: ATTEMPT_GAP };
    // Not dialled, and nothing to retry: the campaign is not running (a paused one's contact went back to the
    // schedule), the contact is done, a later attempt exists, or, for a matter of time, its calling hours are closed
    // or the number had its calls for now (the contact went back to the schedule, due when that passes).
    case 'campaign_not_running':
    case 'contact_done':
    case 'stale_attempt':
    case 'outside_hours':
    case 'recipient_limit':
      return { kind: 'done', result: claim };
    // The number opted out in another of the owner's campaigns: recorded skipped, never dialled.
    case 'opted_out':
      return { kind: 'done', result: 'skipped_opted_out' };
    case 'held':
      return { kind: 'retry', reason: 'InitiateCall: attempt claimed by another invocation' };
    case 'facts_changed':
      return {
        kind: 'retry',
        reason: "InitiateCall: the contact's calling facts changed while they were checked",
      };
    case 'done':
      return { kind: 'done', result: 'duplicate' };
    default:
      return { kind: 'retry', reason: 'InitiateCall: the claim gave no answer for this attempt' };
  }
}

/**
 * The message the telephony workers get for a call this invocation owns; a call not started `deadlineSeconds` after
 * `requestedAt` is not placed (docs/telephony.md).
 */
export function callMessage(
  candidate: DialCandidate,
  settings: CallSettings | undefined,
  requestedAt: Date,
  deadlineSeconds: number,
): AsteriskCall {
  return {
    dialId: dialIdOf(candidate.key),
    ...candidate.key,
    phoneNumber: candidate.phoneNumber,
    ...(settings?.callerId ? { callerId: settings.callerId } : {}),
    ...(settings?.callFlow ? { callFlow: settings.callFlow } : {}),
    attributes: settings?.attributes ?? {},
    requestedAt: requestedAt.toISOString(),
    deadline: new Date(requestedAt.getTime() + deadlineSeconds * 1000).toISOString(),
  };
}
