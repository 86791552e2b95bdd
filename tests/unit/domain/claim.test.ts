/** How a claim ends, from the facts the claim statement found, and when a contact not dialled is due again. */
import { describe, expect, it } from '@jest/globals';
import {
  type ClaimFacts,
  claimResultOf,
  claimRounds,
  contactStepOf,
  dueAgainAt,
} from '../../../src/domain/claim.ts';

/** An attempt the claim could take to dial: everything in order. */
const open: ClaimFacts = {
  claimed: false,
  target: 'dialing',
  contactExists: true,
  numberMatches: true,
  attemptAllowed: true,
  campaignStatus: 'running',
  finalOutcome: null,
  laterExists: false,
  previousExists: true,
  hoursOpen: true,
  factsCurrent: true,
  overLimit: false,
  limitResetsAt: null,
  beforeStatus: null,
  optedOut: false,
};

describe('claimResultOf', () => {
  it('takes an attempt claimed to dial, unless its number opted out elsewhere; a listed one is claimed to skip', () => {
    expect(claimResultOf({ ...open, claimed: true })).toBe('claimed');
    expect(claimResultOf({ ...open, claimed: true, optedOut: true })).toBe('opted_out');
    expect(claimResultOf({ ...open, claimed: true, target: 'skipped_blacklisted', optedOut: true })).toBe(
      'claimed',
    );
  });

  it('names the first fact that stops a claim, in order', () => {
    const cases: Array<[Partial<ClaimFacts>, string]> = [
      [{ contactExists: false, numberMatches: false }, 'unknown_contact'],
      [{ numberMatches: false, attemptAllowed: false }, 'number_mismatch'],
      [{ attemptAllowed: false, campaignStatus: 'paused' }, 'over_max_attempts'],
      // An attempt that ended is done, whatever has changed since (the campaign paused, the contact done)
      [{ beforeStatus: 'initiated', campaignStatus: 'paused', finalOutcome: 'answered' }, 'done'],
      [{ beforeStatus: 'failed', hoursOpen: false }, 'done'],
      [{ campaignStatus: 'paused', finalOutcome: 'answered' }, 'campaign_not_running'],
      [{ finalOutcome: 'answered', laterExists: true }, 'contact_done'],
      [{ laterExists: true, previousExists: false }, 'stale_attempt'],
      [{ previousExists: false, beforeStatus: 'dialing' }, 'attempt_gap'],
      [{ beforeStatus: 'dialing', hoursOpen: false }, 'held'],
      // Hours checked on facts that changed since say nothing: the task is tried again on the new ones
      [{ factsCurrent: false, hoursOpen: false, overLimit: true }, 'facts_changed'],
      [{ hoursOpen: false, overLimit: true }, 'outside_hours'],
      [{ overLimit: true }, 'recipient_limit'],
    ];
    for (const [facts, result] of cases) {
      expect({ facts, result: claimResultOf({ ...open, ...facts }) }).toEqual({ facts, result });
    }
  });

  it('does not hold a listed number to its calling hours or limits: it is only recorded skipped', () => {
    expect(
      claimResultOf({
        ...open,
        target: 'skipped_blacklisted',
        hoursOpen: false,
        factsCurrent: false,
        overLimit: true,
      }),
    ).toBe('done');
  });
});

describe('dueAgainAt', () => {
  const at = new Date('2027-03-01T15:00:00Z');

  it('puts a contact back for when the reason passes: its hours open, its number’s limit resets, a resume', () => {
    const opens = new Date('2027-03-02T14:00:00Z');
    const resets = new Date('2027-03-01T20:00:00Z');
    expect(dueAgainAt(open, 'outside_hours', at, opens)).toEqual(opens);
    // Hours that never open are looked at again in a day
    expect(dueAgainAt(open, 'outside_hours', at, undefined)).toEqual(new Date('2027-03-02T15:00:00Z'));
    expect(dueAgainAt({ ...open, limitResetsAt: resets }, 'recipient_limit', at, undefined)).toEqual(resets);
    expect(dueAgainAt({ ...open, campaignStatus: 'paused' }, 'campaign_not_running', at, undefined)).toEqual(
      at,
    );
  });

  it('leaves alone a contact whose claim ended for another reason', () => {
    expect(
      dueAgainAt({ ...open, campaignStatus: 'cancelled' }, 'campaign_not_running', at, undefined),
    ).toBeUndefined();
    for (const result of ['claimed', 'held', 'done', 'contact_done', 'stale_attempt'] as const) {
      expect(dueAgainAt(open, result, at, undefined)).toBeUndefined();
    }
  });
});

describe('claimRounds', () => {
  const request = (contactId: string, phoneNumber: string, attempt = 1) => ({
    campaignId: contactId.startsWith('b') ? 'c-2' : 'c-1',
    contactId,
    attempt,
    phoneNumber,
    intent: 'dial' as const,
    record: {},
  });

  it('holds each number at most once per round, and each attempt once', () => {
    const rounds = claimRounds([
      request('a1', '+1'),
      request('b1', '+1'),
      request('a2', '+2'),
      request('a1', '+1'),
      request('b2', '+1'),
    ]);
    expect(rounds.map((round) => round.map((r) => r.contactId))).toEqual([['a1', 'a2'], ['b1'], ['b2']]);
  });
});

describe('contactStepOf', () => {
  const at = new Date('2027-03-01T15:00:00Z');
  it('ends the contact of a listed or opted-out number, and again when an earlier delivery recorded only the skip', () => {
    const skip = { ...open, target: 'skipped_blacklisted' as const };
    expect(contactStepOf({ ...skip, claimed: true }, 'claimed', at, undefined)).toEqual({
      final: 'do_not_call',
    });
    expect(contactStepOf({ ...open, claimed: true, optedOut: true }, 'opted_out', at, undefined)).toEqual({
      final: 'do_not_call',
    });
    expect(contactStepOf({ ...skip, beforeStatus: 'skipped_blacklisted' }, 'done', at, undefined)).toEqual({
      final: 'do_not_call',
    });
    // Its end written already, or a call placed: nothing more
    expect(
      contactStepOf(
        { ...skip, beforeStatus: 'skipped_blacklisted', finalOutcome: 'do_not_call' },
        'done',
        at,
        undefined,
      ),
    ).toBeUndefined();
    expect(contactStepOf({ ...open, beforeStatus: 'initiated' }, 'done', at, undefined)).toBeUndefined();
    expect(contactStepOf({ ...open, claimed: true }, 'claimed', at, undefined)).toBeUndefined();
  });

  it('sends a contact not dialled for a matter of time back to the schedule, and tries changed facts again at once', () => {
    const opens = new Date('2027-03-01T17:00:00Z');
    expect(contactStepOf({ ...open, hoursOpen: false }, 'outside_hours', at, opens)).toEqual({ at: opens });
    expect(contactStepOf({ ...open, factsCurrent: false }, 'facts_changed', at, undefined)).toBeUndefined();
  });
});
