/** Best time to call in a tick (pure): the control arm, the order by drawn chance, and that the law still decides. */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { armFigures, bestTimeOrder, inControlArm, uplift } from '../../../src/domain/bestTime.ts';
import { DEFAULT_SETTINGS } from '../../../src/domain/campaignSettings.ts';
import type { DueContact } from '../../../src/domain/schedule.ts';
import { type Plan, planTick } from '../../../src/domain/schedulePlan.ts';
import { betaDraw, seededRandom } from '../../../src/lib/random.ts';
import { eveningModel as eveningModelOf, goodHoursModel } from '../../helpers/answerModels.ts';
import { ORACLE_CONTACTS, oracleViolation } from '../../helpers/lawOracle.ts';

const ALL_DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

const TIMES = { releaseLeaseMinutes: 15, resultTimeoutMinutes: 60 };
// Tuesday 2030-01-15 23:30 UTC: 18:30 in New York, 15:30 in Los Angeles.
const NOW = new Date('2030-01-15T23:30:00Z');
const CAMPAIGN = {
  callingWindow: { start: '09:00', end: '21:00', days: ['mon', 'tue', 'wed', 'thu', 'fri'] as const },
  maxAttempts: 3,
};

const eveningModel = () => eveningModelOf('v-test', ['US-NY', 'US-CA'], NOW);

const C1 = {
  id: 'c-1',
  endAt: null,
  startAt: null,
  startedAt: null,
  maxAttempts: 3,
  retryDelays: DEFAULT_SETTINGS.retryDelays,
};
const HOUR = 3_600_000;

const contact = (id: string, phoneNumber: string): DueContact => ({ id, phoneNumber });

/** The contacts a plan held (due again later though callable now, by the plan without an order), and until when. */
function heldOf(plan: Plan, due: readonly DueContact[], without: Plan) {
  const callableNow = new Set(without.released.map((r) => r.contactId));
  return plan.changes.flatMap((change) =>
    change.kind === 'later' && callableNow.has(change.contactId)
      ? [{ contact: due.find((c) => c.id === change.contactId) as DueContact, until: change.at }]
      : [],
  );
}
const newYork = (n: number) => contact(`ny-${n}`, `+1212555${String(1000 + n)}`);
const losAngeles = (n: number) => contact(`la-${n}`, `+1213555${String(1000 + n)}`);

