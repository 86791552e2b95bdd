/**
 * The facts of a claim (src/repositories/attemptRepository.ts takes attempts for the dialer in one transaction): what
 * a task asks, how each claim ended, what a claimed call carries, and the calling-hours check the claim applies.
 */
import type { Window } from './callingHours.ts';

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
  callingWindow: Window;
  blockedDates: readonly string[];
}) =>
  | { open: true; zones: readonly string[]; record: Record<string, unknown> }
  | { open: false; zones: readonly string[]; opensAt?: Date; record: Record<string, unknown> };
