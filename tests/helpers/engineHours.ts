/**
 * The engine's side of the law-oracle runs: a contact's hours as src/domain/callingHours.ts gives them, in the
 * campaign window those runs use (08:00-21:00 every day; the oracle takes it as minutes). Kept apart from
 * tests/helpers/lawOracle.ts, which must not know the engine.
 */
import { type CallingWindow, contactHours } from '../../src/domain/callingHours.ts';
import type { OracleContact } from './lawOracle.ts';

export const ORACLE_WINDOW: CallingWindow = {
  start: '08:00',
  end: '21:00',
  days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
};
/** The same window, [from, to) in minutes, as oracleViolation takes it. */
export const ORACLE_WINDOW_MINUTES: [number, number] = [8 * 60, 21 * 60];

export const engineHoursOf = (contact: OracleContact) =>
  contactHours(
    {
      phoneNumber: contact.phoneNumber,
      timeZone: contact.timeZone ?? null,
      usState: contact.usState ?? null,
      postalCode: contact.postalCode ?? null,
    },
    { callingWindow: ORACLE_WINDOW },
  );
