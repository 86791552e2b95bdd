/** The dialer's decisions on a task and the facts of its batch. */
import { describe, expect, it } from '@jest/globals';
import type { ClaimResult } from '../../../src/domain/claim.ts';
import {
  ATTEMPT_GAP,
  callMessage,
  decideOnClaim,
  intentFor,
  NUMBER_MISMATCH,
  OVER_MAX_ATTEMPTS,
  readCandidate,
  UNKNOWN_CONTACT,
} from '../../../src/domain/dialDecision.ts';

const task = { campaignId: 'c-1', contactId: 'k-1', attempt: 2, phoneNumber: '(202) 555-0143' };

describe('readCandidate and intentFor', () => {
  it('reads the task’s number in E.164 in the default region, and refuses one that cannot be called', () => {
    expect(readCandidate('m-1', task, 'US')).toEqual({
      id: 'm-1',
      key: { campaignId: 'c-1', contactId: 'k-1', attempt: 2 },
      phoneNumber: '+12025550143',
    });
    const refused = readCandidate('m-2', { ...task, phoneNumber: '12' }, 'US');
    expect(refused).toEqual({ error: expect.objectContaining({ message: expect.any(String) }) });
    expect(JSON.stringify(refused)).not.toContain('"12"');
  });

  it('claims a listed number only to record it skipped', () => {
    const candidate = readCandidate('m-1', task, 'US');
    if ('error' in candidate) throw candidate.error;
    expect(intentFor(candidate, new Set(['+12025550143']))).toBe('skip_blacklisted');
    expect(intentFor(candidate, new Set(['+12025550144']))).toBe('dial');
  });
});

describe('decideOnClaim', () => {
  it('sends only a call claimed to dial', () => {
    expect(decideOnClaim('dial', 'claimed', false)).toEqual({ kind: 'send' });
    expect(decideOnClaim('skip_blacklisted', 'claimed', false)).toEqual({
      kind: 'done',
      result: 'skipped_blacklisted',
    });
    // A copy of a task earlier in the batch holds the claim: never a second call
    expect(decideOnClaim('dial', 'claimed', true)).toEqual({ kind: 'done', result: 'duplicate' });
  });

  it('answers every claim result, rejecting what can never be called and retrying what may be later', () => {
    const expected: Record<ClaimResult, ReturnType<typeof decideOnClaim>> = {
      claimed: { kind: 'send' },
      held: { kind: 'retry', reason: 'InitiateCall: attempt claimed by another invocation' },
      facts_changed: {
        kind: 'retry',
        reason: "InitiateCall: the contact's calling facts changed while they were checked",
      },
      done: { kind: 'done', result: 'duplicate' },
      unknown_contact: { kind: 'reject', reason: UNKNOWN_CONTACT },
      number_mismatch: { kind: 'reject', reason: NUMBER_MISMATCH },
      over_max_attempts: { kind: 'reject', reason: OVER_MAX_ATTEMPTS },
      attempt_gap: { kind: 'reject', reason: ATTEMPT_GAP },
      campaign_not_running: { kind: 'done', result: 'campaign_not_running' },
      contact_done: { kind: 'done', result: 'contact_done' },
      stale_attempt: { kind: 'done', result: 'stale_attempt' },
      outside_hours: { kind: 'done', result: 'outside_hours' },
      recipient_limit: { kind: 'done', result: 'recipient_limit' },
      opted_out: { kind: 'done', result: 'skipped_opted_out' },
    };
    for (const [claim, decision] of Object.entries(expected)) {
      expect({ claim, decision: decideOnClaim('dial', claim as ClaimResult, false) }).toEqual({
        claim,
        decision,
      });
    }
    // No answer for the attempt (the claim lost it): tried again, never sent
    expect(decideOnClaim('dial', undefined, false)).toMatchObject({ kind: 'retry' });
  });
});

describe('callMessage', () => {
  it('carries the attempt, the number, the campaign’s caller id and flow, and a deadline', () => {
    const candidate = readCandidate('m-1', task, 'US');
    if ('error' in candidate) throw candidate.error;
    const at = new Date('2027-03-01T15:00:00.000Z');
    expect(
      callMessage(
        candidate,
        { callerId: '+12025550100', callFlow: 'f-1', attributes: { a: 'b' }, zones: [] },
        at,
        300,
      ),
    ).toEqual({
      dialId: 'c-1:k-1:2',
      campaignId: 'c-1',
      contactId: 'k-1',
      attempt: 2,
      phoneNumber: '+12025550143',
      callerId: '+12025550100',
      callFlow: 'f-1',
      attributes: { a: 'b' },
      requestedAt: at.toISOString(),
      deadline: '2027-03-01T15:05:00.000Z',
    });
    // A campaign made by SQL has no caller id or flow: left out, not sent as null
    expect(
      callMessage(candidate, { callerId: null, callFlow: null, attributes: {}, zones: [] }, at, 300),
    ).not.toHaveProperty('callerId');
  });
});
