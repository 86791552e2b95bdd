/** Why a campaign is or is not dialling (pure): each reason from the facts that give it, in the order they win. */
import { describe, expect, it } from '@jest/globals';
import { type DiallingFacts, diallingState } from '../../../src/domain/dialling.ts';

const NOW = new Date('2030-01-15T17:00:00Z');
const minutes = (n: number) => new Date(NOW.getTime() + n * 60_000);

/** A running campaign dialling as it should: due contacts callable, ticked a minute ago. */
const running = (facts: Partial<DiallingFacts> = {}): DiallingFacts => ({
  status: 'running',
  startAt: null,
  endAt: null,
  importing: false,
  contacts: 100,
  contactsOpen: 60,
  nextDueAt: minutes(-5),
  inFlight: 4,
  maxConcurrentCalls: 10,
  unanswered: 0,
  lastTick: { at: minutes(-1), released: 6 },
  dueHours: { callableNow: true, nextOpening: null, zones: [] },
  ...facts,
});

describe('why a campaign is or is not dialling', () => {
  it('says it dials when the last tick released and calls are in flight', () => {
    expect(diallingState(running(), NOW)).toMatchObject({ dialling: true, reason: 'dialling' });
  });

  it('names the state of a campaign not running, and a draft waiting for its import', () => {
    for (const status of ['draft', 'paused', 'completed', 'cancelled'] as const)
      expect(diallingState(running({ status }), NOW)).toMatchObject({ dialling: false, reason: status });
    expect(diallingState(running({ status: 'draft', importing: true }), NOW).reason).toBe('importing');
  });

  it('waits for its start time, and says when', () => {
    expect(diallingState(running({ startAt: minutes(90) }), NOW)).toMatchObject({
      reason: 'not_started',
      until: minutes(90).toISOString(),
    });
    expect(diallingState(running({ endAt: minutes(-1) }), NOW).reason).toBe('ended');
  });

  it('tells failing telephony from a full concurrency budget', () => {
    expect(diallingState(running({ unanswered: 3, inFlight: 10 }), NOW)).toMatchObject({
      dialling: false,
      reason: 'telephony_silent',
      message: expect.stringContaining('3 calls'),
    });
    expect(diallingState(running({ inFlight: 10 }), NOW)).toMatchObject({
      dialling: true,
      reason: 'concurrency_full',
    });
  });

  it('says nothing is due until the next contact is, or that calls still ring meanwhile', () => {
    const later = running({ nextDueAt: minutes(45), dueHours: undefined });
    expect(diallingState({ ...later, inFlight: 0 }, NOW)).toMatchObject({
      dialling: false,
      reason: 'nothing_due',
      until: minutes(45).toISOString(),
    });
    expect(diallingState(later, NOW)).toMatchObject({ dialling: true, reason: 'dialling' });
  });

  it('says the contacts due soonest wait for their numbers\u2019 limits, when all of those checked do', () => {
    const waiting = running({ nextDueAt: minutes(300), dueHours: undefined, inFlight: 0 });
    expect(diallingState({ ...waiting, dueAtLimit: { checked: 2, atLimit: 2 } }, NOW)).toMatchObject({
      dialling: false,
      reason: 'at_limit',
      until: minutes(300).toISOString(),
    });
    // Some of them: nothing is due, and the answer says how many wait for their limits.
    const some = diallingState({ ...waiting, dueAtLimit: { checked: 4, atLimit: 1 } }, NOW);
    expect(some).toMatchObject({ reason: 'nothing_due' });
    expect(some.message).toContain('1 of the 4 due soonest are at their per-recipient limit');
    expect(diallingState({ ...waiting, dueAtLimit: { checked: 4, atLimit: 0 } }, NOW).reason).toBe(
      'nothing_due',
    );
  });

  it('says every due contact is outside its hours, with the next opening and where', () => {
    const answer = diallingState(
      running({
        inFlight: 0,
        dueHours: { callableNow: false, nextOpening: minutes(120), zones: ['America/Los_Angeles'] },
      }),
      NOW,
    );
    expect(answer).toMatchObject({
      dialling: false,
      reason: 'outside_hours',
      until: minutes(120).toISOString(),
      zones: ['America/Los_Angeles'],
    });
    expect(answer.message).toContain('America/Los_Angeles');
  });

  it('says the scheduler is idle when contacts are due and callable and no tick came for minutes', () => {
    expect(diallingState(running({ lastTick: { at: minutes(-10), released: 5 } }), NOW).reason).toBe(
      'scheduler_idle',
    );
    expect(diallingState(running({ lastTick: null }), NOW).reason).toBe('scheduler_idle');
  });

  it('says there is nothing left to call without contacts', () => {
    expect(diallingState(running({ contacts: 0, contactsOpen: 0 }), NOW).reason).toBe('no_contacts');
    expect(diallingState(running({ contactsOpen: 0, inFlight: 0 }), NOW).reason).toBe('no_contacts');
  });
});
