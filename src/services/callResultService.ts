/**
 * Call results from the telephony workers (docs/telephony.md), a batch at a time: each one recorded once with its
 * attempt, and the contact's next step decided (src/domain/callOutcome.ts): done, or due again after the campaign's
 * delay for the outcome. For the batch as a whole:
 * 1. LoadAttempt: the attempts of every result in one statement; a result for no known attempt is set aside.
 * 2. OptOut: each opt-out's number put on the do-not-call list, with the campaign and the call as its record, before
 *    anything of its result is written: a result whose listing failed is retried whole, the others go on.
 * 3. RecordResult: the results and their contacts' next steps in one statement (one transaction). A result delivered
 *    twice, in one batch or two, or late for a campaign that is over, changes nothing twice.
 * Each result gets a `RecordCallResult` span with its steps.
 */

import { type NextStep, nextStep } from '../domain/callOutcome.ts';
import type { CallResult } from '../generated/callResult.ts';
import { type AttemptKey, keyOfDialId } from '../lib/dialId.ts';
import type { PhoneHashing } from '../lib/phoneHashKey.ts';
import {
  hasTimeFor,
  OUT_OF_TIME,
  type QueueService,
  type QueueTask,
  retryAfter,
  type TaskOutcome,
} from '../lib/queueTasks.ts';
import { type StepMark, type TaskTrace, traceTasks } from '../lib/taskTrace.ts';
import type { CallResultRepository, ResultTarget } from '../repositories/callResultRepository.ts';
import type { BlacklistService } from './blacklistService.ts';

export interface CallResultDeps {
  results: CallResultRepository;
  blacklist: Pick<BlacklistService, 'add'>;
  /** The number's hash, for the do-not-call history. */
  phone: Pick<PhoneHashing, 'hash'>;
  now: () => Date;
}

/** A result of the batch, with the attempt it names. */
interface Delivered {
  id: string;
  result: CallResult;
  key: AttemptKey;
}

/** A result to write: its attempt as loaded, and the contact's next step (none for a campaign that is over). */
interface ToWrite extends Delivered {
  target: ResultTarget;
  next: NextStep | undefined;
}

const DUPLICATE: TaskOutcome = { kind: 'done', result: 'duplicate' };

const describeNext = (next: NextStep | undefined) =>
  next === undefined ? 'none' : 'final' in next ? next.final : 'retry';

