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
import type { PhoneConfig } from '../lib/config.ts';
import { DependencyError, ValidationError } from '../lib/errors.ts';
import { phoneHash } from '../lib/phone.ts';
import { redactPhoneLike } from '../lib/redact.ts';
import { currentSpan, type Span } from '../lib/tracing.ts';
import { type AttemptKey, type AttemptRepository, dialIdOf } from './attemptRepository.ts';
import type { BlacklistService } from './blacklistService.ts';
import type { CallQueue } from './callQueue.ts';
import { type PartialIdentity, readDialTask, type ValidDialTask } from './dialTaskInput.ts';

export type DialOutcome = 'initiated' | 'skipped_blacklisted' | 'rejected' | 'duplicate' | 'retry';

export interface DialerDeps {
  blacklist: BlacklistService;
  calls: CallQueue;
  attempts: AttemptRepository;
  phone: PhoneConfig;
  claimLeaseSeconds: number;
  logger: Logger;
}

interface TaskRun {
  record: SQSRecord;
  span: Span;
  steps: Map<string, Span>;
  task?: ValidDialTask;
  identity: PartialIdentity;
  /** Why the task was rejected or will be retried: no phone number in it. */
  reason?: string;
  /** This invocation claimed the attempt but could not send its call: the claim is released. */
  unsent?: boolean;
  outcome?: DialOutcome;
}

const keyOf = (task: ValidDialTask): AttemptKey => ({
  campaignId: task.campaignId,
  contactId: task.contactId,
  attempt: task.attempt,
});

function safeMessage(error: unknown): string {
  return redactPhoneLike(error instanceof Error ? error.message : String(error));
}

