/**
 * Turns a batch of dial tasks into calls. For the batch as a whole:
 * 1. ValidateInput: read each task (JSON, schema, E.164); a task that can never succeed is set aside.
 * 2. CheckBlacklist: one BatchGetItem for every number of the batch (the list may have changed since fan-out).
 * 3. InitiateCall: claim the attempts in Postgres (one statement), then send the claimed calls to the
 *    asterisk-calls queue. A claim makes a redelivered task a no-op once its call went out, and lets a task whose
 *    call may not have gone out be sent again under the same dialId.
 * 4. RecordAttempt: mark sent calls initiated, release the claims of unsent ones, record rejected tasks (one statement).
 * Each record gets a `ProcessDialTask` subsegment with these steps as children; the batched calls (DynamoDB, SQS,
 * SQL) serve the whole batch and sit under the invocation's root subsegment.
 * A record whose dependency failed is returned for retry; nothing else is.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import type { AsteriskCall } from '../generated/asteriskCall.ts';
import { DependencyError, ValidationError } from '../lib/errors.ts';
import { phoneHash } from '../lib/phone.ts';
import type { PhoneHashing } from '../lib/phoneHashKey.ts';
import { redactPhoneLike } from '../lib/redact.ts';
import { currentSpan } from '../lib/tracing.ts';
import type { AttemptRepository, ClaimResult } from './attemptRepository.ts';
import type { BlacklistService } from './blacklistService.ts';
import { readDialTask } from './dialTaskInput.ts';
import { DialTaskRun, dialIdOfRun, isValid, keyOf, type ValidRun } from './dialTaskRun.ts';
import type { MessageQueue } from './messageQueue.ts';

export interface DialerDeps {
  blacklist: BlacklistService;
  calls: MessageQueue;
  attempts: AttemptRepository;
  phone: PhoneHashing;
  claimLeaseSeconds: number;
  logger: Logger;
}

export function createDialerService({
  blacklist,
  calls,
  attempts,
  phone,
  claimLeaseSeconds,
  logger,
}: DialerDeps) {
  function validate(run: DialTaskRun, hashKey: string): void {
    run.open('ValidateInput');
    const input = readDialTask(run.record.body, phone.defaultRegion);
    // Only the identity fields: a run's identity goes into log lines, never the number.
    run.identity = input.ok
      ? { campaignId: input.task.campaignId, contactId: input.task.contactId, attempt: input.task.attempt }
      : input.identity;
    run.span.annotate('campaignId', run.identity.campaignId);
    run.span.annotate('contactId', run.identity.contactId);
    run.span.annotate('attempt', run.identity.attempt);
    if (!input.ok) {
      run.reject(input.error.message);
      run.close('ValidateInput', input.error);
      return;
    }
    run.task = input.task;
    run.span.annotate('phoneHash', phoneHash(input.task.phoneNumber, hashKey));
    run.close('ValidateInput');
  }

  /** Returns the runs whose number is on the blacklist; on failure every run is returned for retry. */
  async function checkBlacklist(runs: ValidRun[]): Promise<Set<ValidRun>> {
    for (const run of runs) run.open('CheckBlacklist');
    try {
      const listed = await blacklist.findBlacklisted(runs.map((run) => run.task.phoneNumber));
      const blacklisted = new Set(runs.filter((run) => listed.has(run.task.phoneNumber)));
      for (const run of runs) {
        run.addStepMetadata('CheckBlacklist', 'blacklisted', blacklisted.has(run));
        run.close('CheckBlacklist');
      }
      return blacklisted;
    } catch (error) {
      for (const run of runs) run.retry('CheckBlacklist', error);
      return new Set();
    }
  }

  /** Applies what the claim found to a run; `step` is the step the claim belongs to for this run. */
  function applyClaim(
    run: ValidRun,
    claim: ClaimResult | undefined,
    step: 'InitiateCall' | 'RecordAttempt',
  ): void {
    run.addStepMetadata(step, 'claim', claim ?? 'missing');
    if (claim === 'claimed') {
      if (step === 'RecordAttempt') run.outcome = 'skipped_blacklisted';
    } else if (claim === 'unknown_contact') {
      const unknown = new ValidationError('Dial task names a contact that is not in the campaign');
      run.reject(unknown.message);
      run.close(step, unknown);
    } else if (claim === 'held') {
      run.outcome = 'retry';
      run.reason = 'InitiateCall: attempt claimed by another invocation';
    } else {
      run.outcome = 'duplicate';
    }
  }

  /** Claims every attempt (to dial, or to record as skipped), then sends the calls this invocation now owns. */
  async function initiateCalls(toDial: ValidRun[], toSkip: ValidRun[]): Promise<void> {
    for (const run of toDial) run.open('InitiateCall');
    for (const run of toSkip) run.open('RecordAttempt');
    let claims: Map<string, ClaimResult>;
    try {
      claims = await attempts.claim(
        [
          ...toDial.map((run) => ({ ...keyOf(run), intent: 'dial' as const })),
          ...toSkip.map((run) => ({ ...keyOf(run), intent: 'skip_blacklisted' as const })),
        ],
        claimLeaseSeconds,
      );
    } catch (error) {
      for (const run of toDial) run.retry('InitiateCall', error);
      for (const run of toSkip) run.retry('RecordAttempt', error);
      return;
    }
    // The same task twice in one batch: the first copy owns the claim, the others have nothing to do.
    const owned = new Set<string>();
    for (const [runs, step] of [
      [toSkip, 'RecordAttempt'],
      [toDial, 'InitiateCall'],
    ] as const) {
      for (const run of runs) {
        const dialId = dialIdOfRun(run);
        const claim = owned.has(dialId) ? 'done' : claims.get(dialId);
        if (claim === 'claimed') owned.add(dialId);
        applyClaim(run, claim, step);
      }
    }
    const sending = toDial.filter((run) => run.outcome === undefined);
    const requestedAt = new Date().toISOString();
    const result = await calls.send(
      sending.map((run) => {
        const call: AsteriskCall = {
          dialId: dialIdOfRun(run),
          ...keyOf(run),
          phoneNumber: run.task.phoneNumber,
          requestedAt,
        };
        return { id: call.dialId, body: call, attributes: { dialId: call.dialId } };
      }),
    );
    for (const run of sending) {
      const dialId = dialIdOfRun(run);
      run.addStepMetadata('InitiateCall', 'dialId', dialId);
      const failure = result.sent.has(dialId) ? undefined : (result.failed.get(dialId) ?? 'not sent');
      if (failure === undefined) {
        run.outcome = 'initiated';
        run.close('InitiateCall');
      } else {
        run.unsent = true;
        run.retry('InitiateCall', new DependencyError('sqs', `Call message not sent: ${failure}`));
      }
    }
    for (const run of toDial) if (run.isOpen('InitiateCall')) run.close('InitiateCall');
  }

  async function recordAttempts(runs: DialTaskRun[]): Promise<void> {
    const initiated = runs.filter((run): run is ValidRun => run.outcome === 'initiated' && isValid(run));
    const released = runs.filter((run): run is ValidRun => run.unsent && isValid(run));
    const rejected = runs.filter((run) => run.outcome === 'rejected');
    const recording = [...initiated, ...rejected];
    for (const run of recording) if (!run.isOpen('RecordAttempt')) run.open('RecordAttempt');
    try {
      await attempts.recordOutcomes({
        initiated: initiated.map(keyOf),
        released: released.map(keyOf),
        rejected: rejected.map((run) => ({
          messageId: run.record.messageId,
          ...run.identity,
          reason: run.reason ?? 'rejected',
          body: run.record.body,
        })),
      });
    } catch (error) {
      // A sent call stays claimed: after the lease, the redelivered task sends it again under the same dialId.
      for (const run of recording) run.retry('RecordAttempt', error);
      return;
    }
    for (const run of runs) if (run.isOpen('RecordAttempt')) run.close('RecordAttempt');
  }

  function report(runs: DialTaskRun[], hashKey: string): SQSBatchResponse {
    const counts: Record<string, number> = {};
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const run of runs) {
      const outcome = run.finish();
      counts[outcome] = (counts[outcome] ?? 0) + 1;
      if (outcome === 'retry') batchItemFailures.push({ itemIdentifier: run.record.messageId });
      if (outcome !== 'rejected' && outcome !== 'retry') continue;
      const details = {
        messageId: run.record.messageId,
        ...run.identity,
        phoneHash: run.task ? phoneHash(run.task.phoneNumber, hashKey) : undefined,
        // A reason can quote what the task carried (a malformed number): masked like any free text.
        reason: run.reason === undefined ? undefined : redactPhoneLike(run.reason),
      };
      if (outcome === 'rejected') logger.warn('Dial task rejected', details);
      else logger.error('Dial task will be retried', details);
    }
    logger.info('Dial batch processed', { received: runs.length, ...counts });
    return { batchItemFailures };
  }

  return {
    /** Processes one SQS batch of dial tasks and answers with the records to retry. */
    async processBatch(records: readonly SQSRecord[]): Promise<SQSBatchResponse> {
      // Without the key no task can be traced or logged safely: the whole batch fails and is delivered again.
      const hashKey = await phone.key();
      const root = currentSpan();
      const runs = records.map((record) => new DialTaskRun(record, root));
      for (const run of runs) validate(run, hashKey);
      const valid = runs.filter(isValid);
      const blacklisted = await checkBlacklist(valid);
      const checked = valid.filter((run) => run.outcome === undefined);
      await initiateCalls(
        checked.filter((run) => !blacklisted.has(run)),
        checked.filter((run) => blacklisted.has(run)),
      );
      await recordAttempts(runs);
      return report(runs, hashKey);
    },
  };
}

export type DialerService = ReturnType<typeof createDialerService>;
