/** The scheduler's plan for a tick (pure): what becomes of each due contact, from its latest attempt, hours and pace. */
import { describe, expect, it } from '@jest/globals';
import { planTick } from '../../../src/domain/schedulePlan.ts';
import type { DueContact } from '../../../src/repositories/scheduleRepository.ts';

// A Tuesday, 16:00 UTC: 11:00 in New York, 08:00 in Los Angeles (before the campaign's 09:00).
const NOW = new Date('2030-01-15T16:00:00Z');
const CAMPAIGN = {
  callingWindow: {
    start: '09:00',
    end: '20:00',
    days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const,
  },
  maxAttempts: 3,
};
const NEW_YORK = { phoneNumber: '+12125550100' };
/** The scheduler's settings' defaults (schemas/environment.schema.json). */
const TIMES = { releaseLeaseMinutes: 15, resultTimeoutMinutes: 60 };
const minutes = (n: number) => new Date(NOW.getTime() + n * 60_000);

function due(
  id: string,
  latest?: DueContact['latest'],
  where: Pick<DueContact, 'phoneNumber' | 'timeZone' | 'usState' | 'postalCode'> = NEW_YORK,
): DueContact {
  return { id, ...where, ...(latest ? { latest } : {}) };
}

const attempt = (n: number, status: NonNullable<DueContact['latest']>['status'], extra = {}) => ({
  attempt: n,
  status,
  outcome: null,
  initiatedAt: null,
  ...extra,
});

describe('planTick', () => {
  it('releases a contact’s next attempt, or the same one again when it was released and never claimed', () => {
    const plan = planTick(
      NOW,
      CAMPAIGN,
      [
        due('fresh'),
        due('retry', attempt(1, 'initiated', { outcome: 'busy', initiatedAt: minutes(-30) })),
        due('lost', attempt(2, 'queued')),
      ],
      10,
      TIMES,
    );
    expect(plan.released.map((r) => `${r.contactId}:${r.attempt}`)).toEqual(['fresh:1', 'retry:2', 'lost:2']);
    // Each released contact is due again after the lease, if nothing is heard of its task
    expect(plan.changes).toEqual(
      plan.released.map((r) => ({
        kind: 'release',
        contactId: r.contactId,
        attempt: r.attempt,
        at: minutes(15),
      })),
    );
  });

  it('waits for a call being placed or ringing, and takes a result that never came as lost after an hour', () => {
    const plan = planTick(
      NOW,
      CAMPAIGN,
      [
        due('placing', attempt(1, 'dialing')),
        due('ringing', attempt(1, 'initiated', { initiatedAt: minutes(-20) })),
        due('silent', attempt(1, 'initiated', { initiatedAt: minutes(-61) })),
      ],
      10,
      TIMES,
    );
    expect(plan.changes).toEqual([
      { kind: 'later', contactId: 'placing', at: minutes(15) },
      { kind: 'later', contactId: 'ringing', at: minutes(40) },
      { kind: 'release', contactId: 'silent', attempt: 2, at: minutes(15) },
    ]);
  });

  it('ends a contact whose attempts are used up, or whose number was found listed', () => {
    const plan = planTick(
      NOW,
      CAMPAIGN,
      [
        due('used', attempt(3, 'initiated', { outcome: 'no_answer', initiatedAt: minutes(-90) })),
        due('listed', attempt(1, 'skipped_blacklisted')),
      ],
      10,
      TIMES,
    );
    expect(plan.released).toEqual([]);
    expect(plan.changes).toEqual([
      { kind: 'final', contactId: 'used', outcome: 'max_attempts' },
      { kind: 'final', contactId: 'listed', outcome: 'do_not_call' },
    ]);
  });

  it('moves a contact outside its hours to their next opening, in every zone it may be in', () => {
    const losAngeles = { phoneNumber: '+12135550100' };
    // A split area code: Mountain and Central time; its hours open at 09:00 Mountain (16:00 UTC)
    const split = { phoneNumber: '+16055550100' };
    const plan = planTick(
      NOW,
      CAMPAIGN,
      [due('la', undefined, losAngeles), due('split', undefined, split)],
      10,
      TIMES,
    );
    expect(plan.outsideHours).toBe(1);
    expect(plan.changes).toEqual([
      // 09:00 in Los Angeles is 17:00 UTC
      { kind: 'later', contactId: 'la', at: new Date('2030-01-15T17:00:00Z') },
      { kind: 'release', contactId: 'split', attempt: 1, at: minutes(15) },
    ]);
  });

  it('applies the rules of the state given with a contact as well as its number’s: Texas, no call before noon on Sundays', () => {
    // Sunday 20 January 2030, 16:00 UTC: 11:00 in New York (a 202 number: no Sunday rule of its own); stated to
    // live in Texas, the contact may be in El Paso too (Mountain): noon there is 19:00 UTC.
    const sunday = new Date('2030-01-20T16:00:00Z');
    const plan = planTick(
      sunday,
      CAMPAIGN,
      [
        due('dc'),
        due('moved-to-texas', undefined, { ...NEW_YORK, phoneNumber: '+12025550101', usState: 'TX' }),
      ],
      10,
      TIMES,
    );
    // Contacts outside their hours are moved first, then the releases in their order.
    expect(plan.changes).toEqual([
      { kind: 'later', contactId: 'moved-to-texas', at: new Date('2030-01-20T19:00:00Z') },
      { kind: 'release', contactId: 'dc', attempt: 1, at: new Date(sunday.getTime() + 15 * 60_000) },
    ]);
  });

  it('releases no more than the budget; the rest stay due for the next tick', () => {
    const contacts = Array.from({ length: 5 }, (_, i) =>
      due(`c${i}`, undefined, { ...NEW_YORK, phoneNumber: `+1202555010${i}` }),
    );
    const plan = planTick(NOW, CAMPAIGN, contacts, 2, TIMES);
    expect(plan.released.map((r) => r.contactId)).toEqual(['c0', 'c1']);
    expect(plan.deferredByPace).toBe(3);
    expect(plan.changes).toHaveLength(2);
  });

  it('ends a contact in no zone that can be determined, and closes the days a campaign blocked', () => {
    // A toll-free number with nothing given: where it is, and so its hours, cannot be known.
    const plan = planTick(
      NOW,
      { ...CAMPAIGN, blockedDates: ['2030-01-15'] },
      [due('toll-free', undefined, { phoneNumber: '+18005550100' }), due('ny')],
      10,
      TIMES,
    );
    expect(plan.changes).toEqual([
      { kind: 'final', contactId: 'toll-free', outcome: 'no_zone' },
      // Tuesday 15 January is blocked: Wednesday 09:00 in New York
      { kind: 'later', contactId: 'ny', at: new Date('2030-01-16T14:00:00Z') },
    ]);
    expect(plan.released).toEqual([]);
  });
});