export function createDialerService(deps: DialerDeps) {
  const { blacklist, calls, attempts, phone, claimLeaseSeconds, logger } = deps;

  function openStep(run: TaskRun, name: string): Span {
    const step = run.span.child(name);
    run.steps.set(name, step);
    return step;
  }

  function closeStep(run: TaskRun, name: string, error?: unknown): void {
    const step = run.steps.get(name);
    if (error !== undefined) {
      step?.recordError(error);
      run.span.recordError(error);
    }
    step?.close();
    run.steps.delete(name);
  }

  function retry(run: TaskRun, step: string, error: unknown): void {
    run.outcome = 'retry';
    run.reason = `${step}: ${safeMessage(error)}`;
    closeStep(run, step, error);
  }

  function reject(run: TaskRun, reason: string): void {
    run.outcome = 'rejected';
    run.reason = reason;
  }

  function validate(run: TaskRun): void {
    openStep(run, 'ValidateInput');
    const input = readDialTask(run.record.body, phone.defaultRegion);
    run.identity = input.ok ? keyOf(input.task) : input.identity;
    run.span.annotate('campaignId', run.identity.campaignId);
    run.span.annotate('contactId', run.identity.contactId);
    run.span.annotate('attempt', run.identity.attempt);
    if (input.ok) {
      run.task = input.task;
      run.span.annotate('phoneHash', phoneHash(input.task.phoneNumber, phone.hashKey));
      closeStep(run, 'ValidateInput');
    } else {
      reject(run, input.error.message);
      closeStep(run, 'ValidateInput', input.error);
    }
  }

  async function checkBlacklist(runs: TaskRun[]): Promise<Set<string>> {
    for (const run of runs) openStep(run, 'CheckBlacklist');
    try {
      const listed = await blacklist.findBlacklisted(runs.map((run) => run.task?.phoneNumber ?? ''));
      for (const run of runs) {
        const blacklisted = listed.has(run.task?.phoneNumber ?? '');
        run.steps.get('CheckBlacklist')?.addMetadata('blacklisted', blacklisted);
        closeStep(run, 'CheckBlacklist');
      }
      return listed;
    } catch (error) {
      for (const run of runs) retry(run, 'CheckBlacklist', error);
      return new Set();
    }
  }

  /** Claims every attempt, then sends the calls this invocation now owns. */
  async function initiateCalls(toDial: TaskRun[], toSkip: TaskRun[]): Promise<void> {
    for (const run of toDial) openStep(run, 'InitiateCall');
    for (const run of toSkip) openStep(run, 'RecordAttempt');
    let claims: Map<string, string>;
    try {
      claims = await attempts.claim(
        [
          ...toDial.map((run) => ({ ...keyOf(run.task as ValidDialTask), intent: 'dial' as const })),
          ...toSkip.map((run) => ({
            ...keyOf(run.task as ValidDialTask),
            intent: 'skip_blacklisted' as const,
          })),
        ],
        claimLeaseSeconds,
      );
    } catch (error) {
      for (const run of toDial) retry(run, 'InitiateCall', error);
      for (const run of toSkip) retry(run, 'RecordAttempt', error);
      return;
    }
    const owned = new Set<string>();
    const outcomeOf = (run: TaskRun, onClaim: DialOutcome | undefined): void => {
      const dialId = dialIdOf(keyOf(run.task as ValidDialTask));
      const claim = owned.has(dialId) ? 'done' : claims.get(dialId);
      if (claim === 'claimed') owned.add(dialId);
      if (claim === 'claimed') run.outcome = onClaim;
      else if (claim === 'unknown_contact') {
        const unknown = new ValidationError('Dial task names a contact that is not in the campaign');
        reject(run, unknown.message);
        closeStep(run, onClaim ? 'RecordAttempt' : 'InitiateCall', unknown);
      } else if (claim === 'held') {
        run.outcome = 'retry';
        run.reason = 'InitiateCall: attempt claimed by another invocation';
      } else run.outcome = 'duplicate';
      run.steps.get(onClaim ? 'RecordAttempt' : 'InitiateCall')?.addMetadata('claim', claim ?? 'missing');
    };
    for (const run of toSkip) outcomeOf(run, 'skipped_blacklisted');
    for (const run of toDial) outcomeOf(run, undefined);
    const sending = toDial.filter((run) => run.outcome === undefined);
    const result = await calls.send(
      sending.map((run) => {
        const task = run.task as ValidDialTask;
        return {
          dialId: dialIdOf(keyOf(task)),
          ...keyOf(task),
          phoneNumber: task.phoneNumber,
          requestedAt: new Date().toISOString(),
        };
      }),
    );
    for (const run of toDial) {
      const dialId = dialIdOf(keyOf(run.task as ValidDialTask));
      const failure = run.outcome === undefined ? result.failed.get(dialId) : undefined;
      if (failure !== undefined) {
        run.unsent = true;
        retry(run, 'InitiateCall', new DependencyError('sqs', `Call message not sent: ${failure}`));
        continue;
      }
      if (run.outcome === undefined && result.sent.has(dialId)) run.outcome = 'initiated';
      run.steps.get('InitiateCall')?.addMetadata('dialId', dialId);
      closeStep(run, 'InitiateCall');
    }
  }

  async function recordAttempts(runs: TaskRun[]): Promise<void> {
    const initiated = runs.filter((run) => run.outcome === 'initiated');
    const released = runs.filter((run) => run.unsent === true);
    const rejected = runs.filter((run) => run.outcome === 'rejected');
    const recording = [...initiated, ...rejected];
    for (const run of recording) if (!run.steps.has('RecordAttempt')) openStep(run, 'RecordAttempt');
    try {
      await attempts.recordOutcomes({
        initiated: initiated.map((run) => keyOf(run.task as ValidDialTask)),
        released: released.map((run) => keyOf(run.task as ValidDialTask)),
        rejected: rejected.map((run) => ({
          messageId: run.record.messageId,
          ...run.identity,
          reason: run.reason ?? 'rejected',
          body: run.record.body,
        })),
      });
    } catch (error) {
      // A sent call stays claimed: after the lease, the redelivered task sends it again under the same dialId.
      for (const run of recording) retry(run, 'RecordAttempt', error);
      return;
    }
    for (const run of runs) if (run.steps.has('RecordAttempt')) closeStep(run, 'RecordAttempt');
  }

  return {
    /** Processes one SQS batch of dial tasks and answers with the records to retry. */
    async processBatch(records: readonly SQSRecord[]): Promise<SQSBatchResponse> {
      const root = currentSpan();
      const runs: TaskRun[] = records.map((record) => ({
        record,
        span: root.child('ProcessDialTask'),
        steps: new Map(),
        identity: {},
      }));
      for (const run of runs) validate(run);
      const valid = runs.filter((run) => run.task !== undefined);
      const listed = await checkBlacklist(valid);
      const checked = valid.filter((run) => run.outcome === undefined);
      const isListed = (run: TaskRun) => listed.has(run.task?.phoneNumber ?? '');
      await initiateCalls(
        checked.filter((run) => !isListed(run)),
        checked.filter(isListed),
      );
      await recordAttempts(runs);

      const counts: Record<string, number> = {};
      for (const run of runs) {
        const outcome = run.outcome ?? 'retry';
        counts[outcome] = (counts[outcome] ?? 0) + 1;
        run.span.addMetadata('outcome', outcome);
        for (const step of run.steps.values()) step.close();
        run.span.close();
        if (outcome === 'rejected' || outcome === 'retry') {
          const log = outcome === 'rejected' ? logger.warn.bind(logger) : logger.error.bind(logger);
          log(outcome === 'rejected' ? 'Dial task rejected' : 'Dial task will be retried', {
            messageId: run.record.messageId,
            ...run.identity,
            phoneHash: run.task ? phoneHash(run.task.phoneNumber, phone.hashKey) : undefined,
            reason: run.reason,
          });
        }
      }
      logger.info('Dial batch processed', { received: runs.length, ...counts });
      return {
        batchItemFailures: runs
          .filter((run) => (run.outcome ?? 'retry') === 'retry')
          .map((run) => ({ itemIdentifier: run.record.messageId })),
      };
    },
  };
}

export type DialerService = ReturnType<typeof createDialerService>;
