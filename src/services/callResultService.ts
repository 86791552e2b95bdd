/**
 * Call results from the telephony workers (docs/telephony.md): each one recorded once with its attempt, and the
 * contact's next step decided (src/domain/callOutcome.ts): done, or due again after the campaign's delay for the
 * outcome. An opt-out puts the number on the do-not-call list before anything else is written, with the campaign
 * and the call as its record: if that write fails, the result is retried whole. A result delivered twice, or late
 * for a campaign that is over, changes nothing twice.
 */

import { nextStep } from '../domain/callOutcome.ts';
import type { CallResult } from '../generated/callResult.ts';
import { keyOfDialId } from '../lib/dialId.ts';
import { describeCause } from '../lib/errors.ts';
import type { PhoneHashing } from '../lib/phoneHashKey.ts';
import { hasTimeFor, OUT_OF_TIME, type QueueService, type TaskOutcome } from '../lib/queueTasks.ts';
import { traced } from '../lib/tracing.ts';
import type { CallResultRepository } from '../repositories/callResultRepository.ts';
import type { BlacklistService } from './blacklistService.ts';

export interface CallResultDeps {
  results: CallResultRepository;
  blacklist: Pick<BlacklistService, 'add'>;
  /** The number's hash, for the do-not-call history. */
  phone: Pick<PhoneHashing, 'hash'>;
  now: () => Date;
}

export function createCallResultService({ results, blacklist, phone, now }: CallResultDeps) {
  async function recordOne(result: CallResult): Promise<TaskOutcome> {
    const key = keyOfDialId(result.dialId);
    return traced('RecordCallResult', async (span) => {
      span.annotate('campaignId', key.campaignId);
      span.annotate('contactId', key.contactId);
      span.annotate('attempt', key.attempt);
      span.annotate('outcome', result.outcome);
      const target = await results.target(key);
      if (target === undefined) return { kind: 'reject', reason: 'No such call attempt' };
      span.annotate('userId', target.userId);
      if (target.outcome !== undefined) return { kind: 'done', result: 'duplicate' };
      if (result.optOut) {
        await traced('OptOut', async () => {
          await blacklist.add({
            phoneNumber: target.phoneNumber,
            phoneHash: await phone.hash(target.phoneNumber),
            by: `campaign:${key.campaignId}`,
            reason: `opted out during call ${result.dialId}`,
            at: now().toISOString(),
          });
        });
      }
      const { dialId: _dialId, outcome, optOut = false, ...details } = result;
      // Ringing finished in a running or paused campaign plans the contact's next step; one that is over does not.
      const planned = target.campaignStatus === 'running' || target.campaignStatus === 'paused';
      const next = planned ? nextStep(result, key.attempt, target) : undefined;
      span.addMetadata('next', next === undefined ? 'none' : 'final' in next ? next.final : 'retry');
      const recorded = await results.record(key, {
        outcome,
        optOut,
        details,
        at: now(),
        ...(next ? { next } : {}),
      });
      if (!recorded) return { kind: 'done', result: 'duplicate' };
      if (next === undefined) return { kind: 'done', result: 'late' };
      return { kind: 'done', result: 'final' in next ? 'final' : 'retry_planned' };
    });
  }

  return {
    /** One outcome per result; a dependency's failure retries that result only. */
    process: (async (tasks, invocation?) => {
      const outcomes = new Map<string, TaskOutcome>();
      for (const task of tasks) {
        if (!hasTimeFor(invocation)) {
          outcomes.set(task.id, OUT_OF_TIME);
          continue;
        }
        try {
          outcomes.set(task.id, await recordOne(task.body));
        } catch (error) {
          outcomes.set(task.id, { kind: 'retry', reason: describeCause(error) });
        }
      }
      return outcomes;
    }) satisfies QueueService<CallResult>,
  };
}
