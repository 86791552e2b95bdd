/**
 * One dial task's way through a batch: its `ProcessDialTask` span and step spans, what could be read of it, and
 * how it ended. Outcomes: initiated, skipped (blacklist), rejected (set aside), duplicate (nothing to do), retry.
 */
import type { SQSRecord } from 'aws-lambda';
import { redactPhoneLike } from '../lib/redact.ts';
import type { Span } from '../lib/tracing.ts';
import { type AttemptKey, dialIdOf } from './attemptRepository.ts';
import type { PartialIdentity, ValidDialTask } from './dialTaskInput.ts';

export type DialOutcome = 'initiated' | 'skipped_blacklisted' | 'rejected' | 'duplicate' | 'retry';
export type DialStep = 'ValidateInput' | 'CheckBlacklist' | 'InitiateCall' | 'RecordAttempt';

export class DialTaskRun {
  readonly record: SQSRecord;
  readonly span: Span;
  readonly #steps = new Map<DialStep, Span>();
  task?: ValidDialTask;
  identity: PartialIdentity = {};
  /** Why the task was rejected or will be retried: never a phone number. */
  reason?: string;
  /** This invocation claimed the attempt but could not send its call: the claim is to be released. */
  unsent = false;
  outcome?: DialOutcome;

  constructor(record: SQSRecord, parent: Span) {
    this.record = record;
    this.span = parent.child('ProcessDialTask');
  }

  open(step: DialStep): Span {
    const span = this.span.child(step);
    this.#steps.set(step, span);
    return span;
  }

  isOpen(step: DialStep): boolean {
    return this.#steps.has(step);
  }

  addStepMetadata(step: DialStep, key: string, value: unknown): void {
    this.#steps.get(step)?.addMetadata(key, value);
  }

  /** Closes a step; an error is recorded on the step and on the task's span (with its error or fault flag). */
  close(step: DialStep, error?: unknown): void {
    const span = this.#steps.get(step);
    if (error !== undefined) {
      span?.recordError(error);
      this.span.recordError(error);
    }
    span?.close();
    this.#steps.delete(step);
  }

  /** A dependency failed at `step`: SQS delivers the task again later. */
  retry(step: DialStep, error: unknown): void {
    this.outcome = 'retry';
    this.reason = `${step}: ${redactPhoneLike(error instanceof Error ? error.message : String(error))}`;
    this.close(step, error);
  }

  /** The task can never succeed: it is set aside with `reason`. */
  reject(reason: string): void {
    this.outcome = 'rejected';
    this.reason = reason;
  }

  /** Ends the task's span; a task without an outcome is retried. */
  finish(): DialOutcome {
    const outcome = this.outcome ?? 'retry';
    this.span.addMetadata('outcome', outcome);
    for (const step of [...this.#steps.keys()]) this.close(step);
    this.span.close();
    return outcome;
  }
}

/** A run whose task passed validation. */
export type ValidRun = DialTaskRun & { task: ValidDialTask };

export function isValid(run: DialTaskRun): run is ValidRun {
  return run.task !== undefined;
}

export function keyOf(run: ValidRun): AttemptKey {
  return { campaignId: run.task.campaignId, contactId: run.task.contactId, attempt: run.task.attempt };
}

export function dialIdOfRun(run: ValidRun): string {
  return dialIdOf(keyOf(run));
}
