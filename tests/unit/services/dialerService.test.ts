/** The dialer service through in-memory fakes of its dependencies: decisions and effects, no servers. */
import { describe, expect, it } from '@jest/globals';
import type { OutgoingMessage } from '../../../src/adapters/messageQueue.ts';
import type { ClaimRequest, ClaimResult } from '../../../src/domain/claim.ts';
import type { DialTask } from '../../../src/generated/dialTask.ts';
import type { AttemptKey } from '../../../src/lib/dialId.ts';
import { dialIdOf } from '../../../src/lib/dialId.ts';
import { DependencyError } from '../../../src/lib/errors.ts';
import type { PhoneHashing } from '../../../src/lib/phoneHashKey.ts';
import type { QueueTask } from '../../../src/lib/queueTasks.ts';
import { createDialerService } from '../../../src/services/dialerService.ts';

const NOW = new Date('2026-03-08T15:00:00Z');

function task(n: number, overrides: Partial<DialTask> = {}): QueueTask<DialTask> {
  return {
    id: `m-${n}`,
    body: {
      campaignId: 'c-1',
      contactId: `k-${n}`,
      attempt: 1,
      phoneNumber: `+1202555${String(n).padStart(4, '0')}`,
      userId: 'u-1',
      ...overrides,
    },
  };
}

/** Fakes with what a test needs to set, and what they were asked. */
function world(
  options: {
    listed?: string[];
    /** Claim results by dialId; `claimed` for any other. */
    claims?: Record<string, ClaimResult>;
    /** dialIds whose call message fails to send. */
    unsent?: string[];
    failing?: 'blacklist' | 'claim' | 'record' | 'key';
    /** The first records that fail, as in a database restart. */
    recordFailures?: number;
  } = {},
) {
  let recordTries = 0;
  const sent: OutgoingMessage[] = [];
  const claimed: ClaimRequest[] = [];
  const recorded: Array<{ initiated: readonly AttemptKey[]; released: readonly AttemptKey[] }> = [];
  const down = (what: string) => new DependencyError(what, `${what} is down`);
  const phone: PhoneHashing = {
    defaultRegion: 'US',
    key: async () => {
      if (options.failing === 'key') throw down('secretsmanager');
      return 'unit-test-phone-hash-key';
    },
    hash: async () => 'hash',
    read: async () => {
      throw new Error('not used by the dialer');
    },
  };
  const dialer = createDialerService({
    blacklist: {
      async findBlacklisted(numbers) {
        if (options.failing === 'blacklist') throw down('dynamodb');
        return new Set(numbers.filter((n) => options.listed?.includes(n)));
      },
    },
    calls: {
      async send(messages) {
        sent.push(...messages);
        const failed = new Map(
          messages.filter((m) => options.unsent?.includes(m.id)).map((m) => [m.id, 'SQS ServiceUnavailable']),
        );
        return { sent: new Set(messages.map((m) => m.id).filter((id) => !failed.has(id))), failed };
      },
    },
    attempts: {
      async claim(requests) {
        if (options.failing === 'claim') throw down('postgres');
        claimed.push(...requests);
        return {
          results: new Map(requests.map((r) => [dialIdOf(r), options.claims?.[dialIdOf(r)] ?? 'claimed'])),
          calls: new Map(
            requests.map((r) => [
              dialIdOf(r),
              {
                callerId: '+12025550100',
                callFlow: 'flows/test',
                attributes: { firstName: 'Ada' },
                zones: ['America/New_York'],
              },
            ]),
          ),
          steps: new Map(),
        };
      },
      async recordOutcomes(outcome) {
        if (options.failing === 'record') throw down('postgres');
        if ((options.recordFailures ?? 0) > recordTries++) throw down('postgres');
        recorded.push(outcome);
      },
    },
    phone,
    claimLeaseSeconds: 120,
    callDeadlineSeconds: 300,
    rules: {
      recipientLimits: [{ id: 'same-subject-24h', purposes: ['telemarketing'], calls: 3, hours: 24 }],
      version: '2026-12-02',
    },
    now: () => NOW,
  });
  return { dial: dialer.dial, sent, claimed, recorded };
}

