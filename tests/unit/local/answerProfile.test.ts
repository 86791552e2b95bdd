/** The telephony simulator's answer profile: the chance of an answer follows the recipient's local hour and weekday. */
import { describe, expect, it } from '@jest/globals';
import {
  DEFAULT_ANSWER_PROFILE,
  DEFAULT_MIX,
  parseAnswerProfile,
  seededRandom,
  simulateCall,
} from '../../../local/telephony.ts';
import type { AsteriskCall } from '../../../src/generated/asteriskCall.ts';

const call = (phoneNumber: string, at: Date): AsteriskCall => ({
  dialId: 'c:k:1',
  campaignId: 'c',
  contactId: 'k',
  attempt: 1,
  phoneNumber,
  attributes: {},
  requestedAt: at.toISOString(),
  deadline: new Date(at.getTime() + 300_000).toISOString(),
});

/** The share of 4,000 calls answered by a person, at `at` in UTC, to a Washington number. */
function answeredShare(at: Date, profile = DEFAULT_ANSWER_PROFILE): number {
  const random = seededRandom(7);
  let answered = 0;
  for (let i = 0; i < 4_000; i += 1)
    if (simulateCall(call('+12025550143', at), at, DEFAULT_MIX, random, profile).outcome === 'answered')
      answered += 1;
  return answered / 4_000;
}

describe('the answer profile', () => {
  it('answers most on weekday evenings in the recipient’s own zone, least in working hours', () => {
    // Tuesday 2030-01-15: 19:00 and 10:00 in Washington (UTC-5).
    const evening = answeredShare(new Date('2030-01-16T00:00:00Z'));
    const morning = answeredShare(new Date('2030-01-15T15:00:00Z'));
    expect(evening).toBeGreaterThan(0.55);
    expect(morning).toBeLessThan(0.4);
    // Without a profile the mix alone decides, whatever the hour (45 answered and 3 opt-outs of 100).
    expect(answeredShare(new Date('2030-01-15T15:00:00Z'), { factors: Array(168).fill(1) })).toBeCloseTo(
      0.48,
      1,
    );
  });

  it('reads a profile file of 168 factors, and refuses anything else', () => {
    expect(parseAnswerProfile(JSON.stringify({ factors: Array(168).fill(2) })).factors).toHaveLength(168);
    expect(() => parseAnswerProfile(JSON.stringify({ factors: [1, 2] }))).toThrow('168 non-negative numbers');
    expect(() => parseAnswerProfile(JSON.stringify({ factors: Array(168).fill(-1) }))).toThrow('168');
  });
});
