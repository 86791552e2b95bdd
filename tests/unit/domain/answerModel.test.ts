/** The best-time-to-call model (pure): what it learns from counts, how it is judged, how it explores. */
import { describe, expect, it } from '@jest/globals';
import {
  type AnswerCounts,
  answerChance,
  hourOfWeek,
  promotable,
  sampledChances,
  trainAnswerModel,
} from '../../../src/domain/answerModel.ts';
import { betaDraw, seededRandom } from '../../../src/lib/random.ts';

const ABOUT = {
  version: 'v1',
  trainedAt: new Date('2030-02-01T00:00:00Z'),
  window: { from: new Date('2030-01-01T00:00:00Z'), to: new Date('2030-02-01T00:00:00Z') },
};

/** Calls drawn with a true chance per hour of the week: `truth(hour)`, in every region alike. */
function calls(truth: (hour: number) => number, perHour: number, seed: number): AnswerCounts[] {
  const random = seededRandom(seed);
  const rows: AnswerCounts[] = [];
  for (let hour = 0; hour < 168; hour += 1) {
    for (const region of ['US-NY', 'US-CA']) {
      let answered = 0;
      for (let i = 0; i < perHour; i += 1) if (random() < truth(hour)) answered += 1;
      rows.push({ hourOfWeek: hour, region, attempt: 1, lastOutcome: 'none', calls: perHour, answered });
    }
  }
  return rows;
}

/** People answer in the evening (18:00-20:59, weekdays) and at weekends far more than in working hours. */
const evenings = (hour: number) => {
  const day = Math.floor(hour / 24);
  const local = hour % 24;
  if (day >= 5) return 0.45;
  return local >= 18 && local < 21 ? 0.55 : 0.15;
};

describe('the answer model', () => {
  it('learns the hours people answer, beats the base rate on held-out calls and is promoted', () => {
    // Act
    const model = trainAnswerModel(calls(evenings, 40, 1), calls(evenings, 10, 2), ABOUT);

    // Assess
    const tuesday = (local: number) => ({
      hourOfWeek: 24 + local,
      region: 'US-NY',
      attempt: 1,
      lastOutcome: 'none' as const,
    });
    expect(answerChance(model, tuesday(19))).toBeGreaterThan(0.45);
    expect(answerChance(model, tuesday(10))).toBeLessThan(0.22);
    expect(model.metrics.logLoss).toBeLessThan(model.metrics.baseLogLoss);
    expect(model.metrics.auc).toBeGreaterThan(0.65);
    expect(model.rows).toEqual({ trainingCalls: 168 * 2 * 40, heldOutCalls: 168 * 2 * 10 });
    expect(promotable(model)).toMatchObject({ promote: true });
  });

  it('is not promoted when the hours say nothing (no better than the base rate) or held-out calls are too few', () => {
    const flat = () => 0.3;
    const noise = trainAnswerModel(calls(flat, 40, 3), calls(flat, 10, 4), ABOUT);
    const few = trainAnswerModel(calls(evenings, 40, 5), calls(evenings, 1, 6), ABOUT);

    expect(promotable(noise)).toMatchObject({ promote: false, reason: expect.stringContaining('log loss') });
    expect(promotable(few)).toMatchObject({
      promote: false,
      reason: expect.stringContaining('held-out calls'),
    });
  });

  it('shrinks a level seen on few calls toward the base rate', () => {
    const rows: AnswerCounts[] = [
      { hourOfWeek: 10, region: 'US-NY', attempt: 1, lastOutcome: 'none', calls: 10_000, answered: 3_000 },
      { hourOfWeek: 10, region: 'FR', attempt: 1, lastOutcome: 'none', calls: 2, answered: 2 },
    ];
    const model = trainAnswerModel(rows, [], ABOUT);

    // Two answers in two calls move France's chance a little, not to 100%.
    const france = answerChance(model, { hourOfWeek: 10, region: 'FR', attempt: 1, lastOutcome: 'none' });
    expect(france).toBeGreaterThan(0.3);
    expect(france).toBeLessThan(0.35);
  });

  it('draws a seldom-tried hour’s chance widely and a well-known hour’s narrowly (Thompson sampling)', () => {
    // Hour 30 (Tuesday 06:00) and its neighbours were called 5,000 times each; hour 100 and its neighbours never.
    const model = trainAnswerModel(
      [29, 30, 31].map((hour) => ({
        hourOfWeek: hour,
        region: 'US-NY',
        attempt: 1,
        lastOutcome: 'none' as const,
        calls: 5_000,
        answered: 1_000,
      })),
      [],
      ABOUT,
    );
    const draw = betaDraw(seededRandom(8));
    const spread = (hour: number) => {
      const draws = Array.from({ length: 400 }, () =>
        sampledChances(model, draw)({ hourOfWeek: hour, region: 'US-NY', attempt: 1, lastOutcome: 'none' }),
      );
      const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
      return Math.sqrt(draws.reduce((a, b) => a + (b - mean) ** 2, 0) / draws.length);
    };
    expect(spread(100)).toBeGreaterThan(5 * spread(30));
  });

  it('reads the hour of the week in the contact’s zone, across a daylight-saving change', () => {
    // Tuesday 2030-01-15 16:00 UTC: 11:00 in New York (EST), Tuesday 24 + 11.
    expect(hourOfWeek(new Date('2030-01-15T16:00:00Z'), 'America/New_York')).toBe(35);
    // Sunday 2030-03-10: clocks go forward at 02:00 in New York; 07:30 UTC is 03:30 EDT, Sunday 144 + 3.
    expect(hourOfWeek(new Date('2030-03-10T07:30:00Z'), 'America/New_York')).toBe(147);
    expect(hourOfWeek(new Date('2030-03-10T06:30:00Z'), 'America/New_York')).toBe(145);
  });
});

describe('betaDraw', () => {
  it('draws around the posterior mean, the same draws from the same seed', () => {
    const draws = (seed: number) => {
      const draw = betaDraw(seededRandom(seed));
      return Array.from({ length: 2000 }, () => draw(30, 70));
    };
    const sample = draws(9);
    const mean = sample.reduce((a, b) => a + b, 0) / sample.length;
    expect(mean).toBeGreaterThan(0.29);
    expect(mean).toBeLessThan(0.31);
    expect(draws(9)).toEqual(sample);
    // Shapes under 1 (a prior worth less than a call) draw too.
    expect(betaDraw(seededRandom(1))(0.3, 0.7)).toBeGreaterThanOrEqual(0);
  });
});
