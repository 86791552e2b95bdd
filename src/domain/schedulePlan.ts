/**
 * What one tick does with a campaign's due contacts (pure: no I/O, the instant given). For each contact, from its
 * latest attempt: release its next attempt, wait (a call being placed or ringing), or end it (its attempts used up,
 * its number listed, no zone it may be in could be determined). A contact to release is released only inside its calling hours now (with the closing margin),
 * and only while the tick's budget lasts; one outside its hours is due again when they next open, so it is not read
 * again every minute.
 */
import type { CallingHours } from '../generated/callingHours.ts';
import {
  CALLING_HOURS,
  type CampaignHours,
  type ContactHours,
  callableAt,
  contactHours,
  hoursKey,
  nextCallable,
} from './callingHours.ts';
import type { ActiveCampaign, Arm, ContactChange, DueContact } from './schedule.ts';

export interface PlanTimes {
  /** A released contact is due again after this long if nothing was heard of its task (a task lost on the way). */
  releaseLeaseMinutes: number;
  /** A call sent this long ago without a result is taken as lost: the contact's next attempt may go. */
  resultTimeoutMinutes: number;
}

export interface Release {
  contactId: string;
  attempt: number;
  phoneNumber: string;
}

export interface Plan {
  changes: ContactChange[];
  /** The attempts released, in the order their tasks go out. */
  released: Release[];
  /** Contacts moved to their hours' next opening. */
  outsideHours: number;
  /** Contacts due and callable that the budget left for the next tick. */
  deferredByPace: number;
  /** Contacts callable now held by the model's order for a better hour. */
  held: number;
}

/** A contact the tick may call now: inside its hours, its next attempt known. */
export interface Callable {
  contact: DueContact;
  attempt: number;
  hours: ContactHours;
  /** Set by the model's order: the arm the contact is released in. */
  arm?: Arm;
  /** Set by the model's order: not called now but held for a better hour, due again then. */
  holdUntil?: Date;
}

/**
 * The order a tick releases its callable contacts in, the first `budget` going out: as read (the longest due first)
 * unless the campaign uses the best-time model (src/domain/bestTime.ts). It may only reorder what it is given, and
 * mark some to hold (due again later, never sooner).
 */
export type ReleaseOrder = (callable: readonly Callable[]) => readonly Callable[];

const minutes = (n: number) => n * 60_000;

/** The attempt a due contact would be released with, or what else becomes of it. */
function nextFor(
  contact: DueContact,
  now: Date,
  maxAttempts: number,
  times: PlanTimes,
): { attempt: number } | ContactChange {
  const latest = contact.latest;
  if (latest === undefined) return { attempt: 1 };
  switch (latest.status) {
    // Released before and never claimed (its task lost, or sent back by the dialer): released again.
    case 'queued':
      return { attempt: latest.attempt };
    case 'dialing':
      return {
        kind: 'later',
        contactId: contact.id,
        at: new Date(now.getTime() + minutes(times.releaseLeaseMinutes)),
      };
    case 'skipped_blacklisted':
      return { kind: 'final', contactId: contact.id, outcome: 'do_not_call' };
    case 'initiated':
      if (latest.outcome === null && latest.initiatedAt !== null) {
        const lostAt = latest.initiatedAt.getTime() + minutes(times.resultTimeoutMinutes);
        if (lostAt > now.getTime()) return { kind: 'later', contactId: contact.id, at: new Date(lostAt) };
      }
      break;
    default:
      break;
  }
  if (latest.attempt >= maxAttempts) return { kind: 'final', contactId: contact.id, outcome: 'max_attempts' };
  return { attempt: latest.attempt + 1 };
}

export function planTick(
  now: Date,
  campaign: Pick<ActiveCampaign, 'maxAttempts'> & CampaignHours,
  due: readonly DueContact[],
  budget: number,
  times: PlanTimes,
  table: CallingHours = CALLING_HOURS,
  order: ReleaseOrder = (callable) => callable,
): Plan {
  const changes: ContactChange[] = [];
  const released: Release[] = [];
  let outsideHours = 0;
  // Contacts of one zone set and one set of rules share their verdict: a tick asks once per group.
  const verdicts = new Map<string, Date | 'open'>();
  const leaseEnd = new Date(now.getTime() + minutes(times.releaseLeaseMinutes));
  const callable: Callable[] = [];
  for (const contact of due) {
    const next = nextFor(contact, now, campaign.maxAttempts, times);
    if ('kind' in next) {
      changes.push(next);
      continue;
    }
    const hours = contactHours(contact, campaign, table);
    // Where it is decides its hours: a contact in no zone that can be determined is never called.
    if (hours.zones.length === 0) {
      changes.push({ kind: 'final', contactId: contact.id, outcome: 'no_zone' });
      continue;
    }
    const key = hoursKey(hours);
    let verdict = verdicts.get(key);
    if (verdict === undefined) {
      // No opening within the days searched (windows that never overlap): looked at again in a day.
      verdict = callableAt(now, hours).callable
        ? 'open'
        : (nextCallable(now, hours) ?? new Date(now.getTime() + minutes(24 * 60)));
      verdicts.set(key, verdict);
    }
    if (verdict !== 'open') {
      outsideHours += 1;
      changes.push({ kind: 'later', contactId: contact.id, at: verdict });
    } else {
      callable.push({ contact, attempt: next.attempt, hours });
    }
  }
  // Only contacts inside their hours now are ordered: an order never widens the lawful set, it only ranks it.
  let held = 0;
  let deferredByPace = 0;
  for (const { contact, attempt, arm, holdUntil } of order(callable)) {
    if (holdUntil !== undefined && holdUntil > now) {
      held += 1;
      changes.push({ kind: 'later', contactId: contact.id, at: holdUntil });
    } else if (released.length >= budget) deferredByPace += 1;
    else {
      released.push({ contactId: contact.id, attempt, phoneNumber: contact.phoneNumber });
      changes.push({
        kind: 'release',
        contactId: contact.id,
        attempt,
        at: leaseEnd,
        ...(arm ? { arm } : {}),
      });
    }
  }
  return { changes, released, outsideHours, deferredByPace, held };
}
