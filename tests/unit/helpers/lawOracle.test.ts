/**
 * The engine's verdicts against the law oracle (tests/helpers/lawOracle.ts, its own tables), every 15 minutes from
 * 13 to 31 March 2027 (the US and EU daylight-saving changes, three Sundays, Louisiana's Good Friday), for every case
 * the outside audit found. And the sabotage check: an engine that drops any one source of a contact's zones lets
 * through calls the oracle catches, so the oracle runs (here and in tests/integration/lawOracle.test.ts) can fail.
 */
import { describe, expect, it } from '@jest/globals';
import { type CallingRulesFor, callableAt } from '../../../src/domain/callingHours.ts';
import type { ZoneSource } from '../../../src/domain/candidateZones.ts';
import { engineHoursOf, ORACLE_WINDOW_MINUTES } from '../../helpers/engineHours.ts';
import { ORACLE_CONTACTS, type OracleContact, oracleViolation } from '../../helpers/lawOracle.ts';

const START = Date.parse('2027-03-13T00:00:00Z');
const INSTANTS = Array.from({ length: 18 * 96 }, (_, i) => new Date(START + i * 15 * 60_000));

const hoursOf = engineHoursOf;

/** The instants at which `rules` would allow a call the oracle says is unlawful. */
function unlawfulAllowed(contact: OracleContact, rules: CallingRulesFor): string[] {
  return INSTANTS.flatMap((at) => {
    if (!callableAt(at, rules).callable) return [];
    const why = oracleViolation(at, contact, ORACLE_WINDOW_MINUTES);
    return why ? [`${at.toISOString()} ${contact.phoneNumber.slice(0, 5)}: ${why}`] : [];
  });
}

describe('the engine against the law oracle', () => {
  it('allows no call the oracle finds unlawful, for any case, at any quarter hour of the period', () => {
    const found = ORACLE_CONTACTS.flatMap((contact) => unlawfulAllowed(contact, hoursOf(contact)));
    expect(found).toEqual([]);
  });

  it('still calls each case at some time: the rules are lawful, not idle', () => {
    const idle = ORACLE_CONTACTS.filter((contact) => {
      const hours = hoursOf(contact);
      return !INSTANTS.some((at) => callableAt(at, hours).callable);
    });
    expect(idle).toEqual([]);
  });

  it.each<ZoneSource>(['area_code', 'given', 'state', 'postal_code'])(
    'catches an engine that drops the %s source of a contact’s zones',
    (source) => {
      const found = ORACLE_CONTACTS.flatMap((contact) => {
        const hours = hoursOf(contact);
        // The zones some other source gives: those an engine without this source would have kept.
        const kept = hours.zones.filter((zone) =>
          (hours.zoneSources[zone] ?? []).some((from) => from !== source),
        );
        return unlawfulAllowed(contact, { ...hours, zones: kept });
      });
      expect(found.length).toBeGreaterThan(0);
    },
  );
});
