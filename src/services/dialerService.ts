/**
 * Turns a batch of dial tasks into calls. For the batch as a whole:
 * 1. ValidateInput: each task's number in E.164; a task whose number is not valid is rejected.
 * 2. CheckBlacklist: one BatchGetItem for every number of the batch (the list may have changed since fan-out).
 * 3. InitiateCall: claim the attempts in Postgres (the facts of the contacts' calling hours read, the hours checked
 *    here, then one statement that locks the numbers, checks each attempt on the facts it has then, claims it and
 *    starts its compliance record; listed numbers are recorded skipped by it), then send the calls this invocation
 *    now owns to the asterisk-calls queue. A claim makes a redelivered task a no-op
 *    once its call went out, and lets a task whose call may not have gone out be sent again under the same dialId.
 * 4. RecordAttempt: mark sent calls initiated, release the claims of unsent ones, and write what the claim decided
 *    for contacts (one statement).
 * What each task becomes is decided in dialDecision.ts; each task gets a `ProcessDialTask` span with its steps.
 * A task whose dependency failed is retried; one that can never succeed is rejected; nothing is lost.
 */

import type { MessageQueue } from '../adapters/messageQueue.ts';
import { localTime } from '../domain/callingHours.ts';
import { type CallSettings, type ClaimIntent, hoursCheckAt, type RecipientLimit } from '../domain/claim.ts';
import {
  callMessage,
  type DialCandidate,
  decideOnClaim,
  intentFor,
  readCandidate,
} from '../domain/dialDecision.ts';
import type { DialTask } from '../generated/dialTask.ts';
import { retrying } from '../lib/backoff.ts';
import { dialIdOf } from '../lib/dialId.ts';
import { DependencyError, ValidationError } from '../lib/errors.ts';
import { phoneHash } from '../lib/phone.ts';
import type { PhoneHashing } from '../lib/phoneHashKey.ts';
import {
  hasTimeFor,
  type Invocation,
  OUT_OF_TIME,
  type QueueService,
  retryAfter,
  type TaskOutcome,
} from '../lib/queueTasks.ts';
import { type StepMark, traceTasks } from '../lib/taskTrace.ts';
import type { AttemptRepository } from '../repositories/attemptRepository.ts';
import type { BlacklistService } from './blacklistService.ts';

export interface DialerDeps {
  blacklist: Pick<BlacklistService, 'findBlacklisted'>;
  calls: MessageQueue;
  attempts: AttemptRepository;
  phone: PhoneHashing;
  claimLeaseSeconds: number;
  /** How long a call message may wait to be dialled. */
  callDeadlineSeconds: number;
  /**
   * The rules table (rules/calling-hours.json): its limits of calls to one number in rolling windows, across one
   * owner's campaigns, by campaign purpose, and its version, in every attempt's compliance record.
   */
  rules: { recipientLimits: readonly RecipientLimit[]; version: string };
  now: () => Date;
}

const marks = (entries: Iterable<[string, StepMark]>) => new Map(entries);

/** The record of sent calls: up to 6 tries over about 6 s, enough for a database restart. */
const RECORD_RETRY = { attempts: 6, baseDelayMs: 250, maxDelayMs: 2_000 };

