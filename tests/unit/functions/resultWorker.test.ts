/**
 * The result worker through `build(deps)` with the shared fakes: what each call result does to the attempt, the
 * contact's next step and the do-not-call list, and what comes back to SQS. No servers.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from '@jest/globals';
import type { CallResult } from '../../../src/generated/callResult.ts';
import type { ResultTarget } from '../../../src/repositories/callResultRepository.ts';
import { fakeBlacklistService } from '../../fakes/blacklistService.ts';
import { fakeCallResultRepository } from '../../fakes/callResultRepository.ts';
import { testPhoneHashing } from '../../fakes/phoneHashing.ts';
import { fakeRejectionStore } from '../../fakes/rejectionStore.ts';
import { lambdaContext, sqsEvent } from '../../helpers/lambda.ts';

Object.assign(process.env, {
  STAGE: 'test',
  DATABASE_URL: 'postgresql://unused',
  BLACKLIST_TABLE: 'unused',
  PHONE_HASH_KEY: 'unit-test-phone-hash-key',
});
const { build } = await import('../../../src/functions/resultWorker.ts');

const NOW = new Date('2026-03-10T15:00:00Z');
const NUMBER = '+12025550143';
const running: ResultTarget = {
  phoneNumber: NUMBER,
  userId: 'u-1',
  campaignStatus: 'running',
  maxAttempts: 3,
  retryDelays: { busy: 15, no_answer: 60, machine: 240, failed: 30 },
};
const result = (dialId: string, outcome: CallResult['outcome'], extra: Partial<CallResult> = {}) =>
  JSON.stringify({ dialId, outcome, endedAt: NOW.toISOString(), ...extra });

function worker(targets: Record<string, ResultTarget>) {
  const results = fakeCallResultRepository(targets);
  const blacklist = fakeBlacklistService();
  const rejections = fakeRejectionStore();
  const handler = build({
    results,
    blacklist,
    phone: testPhoneHashing(),
    rejections,
    logger: new Logger({ serviceName: 'voice-campaign', logLevel: 'SILENT' }),
    now: () => NOW,
  });
  const run = (bodies: string[]) => handler(sqsEvent(bodies, 'call-results'), lambdaContext('resultWorker'));
  return { results, blacklist, rejections, run };
}

describe('resultWorker (build with fakes)', () => {
  it('records a busy result and plans the retry after the campaign’s delay for busy', async () => {
    // Prepare
    const { results, run } = worker({ 'c-1:k-1:1': running });

    // Act
    const response = await run([result('c-1:k-1:1', 'busy')]);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(results.recorded.get('c-1:k-1:1')).toMatchObject({
      outcome: 'busy',
      optOut: false,
      at: NOW,
      next: { retryAt: new Date(NOW.getTime() + 15 * 60_000) },
    });
  });

  it('counts the first result of a call only: a second delivery changes nothing', async () => {
    const { results, run } = worker({ 'c-1:k-1:1': running });
    await run([result('c-1:k-1:1', 'answered')]);

    // Act
    const response = await run([result('c-1:k-1:1', 'busy')]);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(results.recorded.get('c-1:k-1:1')?.outcome).toBe('answered');
  });

  it('lists an opted-out number before recording the result, and retries the result whole when the list is down', async () => {
    // Prepare
    const { results, blacklist, run } = worker({ 'c-1:k-1:1': running });
    blacklist.down = true;

    // Act
    const failed = await run([result('c-1:k-1:1', 'answered', { optOut: true })]);
    blacklist.down = false;
    const retried = await run([result('c-1:k-1:1', 'answered', { optOut: true })]);

    // Assess
    expect(failed.batchItemFailures).toEqual([{ itemIdentifier: 'm-0' }]);
    expect(retried.batchItemFailures).toEqual([]);
    expect(blacklist.changes).toEqual([
      expect.objectContaining({
        action: 'add',
        phoneNumber: NUMBER,
        by: 'campaign:c-1',
        at: NOW.toISOString(),
      }),
    ]);
    expect(blacklist.changes[0]?.phoneHash).toMatch(/^[0-9a-f]{16,}$/);
    expect(results.recorded.get('c-1:k-1:1')).toMatchObject({ optOut: true, next: { final: 'opted_out' } });
  });

  it('records a batch in two calls of the repository, a result delivered twice in it once, and retries only the opt-out whose listing failed', async () => {
    // Prepare
    const { results, blacklist, run } = worker({
      'c-1:k-1:1': running,
      'c-1:k-2:1': { ...running, phoneNumber: '+12025550144' },
      'c-1:k-3:2': { ...running, phoneNumber: '+12025550145' },
    });
    blacklist.down = true;

    // Act
    const response = await run([
      result('c-1:k-1:1', 'answered'),
      result('c-1:k-1:1', 'busy'),
      result('c-1:k-2:1', 'answered', { optOut: true }),
      result('c-1:k-3:2', 'no_answer'),
    ]);

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-2' }]);
    expect(results.calls).toEqual(['targets', 'record']);
    expect(results.recorded.get('c-1:k-1:1')?.outcome).toBe('answered');
    expect(results.recorded.has('c-1:k-2:1')).toBe(false);
    expect(results.recorded.get('c-1:k-3:2')).toMatchObject({
      next: { retryAt: new Date(NOW.getTime() + 60 * 60_000) },
    });
  });

  it('retries every result of the batch when the attempts cannot be loaded, and sets a copy of an unknown call aside with it', async () => {
    // Prepare
    const { results, rejections, run } = worker({ 'c-1:k-1:1': running });
    results.targets = async () => {
      throw new Error('connection refused');
    };

    // Act
    const failed = await run([result('c-1:k-1:1', 'answered'), result('c-1:k-1:1', 'answered')]);

    // Assess
    expect(failed.batchItemFailures).toEqual([{ itemIdentifier: 'm-0' }, { itemIdentifier: 'm-1' }]);
    expect(results.recorded.size).toBe(0);
    expect(rejections.rejected).toEqual([]);
  });

  it('records a late result of a campaign that is over without planning anything', async () => {
    const { results, run } = worker({ 'c-1:k-1:1': { ...running, campaignStatus: 'cancelled' } });

    await run([result('c-1:k-1:1', 'no_answer')]);

    expect(results.recorded.get('c-1:k-1:1')).toMatchObject({ outcome: 'no_answer' });
    expect(results.recorded.get('c-1:k-1:1')).not.toHaveProperty('next');
  });

  it('sets aside a result for no known call and a message that is not a result, never retried, none recorded', async () => {
    // Prepare
    const { results, rejections, run } = worker({});

    // Act
    const response = await run([
      result('c-1:k-9:1', 'answered'),
      '{"dialId": 42}',
      result('c-1:k-9:1', 'answered'),
    ]);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(results.recorded.size).toBe(0);
    // Unreadable messages are set aside before the service runs, unknown calls (each copy) by it.
    expect(rejections.rejected.map((r) => [r.messageId, r.queue, r.reason])).toEqual([
      ['m-1', 'call-results', expect.stringContaining('Call result does not match its schema')],
      ['m-0', 'call-results', 'No such call attempt'],
      ['m-2', 'call-results', 'No such call attempt'],
    ]);
  });
});
