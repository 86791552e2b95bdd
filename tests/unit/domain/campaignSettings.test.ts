/** A campaign's settings: defaults, the checks beyond the schema, and what may change in which state. */
import { describe, expect, it } from '@jest/globals';
import { changedSettings, DEFAULT_SETTINGS, newSettings } from '../../../src/domain/campaignSettings.ts';
import { ConflictError, ValidationError } from '../../../src/lib/errors.ts';

const given = { name: 'Spring', callerId: '(202) 555-0100', callFlow: 'flows/reminder' };

describe('newSettings', () => {
  it('fills every setting not given with its default, and writes the caller id in E.164', () => {
    expect(newSettings(given)).toEqual({ ...DEFAULT_SETTINGS, ...given, callerId: '+12025550100' });
  });

  it('merges a partial pace, retry delays or window into the defaults', () => {
    const settings = newSettings({
      ...given,
      pacing: { callsPerMinute: 5 },
      retryDelays: { busy: 5 },
      callingWindow: { start: '10:00', end: '18:00' },
    });
    expect(settings.pacing).toEqual({ callsPerMinute: 5, maxConcurrentCalls: 10 });
    expect(settings.retryDelays).toEqual({ ...DEFAULT_SETTINGS.retryDelays, busy: 5 });
    // The days not given stay the default ones
    expect(settings.callingWindow).toEqual({
      ...DEFAULT_SETTINGS.callingWindow,
      start: '10:00',
      end: '18:00',
    });
  });

  it('names every problem at once, and never echoes the number', () => {
    let thrown: unknown;
    try {
      newSettings({
        ...given,
        callerId: '555',
        defaultTimeZone: 'Mars/Olympus',
        callingWindow: { start: '20:00', end: '09:00' },
        startAt: '2027-03-02T00:00:00Z',
        endAt: '2027-03-01T00:00:00Z',
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect((thrown as ValidationError).details).toEqual([
      'callerId is not a valid phone number',
      'defaultTimeZone is not an IANA time zone',
      'callingWindow.end must be later than callingWindow.start',
      'endAt must be later than startAt',
    ]);
    expect(JSON.stringify((thrown as ValidationError).details)).not.toContain('555');
  });
});

describe('changedSettings', () => {
  const current = newSettings(given);

  it('lets a draft change anything', () => {
    expect(changedSettings(current, 'draft', { name: 'Renamed', maxAttempts: 5 })).toMatchObject({
      name: 'Renamed',
      maxAttempts: 5,
    });
  });

  it('lets a running or paused campaign change only when and how fast it calls, and when it ends', () => {
    for (const status of ['running', 'paused'] as const) {
      expect(
        changedSettings(current, status, { pacing: { callsPerMinute: 5 }, endAt: '2030-01-01T00:00:00Z' }),
      ).toMatchObject({ pacing: { callsPerMinute: 5 }, endAt: '2030-01-01T00:00:00Z' });
      expect(() => changedSettings(current, status, { maxAttempts: 5, callerId: '+12025550101' })).toThrow(
        new ConflictError(
          `A ${status} campaign can change only callingWindow, blockedDates, pacing and endAt, not maxAttempts, callerId`,
        ),
      );
    }
  });

  it('refuses any change to a campaign that ended', () => {
    for (const status of ['completed', 'cancelled'] as const) {
      expect(() => changedSettings(current, status, { pacing: { callsPerMinute: 5 } })).toThrow(
        new ConflictError(`A ${status} campaign cannot be changed`),
      );
    }
  });

  it('checks the result as a whole: a window narrowed the wrong way round is refused', () => {
    expect(() =>
      changedSettings(current, 'running', { callingWindow: { start: '21:00', end: '20:00' } }),
    ).toThrow(ValidationError);
  });
});
