/**
 * Where a group of contacts' calling hours stand now, for the dashboard's "calling hours now" (through the preview):
 * open until when, or closed until when, by the engine's own verdicts (src/domain/callingHours.ts). Shown, never
 * used to decide a call: the claim decides each call again.
 */
import { type CallingRulesFor, callableAt, nextCallable } from './callingHours.ts';

export interface Openings {
  open: boolean;
  /** Open now: the first minute it is not, within `horizonHours` (none: open throughout). */
  closesAt?: Date;
  /** Closed now: the first minute it opens, within 8 days (none: it never does). */
  opensAt?: Date;
}

const MINUTE = 60_000;
const STEP = 15 * MINUTE;

export function openings(at: Date, hours: CallingRulesFor, horizonHours = 24): Openings {
  const from = new Date(Math.floor(at.getTime() / MINUTE) * MINUTE);
  if (!callableAt(from, hours).callable) {
    const opensAt = nextCallable(from, hours);
    return opensAt ? { open: false, opensAt } : { open: false };
  }
  // Closings fall on whole minutes: quarter-hour steps find the quarter, halving finds the minute.
  const end = from.getTime() + horizonHours * 3_600_000;
  let lastOpen = from.getTime();
  for (let t = lastOpen + STEP; t <= end; t += STEP) {
    if (callableAt(new Date(t), hours).callable) {
      lastOpen = t;
      continue;
    }
    let [open, closed] = [lastOpen, t];
    while (closed - open > MINUTE) {
      const middle = open + Math.floor((closed - open) / 2 / MINUTE) * MINUTE;
      if (callableAt(new Date(middle), hours).callable) open = middle;
      else closed = middle;
    }
    return { open: true, closesAt: new Date(closed) };
  }
  return { open: true };
}
