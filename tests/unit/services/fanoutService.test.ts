/** The fan-out service through in-memory fakes: one page of contacts into dial tasks, no servers. */
import { describe, expect, it } from '@jest/globals';
import type { OutgoingMessage } from '../../../src/adapters/messageQueue.ts';
import type { FanoutJob } from '../../../src/generated/fanoutJob.ts';
import { DependencyError } from '../../../src/lib/errors.ts';
import type { QueueTask } from '../../../src/lib/queueTasks.ts';
import type { PageContacts } from '../../../src/repositories/fanoutRepository.ts';
import { createFanoutService } from '../../../src/services/fanoutService.ts';

const job = (page: number): QueueTask<FanoutJob> => ({
  id: `m-${page}`,
  body: { campaignId: 'c-1', page, userId: 'u-1' },
});
const contacts = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    id: `k-${i}`,
    phoneNumber: `+1202555${String(i).padStart(4, '0')}`,
  }));

function world(
  page: PageContacts,
  options: { listed?: string[]; unsent?: string[]; blacklistDown?: boolean } = {},
) {
  const sent: OutgoingMessage[] = [];
  const recorded: Array<{ statuses: string[]; done: boolean }> = [];
  const service = createFanoutService({
    pages: {
      loadPage: async () => page,
      async recordPage(_campaignId, _page, attempts, done) {
        recorded.push({ statuses: attempts.map((a) => `${a.contactId}:${a.status}`), done });
      },
    },
    blacklist: {
      async findBlacklisted(numbers) {
        if (options.blacklistDown) throw new DependencyError('dynamodb', 'dynamodb is down');
        return new Set(numbers.filter((n) => options.listed?.includes(n)));
      },
    },
    dialTasks: {
      async send(messages) {
        sent.push(...messages);
        const failed = new Map(
          messages.filter((m) => options.unsent?.includes(m.id)).map((m) => [m.id, 'SQS error']),
        );
        return { sent: new Set(messages.map((m) => m.id).filter((id) => !failed.has(id))), failed };
      },
    },
  });
  return { fanOut: service.fanOutJobs, sent, recorded };
}

describe('fan-out service', () => {
  it('turns a page into dial tasks, skips listed numbers, and marks the page done', async () => {
    // Prepare
    const { fanOut, sent, recorded } = world(
      { pageStatus: 'pending', campaignStatus: 'running', contacts: contacts(3) },
      { listed: ['+12025550001'] },
    );

    // Act
    const outcomes = await fanOut([job(0)]);

    // Assess
    expect(outcomes.get('m-0')).toEqual({ kind: 'done', result: 'done', counts: { queued: 2, skipped: 1 } });
    expect(sent.map((m) => m.body)).toEqual([
      { campaignId: 'c-1', contactId: 'k-0', attempt: 1, phoneNumber: '+12025550000', userId: 'u-1' },
      { campaignId: 'c-1', contactId: 'k-2', attempt: 1, phoneNumber: '+12025550002', userId: 'u-1' },
    ]);
    expect(recorded).toEqual([
      { statuses: ['k-1:skipped_blacklisted', 'k-0:queued', 'k-2:queued'], done: true },
    ]);
  });

  it.each([
    [{ contacts: [] }, { kind: 'reject', reason: 'No such page' }],
    [
      { pageStatus: 'done' as const, contacts: [] },
      { kind: 'done', result: 'already_done', counts: { queued: 0, skipped: 0 } },
    ],
    [
      { pageStatus: 'pending' as const, campaignStatus: 'paused', contacts: contacts(2) },
      { kind: 'done', result: 'campaign_not_running', counts: { queued: 0, skipped: 0 } },
    ],
  ])('sends nothing for %j', async (page, outcome) => {
    // Prepare
    const { fanOut, sent } = world(page);

    // Act
    const outcomes = await fanOut([job(7)]);

    // Assess
    expect(outcomes.get('m-7')).toEqual(outcome);
    expect(sent).toEqual([]);
  });

  it('retries a page whose tasks were not all sent, keeping those that went out queued, the page not done', async () => {
    // Prepare
    const { fanOut, recorded } = world(
      { pageStatus: 'pending', campaignStatus: 'running', contacts: contacts(2) },
      { unsent: ['k-1'] },
    );

    // Act
    const outcomes = await fanOut([job(0)]);

    // Assess
    expect(outcomes.get('m-0')).toEqual({
      kind: 'retry',
      reason: 'DependencyError: 1 dial tasks not sent (SQS error)',
    });
    expect(recorded).toEqual([{ statuses: ['k-0:queued'], done: false }]);
  });

  it('retries a page when the blacklist cannot be read, sending nothing', async () => {
    // Prepare
    const { fanOut, sent } = world(
      { pageStatus: 'pending', campaignStatus: 'running', contacts: contacts(2) },
      { blacklistDown: true },
    );

    // Act
    const outcomes = await fanOut([job(0)]);

    // Assess
    expect(outcomes.get('m-0')).toEqual({ kind: 'retry', reason: 'DependencyError: dynamodb is down' });
    expect(sent).toEqual([]);
  });
});