export function createDialerService({
  blacklist,
  calls,
  attempts,
  phone,
  claimLeaseSeconds,
  callDeadlineSeconds,
  rules: { recipientLimits, version: rulesVersion },
  now,
}: DialerDeps) {
  return {
    /** One outcome per task. Throws (the whole batch comes back) only when no task can be handled safely. */
    dial: (async (tasks, invocation?) => {
      // Without the key no task can be traced or logged safely.
      const hashKey = await phone.key();
      const outcomes = new Map<string, TaskOutcome>();
      const trace = traceTasks(
        'ProcessDialTask',
        tasks.map((task) => task.id),
      );
      try {
        // 1. ValidateInput
        const read = await trace.step(
          'ValidateInput',
          tasks.map((task) => task.id),
          async () => tasks.map((task) => readCandidate(task.id, task.body, phone.defaultRegion)),
          (results) =>
            marks(
              results.flatMap((r, i) => ('error' in r ? [[tasks[i]?.id ?? '', { error: r.error }]] : [])),
            ),
        );
        const candidates: DialCandidate[] = [];
        read.forEach((result, i) => {
          const task = tasks[i];
          if (task === undefined) return;
          for (const key of ['campaignId', 'contactId', 'attempt'] as const)
            trace.annotate(task.id, key, task.body[key]);
          if ('error' in result) outcomes.set(task.id, { kind: 'reject', reason: result.error.message });
          else {
            trace.annotate(task.id, 'phoneHash', phoneHash(result.phoneNumber, hashKey));
            candidates.push(result);
          }
        });
        if (candidates.length > 0) await dialCandidates(candidates, outcomes, trace, invocation);
      } finally {
        trace.finish(outcomes);
      }
      return outcomes;
    }) satisfies QueueService<DialTask>,
  };

  async function dialCandidates(
    candidates: DialCandidate[],
    outcomes: Map<string, TaskOutcome>,
    trace: ReturnType<typeof traceTasks>,
    invocation: Invocation | undefined,
  ): Promise<void> {
    const ids = candidates.map((c) => c.id);
    // 2. CheckBlacklist
    let listed: Set<string>;
    try {
      listed = await trace.step(
        'CheckBlacklist',
        ids,
        () => blacklist.findBlacklisted(candidates.map((c) => c.phoneNumber)),
        (found) =>
          marks(candidates.map((c) => [c.id, { metadata: { blacklisted: found.has(c.phoneNumber) } }])),
      );
    } catch (error) {
      for (const c of candidates) outcomes.set(c.id, retryAfter('CheckBlacklist', error));
      return;
    }
    const checkedAt = now().toISOString();
    // No claim without the time to send and record it: the tasks come back, none half done.
    if (!hasTimeFor(invocation)) {
      for (const c of candidates) outcomes.set(c.id, OUT_OF_TIME);
      return;
    }

    // 3. InitiateCall: one claim for every attempt; the listed ones are recorded skipped by it.
    const intents = new Map<string, ClaimIntent>(candidates.map((c) => [c.id, intentFor(c, listed)]));
    const toDial = candidates.filter((c) => intents.get(c.id) === 'dial');
    const toSkip = candidates.filter((c) => intents.get(c.id) === 'skip_blacklisted');
    const initiate = trace.begin(
      'InitiateCall',
      toDial.map((c) => c.id),
    );
    const skip = trace.begin(
      'RecordAttempt',
      toSkip.map((c) => c.id),
    );
    let claims: Awaited<ReturnType<AttemptRepository['claim']>>;
    try {
      const requests = [...toDial, ...toSkip].map((c) => ({
        ...c.key,
        intent: intents.get(c.id) ?? 'dial',
        phoneNumber: c.phoneNumber,
        // The start of the attempt's compliance record: what was checked here, and under which rules.
        record: {
          rulesVersion,
          doNotCall: { checkedAt, listed: listed.has(c.phoneNumber) },
        },
      }));
      const at = now();
      claims = await attempts.claim(requests, {
        leaseSeconds: claimLeaseSeconds,
        limits: recipientLimits,
        callDeadlineSeconds,
        at,
        hours: hoursCheckAt(at),
      });
    } catch (error) {
      initiate.fail(error);
      skip.fail(error);
      for (const c of candidates)
        outcomes.set(
          c.id,
          retryAfter(intents.get(c.id) === 'dial' ? 'InitiateCall' : 'RecordAttempt', error),
        );
      return;
    }
    const owned = new Set<string>();
    const sending: DialCandidate[] = [];
    const claimMarks = new Map<string, StepMark>();
    // Skipped first: of two copies of one task, the one recorded skipped is never sent as well.
    for (const c of [...toSkip, ...toDial]) {
      const dialId = dialIdOf(c.key);
      const claim = claims.results.get(dialId);
      const earlierCopy = owned.has(dialId);
      const decision = decideOnClaim(intents.get(c.id) ?? 'dial', claim, earlierCopy);
      if (claim === 'claimed') owned.add(dialId);
      claimMarks.set(c.id, {
        metadata: { claim: earlierCopy ? 'owned by an earlier copy' : (claim ?? 'missing'), dialId },
        ...(decision.kind === 'reject' ? { error: new ValidationError(decision.reason) } : {}),
      });
      if (decision.kind === 'send') sending.push(c);
      else if (decision.kind === 'done') outcomes.set(c.id, { kind: 'done', result: decision.result });
      else outcomes.set(c.id, decision);
    }
    skip.end(claimMarks);

    const sentAt = now();
    const sent = await send(sending, claims.calls, sentAt, outcomes, claimMarks);
    initiate.end(claimMarks);

    // 4. RecordAttempt: the record gains when the call was sent, and the local time then in each zone; the contacts
    // the claim decided on (sent back to the schedule, or ended as listed) are written with it.
    const released = sending.filter((c) => !sent.includes(c)).map((c) => c.key);
    const initiated = sent.map((c) => {
      const zones = claims.calls.get(dialIdOf(c.key))?.zones ?? [];
      const localTimes = Object.fromEntries(zones.map((zone) => [zone, localTime(sentAt, zone).text]));
      return { ...c.key, record: { sentAt: sentAt.toISOString(), localTimes } };
    });
    try {
      await trace.step(
        'RecordAttempt',
        sent.map((c) => c.id),
        () =>
          recordWithRetries(
            () => attempts.recordOutcomes({ initiated, released, steps: claims.steps }, sentAt),
            invocation,
          ),
        // The record's facts on the span too (never the number): the rules version and the local times of the call.
        () => marks(sent.map((c, i) => [c.id, { metadata: { rulesVersion, ...initiated[i]?.record } }])),
      );
      for (const c of sent) outcomes.set(c.id, { kind: 'done', result: 'initiated' });
    } catch (error) {
      // A sent call stays claimed: after the lease, the redelivered task sends it again under the same dialId. A task
      // whose contact's step was not written comes back too: its claim decides it again.
      for (const c of candidates)
        if (sent.includes(c) || claims.steps.has(dialIdOf(c.key)))
          outcomes.set(c.id, retryAfter('RecordAttempt', error));
    }
  }

  /**
   * Records what was sent, tried again for a short failure (a database restart or failover): once a call is out, its
   * record is all that stops a redelivered task from sending it again after the lease (the same dialId, which the
   * telephony side drops, but a second message all the same). Tried while the invocation has time for it.
   */
  async function recordWithRetries<T>(
    record: () => Promise<T>,
    invocation: Invocation | undefined,
  ): Promise<T> {
    return retrying(record, RECORD_RETRY, () => hasTimeFor(invocation));
  }

  /** Sends the owned calls in batches; an unsent one is retried and its claim released. Returns those sent. */
  async function send(
    sending: DialCandidate[],
    settings: ReadonlyMap<string, CallSettings>,
    requestedAt: Date,
    outcomes: Map<string, TaskOutcome>,
    stepMarks: Map<string, StepMark>,
  ): Promise<DialCandidate[]> {
    const result = await calls.send(
      sending.map((c) => {
        const call = callMessage(c, settings.get(dialIdOf(c.key)), requestedAt, callDeadlineSeconds);
        return { id: call.dialId, body: call, attributes: { dialId: call.dialId } };
      }),
    );
    const sent: DialCandidate[] = [];
    for (const c of sending) {
      const dialId = dialIdOf(c.key);
      if (result.sent.has(dialId)) {
        sent.push(c);
        continue;
      }
      const failure = `Call message not sent: ${result.failed.get(dialId) ?? 'not sent'}`;
      outcomes.set(c.id, { kind: 'retry', reason: `InitiateCall: ${failure}` });
      stepMarks.set(c.id, {
        ...stepMarks.get(c.id),
        error: new DependencyError('sqs', failure),
      });
    }
    return sent;
  }
}

export type DialerService = ReturnType<typeof createDialerService>;
