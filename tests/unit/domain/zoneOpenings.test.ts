/**
 * The dashboard's "calling hours now" (src/domain/zoneOpenings.ts) against the law oracle (tests/helpers/lawOracle.ts,
 * its own tables and reading of local time), for every case of the outside audit, every 97 minutes from 13 to 16
 * March 2027 (the US change to summer time, a Sunday) and from 25 to 29 March (Louisiana's Good Friday, the EU
 * change): a closing it announces is lawful the minute before and past the law (or the window) within the closing
 * margin after; an opening is lawful at its minute and not the minute before.
 */
import { describe, expect, it } from '@jest/globals';
import { CLOSING_MARGIN_MINUTES } from '../../../src/domain/callingHours.ts';
import { openings } from '../../../src/domain/zoneOpenings.ts';
import { engineHoursOf, ORACLE_WINDOW_MINUTES } from '../../helpers/engineHours.ts';
import { ORACLE_CONTACTS, type OracleContact, oracleViolation } from '../../helpers/lawOracle.ts';

const MINUTE = 60_000;
const STEP = 97 * MINUTE;
const spans = [
  [Date.parse('2027-03-13T00:00:00Z'), Date.parse('2027-03-16T00:00:00Z')],
  [Date.parse('2027-03-25T00:00:00Z'), Date.parse('2027-03-29T00:00:00Z')],
];
const INSTANTS = spans.flatMap(([from = 0, to = 0]) =>
  Array.from({ length: Math.floor((to - from) / STEP) }, (_, i) => new Date(from + i * STEP)),
);

const hoursOf = engineHoursOf;

const lawful = (at: Date, contact: OracleContact) =>
  oracleViolation(at, contact, ORACLE_WINDOW_MINUTES) === undefined;
const shifted = (at: Date, minutes: number) => new Date(at.getTime() + minutes * MINUTE);

describe('calling hours now, against the law oracle', () => {
  it('announces closings and openings the oracle agrees with, for every case across both changes', () => {
    const problems: string[] = [];
    let closings = 0;
    let openingsSeen = 0;
    for (const contact of ORACLE_CONTACTS) {
      const hours = hoursOf(contact);
      for (const at of INSTANTS) {
        const now = openings(at, hours);
        const where = `${contact.phoneNumber.slice(0, 6)} at ${at.toISOString()}`;
        if (now.open) {
          if (!lawful(at, contact)) problems.push(`${where}: said open, the oracle says unlawful`);
          if (now.closesAt) {
            closings += 1;
            if (!lawful(shifted(now.closesAt, -1), contact))
              problems.push(`${where}: unlawful the minute before its closing ${now.closesAt.toISOString()}`);
            if (lawful(shifted(now.closesAt, CLOSING_MARGIN_MINUTES), contact))
              problems.push(
                `${where}: still lawful a margin after its closing ${now.closesAt.toISOString()}`,
              );
          }
        } else {
          if (lawful(at, contact) && lawful(shifted(at, CLOSING_MARGIN_MINUTES), contact))
            problems.push(`${where}: said closed, lawful now and a margin later`);
          if (now.opensAt) {
            openingsSeen += 1;
            if (!lawful(now.opensAt, contact))
              problems.push(`${where}: opening ${now.opensAt.toISOString()} unlawful`);
            if (lawful(shifted(now.opensAt, -1), contact))
              problems.push(
                `${where}: already lawful the minute before its opening ${now.opensAt.toISOString()}`,
              );
          }
        }
      }
    }
    expect(problems).toEqual([]);
    // Both kinds were met many times: the checks above ran.
    expect(closings).toBeGreaterThan(200);
    expect(openingsSeen).toBeGreaterThan(200);
  });
});