describe('best time to call in a tick', () => {
  it('puts a stable tenth of a campaign’s contacts in the control arm, ids alike or not', () => {
    // Ids that differ only in their last characters, as generated ids do, spread like any others.
    for (const prefix of ['contact-', 'k-']) {
      const alike = Array.from({ length: 1_000 }, (_, i) => `${prefix}${i}`);
      const share = alike.filter((id) => inControlArm('c-bt', id, 0.1)).length / alike.length;
      expect(share).toBeGreaterThan(0.07);
      expect(share).toBeLessThan(0.13);
      expect(alike.slice(0, 20).filter((id) => inControlArm('c-bt', id, 0.1)).length).toBeLessThan(8);
    }
    const ids = Array.from({ length: 20_000 }, (_, i) => `k-${i}`);
    const share = ids.filter((id) => inControlArm('c-1', id, 0.1)).length / ids.length;
    expect(share).toBeGreaterThan(0.09);
    expect(share).toBeLessThan(0.11);
    expect(ids.filter((id) => inControlArm('c-1', id, 0.1))).toEqual(
      ids.filter((id) => inControlArm('c-1', id, 0.1)),
    );
    expect(ids.some((id) => inControlArm('c-1', id, 0.1) !== inControlArm('c-2', id, 0.1))).toBe(true);
  });

  it('releases the contacts whose evening it is first, the control arm as read, in proportion', () => {
    // Prepare: Los Angeles contacts read first (due longest), New York ones after.
    const due = [
      ...Array.from({ length: 20 }, (_, i) => losAngeles(i)),
      ...Array.from({ length: 20 }, (_, i) => newYork(i)),
    ];
    const { order, summary } = bestTimeOrder(
      eveningModel(),
      { enabled: true, controlShare: 0, maxHoldHours: 0 },
      C1,
      NOW,
      betaDraw(seededRandom(1)),
    );

    // Act
    const plan = planTick(NOW, CAMPAIGN, due, 10, TIMES, undefined, order);

    // Assess: 18:30 in New York (evening), 15:30 in Los Angeles.
    expect(plan.released.map((r) => r.contactId.slice(0, 2))).toEqual(Array(10).fill('ny'));
    expect(plan.deferredByPace).toBe(30);
    expect(summary()).toMatchObject({ scored: 40, arms: { model: 40, control: 0 } });
    expect(summary().score?.max).toBeGreaterThan(0.5);
  });

  it('keeps the control arm in the order it was read, and gives it its share of every budget', () => {
    const due = Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? losAngeles(i) : newYork(i)));
    const { order } = bestTimeOrder(
      eveningModel(),
      { enabled: true, controlShare: 0.3, maxHoldHours: 0 },
      C1,
      NOW,
      betaDraw(seededRandom(2)),
    );

    const plan = planTick(NOW, CAMPAIGN, due, 20, TIMES, undefined, order);

    const control = due.filter((c) => inControlArm('c-1', c.id, 0.3)).map((c) => c.id);
    const releasedControl = plan.released.map((r) => r.contactId).filter((id) => control.includes(id));
    expect(releasedControl).toEqual(control.slice(0, releasedControl.length));
    // Every arm gets its share of a budget, within one contact.
    expect(Math.abs(releasedControl.length - (20 * control.length) / due.length)).toBeLessThanOrEqual(1);
  });

  it('holds a contact for its evening later today, and calls those whose evening it is', () => {
    // 19:30 in New York (the model's best hour), 16:30 in Los Angeles: its evening is within the 8 hours a hold may take.
    const at = new Date(NOW.getTime() + HOUR);
    const due = [losAngeles(1), newYork(1)];
    const { order, summary } = bestTimeOrder(
      eveningModel(),
      { enabled: true, controlShare: 0, maxHoldHours: 8 },
      C1,
      at,
      betaDraw(seededRandom(3)),
    );

    const plan = planTick(at, CAMPAIGN, due, 10, TIMES, undefined, order);

    expect(plan.released.map((r) => r.contactId)).toEqual(['ny-1']);
    expect(plan.held).toBe(1);
    const later = plan.changes.find((c) => c.contactId === 'la-1');
    expect(later).toMatchObject({ kind: 'later' });
    // Held to the start of an hour of its evening in Los Angeles (18:00, 19:00 or 20:00): 1½ to 3½ hours on.
    const hours = ((later as { at: Date }).at.getTime() - at.getTime()) / HOUR;
    expect([1.5, 2.5, 3.5]).toContain(hours);
    expect(summary()).toMatchObject({ scored: 2, held: 1 });
  });

  it('holds no longer than the hours left of its wait, nor near the campaign’s end, nor with holds off', () => {
    const due = (dueAt: Date) => [{ ...losAngeles(1), dueAt }];
    const planWith = (
      maxHoldHours: number,
      campaign: Omit<typeof C1, 'endAt'> & { endAt: Date | null },
      dueAt = NOW,
    ) =>
      planTick(
        NOW,
        CAMPAIGN,
        due(dueAt),
        10,
        TIMES,
        undefined,
        bestTimeOrder(
          eveningModel(),
          { enabled: true, controlShare: 0, maxHoldHours },
          campaign,
          NOW,
          betaDraw(seededRandom(4)),
        ).order,
      );
    // Due for 7½ of its 8 hours already: no later hour is left to hold it for; called now.
    expect(planWith(8, C1, new Date(NOW.getTime() - 7.5 * HOUR)).released).toHaveLength(1);
    // Holds off.
    expect(planWith(0, C1).released).toHaveLength(1);
    // The campaign ends in a day: 3 attempts left, each of which could be held 8 hours, do not all fit after a hold.
    expect(planWith(8, { ...C1, endAt: new Date(NOW.getTime() + 24 * HOUR) }).released).toHaveLength(1);
    // The same campaign ending in three days: held.
    expect(planWith(8, { ...C1, endAt: new Date(NOW.getTime() + 72 * HOUR) }).held).toBe(1);
  });

  it('never holds across a closing: the next morning is better, but the night lies between', () => {
    // 20:15 in New York; the campaign calls from 08:00, and mornings (08:00-09:59) answer best: 12 hours on is 08:15.
    const late = new Date('2030-01-16T01:15:00Z');
    const mornings = goodHoursModel('v-morning', ['US-NY'], NOW, (hour) => hour >= 8 && hour < 10);
    const { order } = bestTimeOrder(
      mornings,
      { enabled: true, controlShare: 0, maxHoldHours: 12 },
      C1,
      late,
      betaDraw(seededRandom(5)),
    );
    const early = { ...CAMPAIGN, callingWindow: { ...CAMPAIGN.callingWindow, start: '08:00' } };
    const plan = planTick(late, early, [newYork(1), newYork(2)], 10, TIMES, undefined, order);
    expect(plan.released).toHaveLength(2);
    expect(plan.held).toBe(0);
  });

  it('never releases a contact outside the hours of any zone it may be in, by an oracle of its own (any instant)', () => {
    const model = eveningModel();
    const everyDay = { ...CAMPAIGN, callingWindow: { ...CAMPAIGN.callingWindow, days: [...ALL_DAYS] } };
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('2027-01-01T00:00:00Z'),
          max: new Date('2028-01-01T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.subarray([...ORACLE_CONTACTS], { minLength: 1 }),
        fc.integer({ min: 1, max: 20 }),
        (now, picked, budget) => {
          const due = picked.map((place, i) => ({ id: `k-${i}`, ...place }));
          const { order } = bestTimeOrder(
            model,
            { enabled: true, controlShare: 0.1, maxHoldHours: 8 },
            C1,
            now,
            betaDraw(seededRandom(budget)),
          );
          const plan = planTick(now, everyDay, due, budget, TIMES, undefined, order);
          const without = planTick(now, everyDay, due, due.length, TIMES);
          for (const released of plan.released) {
            const found = due.find((c) => c.id === released.contactId) as DueContact;
            expect(oracleViolation(now, found, [9 * 60, 21 * 60])).toBeUndefined();
          }
          // A hold is to a later instant the oracle finds inside the contact's hours too, at most 8 hours on.
          const holds = heldOf(plan, due, without);
          for (const { contact, until } of holds) {
            expect(until.getTime()).toBeGreaterThan(now.getTime());
            expect(until.getTime() - now.getTime()).toBeLessThanOrEqual(8 * HOUR);
            expect(oracleViolation(until, contact, [9 * 60, 21 * 60])).toBeUndefined();
          }
          // The model only orders and holds: as many go out as the budget allows of those the rules allow, less holds.
          expect(plan.released).toHaveLength(Math.min(budget, without.released.length - holds.length));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('the arms’ figures', () => {
  it('gives each arm its contact rate with a 95% Wilson interval, and the uplift with its interval', () => {
    const control = armFigures({ calls: 1_000, answered: 200 });
    expect(control.contactRate).toBe(0.2);
    // The textbook figures for 200 of 1,000: 0.1762 to 0.2261.
    expect(control.interval95?.[0]).toBeCloseTo(0.1762, 3);
    expect(control.interval95?.[1]).toBeCloseTo(0.2261, 3);
    expect(armFigures({ calls: 0, answered: 0 })).toMatchObject({ contactRate: null, interval95: null });

    const gain = uplift({ calls: 1_000, answered: 250 }, { calls: 1_000, answered: 200 });
    expect(gain?.relative).toBeCloseTo(0.25, 6);
    // The ratio's interval (log scale): about 1.06 to 1.47.
    expect(gain?.interval95[0]).toBeCloseTo(0.0626, 2);
    expect(gain?.interval95[1]).toBeCloseTo(0.4706, 2);
    expect(uplift({ calls: 10, answered: 0 }, { calls: 10, answered: 3 })).toBeNull();
  });
});
