/** The functions' clock (see ClockConfig): the system clock, or on the local stack one that may run faster. */
import type { ClockConfig } from './config.ts';

export type Clock = () => Date;

export function clockOf({ scale, originMs, startMs }: ClockConfig): Clock {
  if (scale === 1 && startMs === undefined) return () => new Date();
  const start = startMs ?? originMs;
  return () => new Date(start + (Date.now() - originMs) * scale);
}
