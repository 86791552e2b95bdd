/** The functions' clock (see ClockConfig): the system clock, or on the local stack one that may run faster. */
import type { ClockConfig } from './config.ts';

export type Clock = () => Date;

export function clockOf({ scale, originMs }: ClockConfig): Clock {
  if (scale === 1) return () => new Date();
  return () => new Date(originMs + (Date.now() - originMs) * scale);
}
