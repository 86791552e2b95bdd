/**
 * The contract between the queue stack (src/middleware/queueStack.ts) and the services it drives: typed tasks in,
 * one outcome per task out, and where rejected messages are set aside. No Lambda or SQS types.
 */
import { describeCause } from './errors.ts';

/** What a service may know of the invocation running it. */
export interface Invocation {
  /** Milliseconds left before the invocation is stopped. */
  remainingMs(): number;
}

/**
 * Time a service keeps in hand before its invocation is stopped: with less left, it starts no new task and answers the
 * rest as retries (SQS delivers them again) rather than be cut off in the middle of one.
 */
export const TIME_MARGIN_MS = 3_000;

/** Whether the invocation has time left for another task. */
export const hasTimeFor = (invocation: Invocation | undefined): boolean =>
  invocation === undefined || invocation.remainingMs() >= TIME_MARGIN_MS;

/** An invocation without a time limit (a test's, a local tool's). */
export const UNTIMED: Invocation = { remainingMs: () => Number.POSITIVE_INFINITY };

export const OUT_OF_TIME: TaskOutcome = { kind: 'retry', reason: 'too little time left in the invocation' };

/** A task retried because `step` failed for it, with the failure's masked description as the reason. */
export const retryAfter = (step: string, error: unknown): TaskOutcome => ({
  kind: 'retry',
  reason: `${step}: ${describeCause(error)}`,
});

/** A message's body, parsed and valid, named by its record's id. */
export interface QueueTask<T> {
  id: string;
  body: T;
}

/**
 * How one task ended: `done` (with what happened, and counts to add to the batch's summary), `retry` (a dependency
 * failed: SQS delivers it again, then its DLQ), or `reject` (it can never succeed: set aside with the reason).
 * A reason is fixed text or masked: it goes into logs and the rejected-message record.
 */
export type TaskOutcome =
  | { kind: 'done'; result: string; counts?: Record<string, number> }
  | { kind: 'retry'; reason: string }
  | { kind: 'reject'; reason: string };

export type Outcomes = ReadonlyMap<string, TaskOutcome>;

/**
 * A service's handling of a batch: one outcome per task; a task without one is retried. Throwing fails the whole
 * batch. The queue stack always gives the invocation; a test may leave it out (all the time in the world).
 */
export type QueueService<T> = (tasks: readonly QueueTask<T>[], invocation?: Invocation) => Promise<Outcomes>;

/** A message set aside: what could be read of whom it was for, why, and its body as received. */
export interface RejectedMessage {
  queue: string;
  messageId: string;
  campaignId?: string;
  contactId?: string;
  reason: string;
  body: string;
}

export interface RejectionStore {
  record(messages: readonly RejectedMessage[]): Promise<void>;
}
