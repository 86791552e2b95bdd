/**
 * Holding a contact for a better hour (docs/best-time.md). A contact of the model's arm that may be called now is held
 * instead when the model predicts a clearly better chance at a later hour that is, all of it:
 * - inside the contact's calling hours as they run now (the same lawful stretch: the rules find it open at each
 *   hour from now to it, so a hold does not cross a night, a closing or a holiday; the rules decide again when it is
 *   due);
 * - at most `maxHoldHours` after the contact became due (it may have waited already, overnight even: the wait counts);
 * - far enough from the campaign's `endAt` that each attempt it has left could still be held once and be placed.
 * Now and later are compared on the tick's draw of the model (Thompson sampling, as the order uses), so an hour the
 * model is unsure of is sometimes held for, and learned. A hold only delays: it spends no attempt, and the rules
 * decide again when the contact is due.
 */
import { type CallFeatures, hourOfWeek } from './answerModel.ts';
import { callableAt, hoursKey } from './callingHours.ts';
import type { Callable } from './schedulePlan.ts';

/** How much better (relative) a later hour must be predicted to hold a contact for it. */
export const MIN_HOLD_GAIN = 0.15;

const HOUR = 3_600_000;

export interface HoldBounds {
  maxHoldHours: number;
  endAt: Date | null;
  maxAttempts: number;
  retryDelays: Readonly<Record<string, number>>;
  /** When the campaign began calling (started, or its `startAt` if later): first attempts wait from then. */
  calledFrom: Date | null;
}

/**
 * Since when a contact has been waiting for its next attempt, whatever moved its due time since (a window's next
 * opening, an earlier hold): a first attempt since the campaign began calling or it was added, whichever is later; a
 * retry since its retry delay after the last call ran out; else since it is due. So a contact is held once per
 * attempt at most by `maxHoldHours` in all, and one that waited overnight is not held again in the morning.
 */
function waitingSince(callable: Callable, bounds: HoldBounds, now: Date): number {
  const dueAt = Math.min(callable.contact.dueAt?.getTime() ?? now.getTime(), now.getTime());
  const latest = callable.contact.latest;
  if (callable.attempt === 1) {
    const from = Math.max(bounds.calledFrom?.getTime() ?? 0, callable.contact.addedAt?.getTime() ?? 0);
    return from > 0 ? Math.min(dueAt, from) : dueAt;
  }
  const delay = latest?.outcome ? bounds.retryDelays[latest.outcome] : undefined;
  if (latest?.initiatedAt == null || delay === undefined) return dueAt;
  return Math.min(dueAt, latest.initiatedAt.getTime() + delay * 60_000);
}

/**
 * A tick's hold decisions, at `now`, with the tick's chances (`sampledChances` of the model): a function from a
 * model-arm contact (its zone, features now and chance now) to the instant it is held until, or undefined to call it
 * now. The calling rules' verdicts, the zones' hours of the week and the chances are computed once per group and hour
 * ahead, not per contact.
 */
export function holdPlanner(chances: (features: CallFeatures) => number, bounds: HoldBounds, now: Date) {
  const steps = Math.floor(bounds.maxHoldHours);
  // Computed once per tick and hour ahead: the rules' verdict per set of hours, the hour of the week per zone, the
  // chance per set of features other than the hour.
  const open = new Map<string, boolean[]>();
  const hours = new Map<string, number[]>();
  const known = new Map<string, number[]>();
  // The hours ahead start on the hour: a contact held to 20:00 is retried a day later at 20:00 and some, not at 20:48
  // where a minute's delay would put the retry past the closing, and the attempt into the next day.
  const nextHour = (Math.floor(now.getTime() / HOUR) + 1) * HOUR;
  const at = (step: number) => new Date(nextHour + (step - 1) * HOUR);
  const row = <T>(cache: Map<string, T[]>, key: string): T[] => {
    let found = cache.get(key);
    if (found === undefined) {
      found = [];
      cache.set(key, found);
    }
    return found;
  };

  return (callable: Callable, zone: string, features: CallFeatures, chanceNow: number): Date | undefined => {
    if (steps < 1) return undefined;
    let latest = waitingSince(callable, bounds, now) + bounds.maxHoldHours * HOUR;
    if (bounds.endAt !== null) {
      const attemptsLeft = Math.max(1, bounds.maxAttempts - callable.attempt + 1);
      latest = Math.min(latest, bounds.endAt.getTime() - attemptsLeft * bounds.maxHoldHours * HOUR);
    }
    const verdicts = row(open, hoursKey(callable.hours));
    const zoneHours = row(hours, zone);
    const forFeatures = row(known, `${features.region}|${features.attempt}|${features.lastOutcome}`);
    let best: { step: number; chance: number } | undefined;
    for (let step = 1; step <= steps + 1 && at(step).getTime() <= latest; step += 1) {
      verdicts[step] ??= callableAt(at(step), callable.hours).callable;
      // The same lawful stretch only: the first closed hour ends the search.
      if (!verdicts[step]) break;
      const hour = zoneHours[step] ?? hourOfWeek(at(step), zone);
      zoneHours[step] = hour;
      const later = forFeatures[hour] ?? chances({ ...features, hourOfWeek: hour });
      forFeatures[hour] = later;
      if (best === undefined || later > best.chance) best = { step, chance: later };
    }
    return best !== undefined && best.chance > chanceNow * (1 + MIN_HOLD_GAIN) ? at(best.step) : undefined;
  };
}
