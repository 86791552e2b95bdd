import { describe, expect, it } from '@jest/globals';
import { campaignMetrics, metricsWindow, NO_ACTIVITY } from '../../../src/domain/campaignMetrics.ts';

const at = (iso: string) => new Date(iso);

describe('metricsWindow', () => {
  it('rounds from down and to up to whole buckets, the previous window as long before it', () => {
    const window = metricsWindow(
      { from: '2031-01-01T10:07:00Z', to: '2031-01-01T12:01:00Z', bucket: '1h' },
      at('2031-01-02T00:00:00Z'),
    );
    expect(window).toEqual({
      from: at('2031-01-01T10:00:00Z'),
      to: at('2031-01-01T13:00:00Z'),
      bucket: '1h',
      previousFrom: at('2031-01-01T07:00:00Z'),
      elapsedTo: at('2031-01-01T13:00:00Z'),
    });
    // A window running into the future: what has happened of it ends now.
    expect(metricsWindow({}, at('2031-01-01T12:05:00Z')).elapsedTo).toEqual(at('2031-01-01T12:05:00Z'));
  });

  it('refuses what it cannot answer, saying why', () => {
    const now = at('2031-01-02T00:00:00Z');
    expect(() => metricsWindow({ bucket: '5m' }, now)).toThrow(/bucket must be one of 15m, 1h, 1d/);
    expect(() => metricsWindow({ bucket: 'constructor' }, now)).toThrow(/bucket must be one of/);
    expect(() => metricsWindow({ from: 'yesterday' }, now)).toThrow(/from is not a date/);
    expect(() => metricsWindow({ from: '2031-01-01T00:00:00Z', to: '2031-01-01T00:00:00Z' }, now)).toThrow(
      /from must be before to/,
    );
    expect(() => metricsWindow({ from: '2030-01-01T00:00:00Z', bucket: '15m' }, now)).toThrow(/at most 1000/);
  });
});

describe('campaignMetrics', () => {
  it('sums stored buckets into the series, and compares the period with the one before', () => {
    const window = metricsWindow(
      { from: '2031-01-01T10:00:00Z', to: '2031-01-01T12:00:00Z', bucket: '1h' },
      at('2031-01-01T12:00:00Z'),
    );
    const row = (start: string, counts: Partial<typeof NO_ACTIVITY>) => ({
      ...NO_ACTIVITY,
      ...counts,
      start: at(start),
    });
    const metrics = campaignMetrics(
      window,
      [
        row('2031-01-01T08:15:00Z', { dials: 6, firstDials: 6, answered: 2, noAnswer: 2 }),
        row('2031-01-01T10:00:00Z', { dials: 10, firstDials: 8, answered: 3, machine: 1, busy: 4 }),
        row('2031-01-01T10:45:00Z', { dials: 2, answered: 1, optOuts: 1 }),
        row('2031-01-01T11:30:00Z', { dials: 12, firstDials: 4, dncSkips: 2, noAnswer: 3 }),
      ],
      { ...NO_ACTIVITY, dials: 4, firstDials: 2 },
      40,
    );
    expect(metrics.series.map((s) => [s.from, s.dials])).toEqual([
      ['2031-01-01T10:00:00.000Z', 12],
      ['2031-01-01T11:00:00.000Z', 12],
    ]);
    expect(metrics.period).toMatchObject({
      dials: 24,
      dialsPerMinute: 24 / 120,
      results: 12,
      answerRate: 5 / 12,
      rightPartyRate: 4 / 12,
      dncSkips: 2,
      optOuts: 1,
      // Up to the period's end: 4 + 6 + 24 calls to 2 + 6 + 12 contacts reached, of 40.
      attemptsPerContact: 34 / 20,
      penetration: 20 / 40,
    });
    expect(metrics.previous).toMatchObject({
      dials: 6,
      results: 4,
      rightPartyRate: 0.5,
      attemptsPerContact: 10 / 8,
      penetration: 8 / 40,
    });
  });

  it('says null, not zero, for a rate without anything to divide', () => {
    const window = metricsWindow({}, at('2031-01-01T12:00:00Z'));
    const metrics = campaignMetrics(window, [], NO_ACTIVITY, 0);
    expect(metrics.series).toHaveLength(96);
    expect(metrics.period).toMatchObject({ answerRate: null, attemptsPerContact: null, penetration: null });
  });
});