describe('dialer service', () => {
  it('calls a number not listed once, with a stable dialId, its campaign’s caller id and flow, the contact’s attributes and a deadline, and records it initiated', async () => {
    // Prepare
    const { dial, sent, recorded } = world();

    // Act
    const outcomes = await dial([task(1, { phoneNumber: '(202) 555-0001' })]);

    // Assess
    expect(outcomes.get('m-1')).toEqual({ kind: 'done', result: 'initiated' });
    expect(sent.map((m) => m.body)).toEqual([
      {
        dialId: 'c-1:k-1:1',
        campaignId: 'c-1',
        contactId: 'k-1',
        attempt: 1,
        phoneNumber: '+12025550001',
        callerId: '+12025550100',
        callFlow: 'flows/test',
        attributes: { firstName: 'Ada' },
        requestedAt: NOW.toISOString(),
        deadline: new Date(NOW.getTime() + 300_000).toISOString(),
      },
    ]);
    // The attempt's record gains when the call was sent and the local time then in the contact's zone
    expect(recorded).toEqual([
      {
        initiated: [
          {
            campaignId: 'c-1',
            contactId: 'k-1',
            attempt: 1,
            record: {
              sentAt: NOW.toISOString(),
              localTimes: { 'America/New_York': '2026-03-08 11:00 sun' },
            },
          },
        ],
        released: [],
        steps: new Map(),
      },
    ]);
  });

  it('does not call a listed number: its attempt is claimed as skipped, nothing is sent', async () => {
    // Prepare
    const { dial, sent, claimed } = world({ listed: ['+12025550002'] });

    // Act
    const outcomes = await dial([task(1), task(2)]);

    // Assess
    expect(outcomes.get('m-2')).toEqual({ kind: 'done', result: 'skipped_blacklisted' });
    expect(outcomes.get('m-1')).toEqual({ kind: 'done', result: 'initiated' });
    expect(sent.map((m) => m.id)).toEqual(['c-1:k-1:1']);
    expect(claimed.map((c) => [c.contactId, c.intent])).toEqual([
      ['k-1', 'dial'],
      ['k-2', 'skip_blacklisted'],
    ]);
    // Each claim starts the attempt's compliance record: the rules and the do-not-call check it was decided by
    expect(claimed.map((c) => c.record)).toEqual(
      [false, true].map((listed) => ({
        rulesVersion: '2026-12-02',
        doNotCall: { checkedAt: NOW.toISOString(), listed },
      })),
    );
  });

  it('rejects a task whose number is not valid, and one for a contact the campaign does not have', async () => {
    // Prepare
    const { dial, sent } = world({ claims: { 'c-1:k-3:1': 'unknown_contact' } });

    // Act
    const outcomes = await dial([task(1, { phoneNumber: '12345' }), task(3)]);

    // Assess
    expect(outcomes.get('m-1')).toEqual({
      kind: 'reject',
      reason: 'phoneNumber is not a valid phone number',
    });
    expect(outcomes.get('m-3')).toEqual({
      kind: 'reject',
      reason: 'Dial task names a contact that is not in the campaign',
    });
    expect(sent).toEqual([]);
  });

  it('rejects, without sending, a task whose claim found another number or an attempt past the maximum', async () => {
    // Prepare
    const { dial, sent, claimed } = world({
      claims: { 'c-1:k-12:1': 'number_mismatch', 'c-1:k-13:1': 'over_max_attempts' },
    });

    // Act
    const outcomes = await dial([task(12), task(13)]);

    // Assess: the claim was asked with the number the task would call
    expect(claimed.map((c) => c.phoneNumber)).toEqual(['+12025550012', '+12025550013']);
    expect(outcomes.get('m-12')).toEqual({
      kind: 'reject',
      reason: "Dial task's number is not the contact's stored number",
    });
    expect(outcomes.get('m-13')).toEqual({
      kind: 'reject',
      reason: "Dial task's attempt is past the campaign's maxAttempts",
    });
    expect(sent).toEqual([]);
  });

  it('sends nothing for a task delivered again after its call went out, nor for a second copy in one batch', async () => {
    // Prepare
    const { dial, sent } = world({ claims: { 'c-1:k-4:1': 'done' } });

    // Act
    const outcomes = await dial([task(4), task(5), { ...task(5), id: 'm-5-again' }]);

    // Assess
    expect(outcomes.get('m-4')).toEqual({ kind: 'done', result: 'duplicate' });
    expect(outcomes.get('m-5')).toEqual({ kind: 'done', result: 'initiated' });
    expect(outcomes.get('m-5-again')).toEqual({ kind: 'done', result: 'duplicate' });
    expect(sent.map((m) => m.id)).toEqual(['c-1:k-5:1']);
  });

  it('retries, without sending, a task whose attempt another invocation holds (the claim was lost)', async () => {
    // Prepare
    const { dial, sent } = world({ claims: { 'c-1:k-6:1': 'held' } });

    // Act
    const outcomes = await dial([task(6)]);

    // Assess
    expect(outcomes.get('m-6')).toEqual({
      kind: 'retry',
      reason: 'InitiateCall: attempt claimed by another invocation',
    });
    expect(sent).toEqual([]);
  });

  it('retries exactly the tasks whose call message failed, and releases their claims', async () => {
    // Prepare
    const { dial, recorded } = world({ unsent: ['c-1:k-8:1'] });

    // Act
    const outcomes = await dial([task(7), task(8)]);

    // Assess
    expect(outcomes.get('m-7')).toEqual({ kind: 'done', result: 'initiated' });
    expect(outcomes.get('m-8')).toEqual({
      kind: 'retry',
      reason: 'InitiateCall: Call message not sent: SQS ServiceUnavailable',
    });
    expect(recorded).toEqual([
      {
        initiated: [expect.objectContaining({ campaignId: 'c-1', contactId: 'k-7', attempt: 1 })],
        released: [{ campaignId: 'c-1', contactId: 'k-8', attempt: 1 }],
        steps: new Map(),
      },
    ]);
  });

  it.each([
    ['blacklist', 'CheckBlacklist: DependencyError: dynamodb is down'],
    ['claim', 'InitiateCall: DependencyError: postgres is down'],
    ['record', 'RecordAttempt: DependencyError: postgres is down'],
  ] as const)(
    'retries every valid task when the %s dependency is down, and still rejects the invalid',
    async (failing, reason) => {
      // Prepare
      const { dial } = world({ failing });

      // Act: time enough to claim, then short: a failing record is not tried again
      let asked = 0;
      const outcomes = await dial([task(9), task(10, { phoneNumber: '12' })], {
        remainingMs: () => (asked++ === 0 ? 10_000 : 2_000),
      });

      // Assess
      expect(outcomes.get('m-9')).toEqual({ kind: 'retry', reason });
      expect(outcomes.get('m-10')?.kind).toBe('reject');
    },
  );

  it('claims nothing with under 3 s left in the invocation: every valid task comes back, none claimed or sent', async () => {
    // Prepare
    const { dial, claimed, sent } = world();

    // Act
    const outcomes = await dial([task(12), task(13)], { remainingMs: () => 2_500 });

    // Assess
    expect([...outcomes.values()]).toEqual([
      { kind: 'retry', reason: 'too little time left in the invocation' },
      { kind: 'retry', reason: 'too little time left in the invocation' },
    ]);
    expect([claimed, sent]).toEqual([[], []]);
  });

  it('records a sent call through a short database outage, so its redelivered task never sends it again', async () => {
    // Prepare: the first two records fail
    const { dial, sent, recorded } = world({ recordFailures: 2 });

    // Act
    const outcomes = await dial([task(14)], { remainingMs: () => 30_000 });

    // Assess
    expect(outcomes.get('m-14')).toEqual({ kind: 'done', result: 'initiated' });
    expect(sent).toHaveLength(1);
    expect(recorded).toHaveLength(1);
  });

  it('fails the whole batch when the phone-hash key cannot be read: nothing is claimed or sent', async () => {
    // Prepare
    const { dial, claimed, sent } = world({ failing: 'key' });

    // Act
    const failure = await dial([task(11)]).catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(DependencyError);
    expect([claimed, sent]).toEqual([[], []]);
  });
});