export function createCallResultService({ results, blacklist, phone, now }: CallResultDeps) {
  /** What each result whose attempt exists and has no result yet will write. */
  function plan(
    delivered: readonly Delivered[],
    targets: ReadonlyMap<string, ResultTarget>,
    trace: TaskTrace,
  ) {
    const outcomes = new Map<string, TaskOutcome>();
    const writes: ToWrite[] = [];
    for (const item of delivered) {
      const target = targets.get(item.result.dialId);
      if (target === undefined) {
        outcomes.set(item.id, { kind: 'reject', reason: 'No such call attempt' });
        continue;
      }
      trace.annotate(item.id, 'userId', target.userId);
      if (target.outcome !== undefined) {
        outcomes.set(item.id, DUPLICATE);
        continue;
      }
      // Ringing finished in a running or paused campaign plans the contact's next step; one that is over does not.
      const planned = target.campaignStatus === 'running' || target.campaignStatus === 'paused';
      writes.push({
        ...item,
        target,
        next: planned ? nextStep(item.result, item.key.attempt, target) : undefined,
      });
    }
    return { outcomes, writes };
  }

  /** Lists the opt-outs' numbers; answers why each one that could not be listed failed, by task id. */
  async function listOptOuts(optOuts: readonly ToWrite[], trace: TaskTrace): Promise<Map<string, unknown>> {
    const failed = new Map<string, unknown>();
    if (optOuts.length === 0) return failed;
    const step = trace.begin(
      'OptOut',
      optOuts.map((w) => w.id),
    );
    const at = now().toISOString();
    const settled = await Promise.allSettled(
      optOuts.map(async (w) =>
        blacklist.add({
          phoneNumber: w.target.phoneNumber,
          phoneHash: await phone.hash(w.target.phoneNumber),
          by: `campaign:${w.key.campaignId}`,
          reason: `opted out during call ${w.result.dialId}`,
          at,
        }),
      ),
    );
    const marks = new Map<string, StepMark>();
    settled.forEach((outcome, i) => {
      const w = optOuts[i];
      if (w === undefined || outcome.status === 'fulfilled') return;
      failed.set(w.id, outcome.reason);
      marks.set(w.id, { error: outcome.reason });
    });
    step.end(marks);
    return failed;
  }

  async function recordBatch(
    tasks: readonly QueueTask<CallResult>[],
    outcomes: Map<string, TaskOutcome>,
    trace: TaskTrace,
    invocation: Parameters<QueueService<CallResult>>[1],
  ): Promise<void> {
    // A result delivered twice in one batch: its first copy is handled, the others follow it.
    const firsts = new Map<string, Delivered>();
    const copies: Delivered[] = [];
    for (const task of tasks) {
      const item = { id: task.id, result: task.body, key: keyOfDialId(task.body.dialId) };
      for (const key of ['campaignId', 'contactId', 'attempt'] as const)
        trace.annotate(item.id, key, item.key[key]);
      trace.annotate(item.id, 'outcome', item.result.outcome);
      if (firsts.has(item.result.dialId)) copies.push(item);
      else firsts.set(item.result.dialId, item);
    }
    const delivered = [...firsts.values()];

    // 1. LoadAttempt
    let targets: Map<string, ResultTarget>;
    try {
      targets = await trace.step(
        'LoadAttempt',
        delivered.map((d) => d.id),
        () => results.targets(delivered.map((d) => d.key)),
      );
    } catch (error) {
      for (const task of tasks) outcomes.set(task.id, retryAfter('LoadAttempt', error));
      return;
    }
    const planned = plan(delivered, targets, trace);
    for (const [id, outcome] of planned.outcomes) outcomes.set(id, outcome);

    // 2. OptOut, before any result of an opted-out number is written.
    const notListed = await listOptOuts(
      planned.writes.filter((w) => w.result.optOut === true),
      trace,
    );
    for (const [id, error] of notListed) outcomes.set(id, retryAfter('OptOut', error));
    const writes = planned.writes.filter((w) => !notListed.has(w.id));

    // 3. RecordResult
    if (writes.length > 0 && !hasTimeFor(invocation)) {
      for (const w of writes) outcomes.set(w.id, OUT_OF_TIME);
    } else if (writes.length > 0) {
      try {
        const recorded = await trace.step(
          'RecordResult',
          writes.map((w) => w.id),
          () => results.record(writes.map(recordOf), now()),
          () => new Map(writes.map((w) => [w.id, { metadata: { next: describeNext(w.next) } }])),
        );
        for (const w of writes) {
          if (!recorded.has(w.result.dialId)) outcomes.set(w.id, DUPLICATE);
          else if (w.next === undefined) outcomes.set(w.id, { kind: 'done', result: 'late' });
          else outcomes.set(w.id, { kind: 'done', result: 'final' in w.next ? 'final' : 'retry_planned' });
        }
      } catch (error) {
        for (const w of writes) outcomes.set(w.id, retryAfter('RecordResult', error));
      }
    }

    for (const copy of copies) {
      const first = outcomes.get(firsts.get(copy.result.dialId)?.id ?? '');
      if (first !== undefined) outcomes.set(copy.id, first.kind === 'done' ? DUPLICATE : first);
    }
  }

  return {
    /** One outcome per result; a dependency's failure retries the results it failed for. */
    process: (async (tasks, invocation?) => {
      const outcomes = new Map<string, TaskOutcome>();
      if (!hasTimeFor(invocation)) {
        for (const task of tasks) outcomes.set(task.id, OUT_OF_TIME);
        return outcomes;
      }
      const trace = traceTasks(
        'RecordCallResult',
        tasks.map((task) => task.id),
      );
      try {
        await recordBatch(tasks, outcomes, trace, invocation);
      } finally {
        trace.finish(outcomes);
      }
      return outcomes;
    }) satisfies QueueService<CallResult>,
  };
}

/** What the repository writes of a result: the outcome, the opt-out, the rest as reported, and the next step. */
function recordOf(w: ToWrite) {
  const { dialId: _dialId, outcome, optOut = false, ...details } = w.result;
  return { key: w.key, result: { outcome, optOut, details, ...(w.next ? { next: w.next } : {}) } };
}
