/** A contact's next step after a call's result. */
import { describe, expect, it } from '@jest/globals';
import { nextStep } from '../../../src/domain/callOutcome.ts';

const campaign = { maxAttempts: 3, retryDelays: { busy: 15, no_answer: 60, machine: 240, failed: 30 } };
const endedAt = '2027-03-01T15:00:00.000Z';
const later = (minutes: number) => ({ retryAt: new Date(Date.parse(endedAt) + minutes * 60_000) });

describe('nextStep', () => {
  it('ends the contact when a person answered, the number does not exist, or the person opted out', () => {
    expect(nextStep({ outcome: 'answered', endedAt }, 1, campaign)).toEqual({ final: 'answered' });
    expect(nextStep({ outcome: 'invalid_number', endedAt }, 1, campaign)).toEqual({
      final: 'invalid_number',
    });
    // An opt-out wins over any outcome, on any attempt
    expect(nextStep({ outcome: 'busy', optOut: true, endedAt }, 1, campaign)).toEqual({ final: 'opted_out' });
    expect(nextStep({ outcome: 'answered', optOut: true, endedAt }, 3, campaign)).toEqual({
      final: 'opted_out',
    });
  });

  it('retries after the campaign’s delay for the outcome, counted from the end of the call', () => {
    expect(nextStep({ outcome: 'busy', endedAt }, 1, campaign)).toEqual(later(15));
    expect(nextStep({ outcome: 'no_answer', endedAt }, 2, campaign)).toEqual(later(60));
    expect(nextStep({ outcome: 'machine', endedAt }, 1, campaign)).toEqual(later(240));
    expect(nextStep({ outcome: 'failed', endedAt }, 1, campaign)).toEqual(later(30));
  });

  it('ends the contact after its last attempt, whatever the outcome that would retry', () => {
    for (const outcome of ['busy', 'no_answer', 'machine', 'failed'] as const) {
      expect(nextStep({ outcome, endedAt }, 3, campaign)).toEqual({ final: 'max_attempts' });
      expect(nextStep({ outcome, endedAt }, 4, campaign)).toEqual({ final: 'max_attempts' });
    }
    // One attempt only: the first call that is not answered ends it
    expect(nextStep({ outcome: 'busy', endedAt }, 1, { ...campaign, maxAttempts: 1 })).toEqual({
      final: 'max_attempts',
    });
  });
});
